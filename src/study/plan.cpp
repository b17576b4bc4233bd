#include "pdlab/study/plan.hpp"

namespace pdlab::study {

RunOutcome run_plan(const RunPlan& plan, const RunHooks& hooks) {
  RunOutcome out;
  out.study = std::make_shared<const PreparedStudy>(prepare_study(plan.scenario, plan.overrides));
  const auto& study = *out.study;
  out.warnings = study.model->warnings();
  // (the edge lists' notes, e.g. a shipped list's edges kept on a hierarchy file)
  const auto& notes = study.inputs.network->notes();
  out.warnings.insert(out.warnings.end(), notes.begin(), notes.end());
  if (hooks.on_prepared) {
    hooks.on_prepared(study);
  }
  // The output path is checked before the pilot replicate is simulated: a bad --out should
  // not cost a replicate first. Asked only for the estimate, which writes nothing, the user
  // gets it first and then the refusal the run would get.
  if (!plan.estimate_only) {
    check_run_output(plan.out, plan.force);
  }
  out.estimate = estimate_study(study, plan.out, plan.resume);
  out.available = available_for(plan.out);
  if (hooks.on_estimate) {
    hooks.on_estimate(out.estimate, out.available);
  }
  // With estimate_only too: the answer to "would it fit?" includes the refusal a run would get.
  if (plan.check_estimate) {
    check_estimate(out.estimate, out.available, plan.out);
  }
  if (plan.estimate_only) {
    check_run_output(plan.out, plan.force);
    return out;
  }
  out.report = run_study(study, plan.out, plan.force, plan.resume, plan.command_line,
                         hooks.progress, out.estimate.pilot.get(), hooks.on_replicate);
  out.report.seconds_simulate += out.estimate.pilot_seconds;
  out.ran = true;
  return out;
}

}  // namespace pdlab::study
