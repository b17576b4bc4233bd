#include "pdlab/sim/calibrate.hpp"

#include <nlopt.hpp>

#include <algorithm>
#include <cmath>
#include <exception>
#include <numeric>

namespace pdlab {

namespace {

bool in_regions(const Hierarchy& h, std::int32_t u, const std::vector<std::int32_t>& regions) {
  for (auto r : regions) {
    if (h.ancestor_at(u, h.level(r)) == r) {
      return true;
    }
  }
  return false;
}

}  // namespace

// Over the units of the level and regions that exist at the target's period (docs/model.md
// 7.13): a unit merged away or not yet born then is in neither the numerator nor the
// denominator.
std::vector<double> target_shares(const Model& model, const ReplicateResult& result,
                                  const std::vector<Target>& targets) {
  const auto& h = model.hierarchy();
  const auto& rs = model.restructuring();
  std::vector<double> adopted(targets.size(), 0.0);
  std::vector<double> total(targets.size(), 0.0);
  for (std::size_t j = 0; j < targets.size(); ++j) {
    const auto& t = targets[j];
    for (std::int32_t u = h.level_begin(t.level); u < h.level_begin(t.level + 1); ++u) {
      total[j] += rs.exists(u, t.period) && in_regions(h, u, t.regions) ? 1.0 : 0.0;
    }
  }
  for (const auto& a : result.adoptions) {
    for (std::size_t j = 0; j < targets.size(); ++j) {
      const auto& t = targets[j];
      if (t.metric < 0 && a.round == 0 && a.policy == t.policy && h.level(a.unit) == t.level &&
          a.period <= t.period && rs.exists(a.unit, t.period) && in_regions(h, a.unit, t.regions)) {
        adopted[j] += 1.0;
      }
    }
  }
  const auto periods = static_cast<std::size_t>(model.scenario().calendar.periods);
  const auto nl = static_cast<std::size_t>(h.n_levels());
  for (std::size_t j = 0; j < targets.size(); ++j) {
    const auto& t = targets[j];
    if (t.metric >= 0) {
      const auto& v = result.governance.values;
      const auto i =
          (static_cast<std::size_t>(t.metric) * nl + static_cast<std::size_t>(t.level)) * periods +
          static_cast<std::size_t>(t.period);
      adopted[j] = i < v.size() ? v[i] : std::nan("");
    } else {
      adopted[j] = total[j] > 0 ? adopted[j] / total[j] : 0.0;
    }
  }
  return adopted;
}

NelderMeadResult nelder_mead(const std::function<double(const std::vector<double>&)>& f,
                             const std::vector<double>& x0, const std::vector<double>& step,
                             double tolerance, int max_evaluations) {
  // NLopt's Nelder-Mead (Debian libnlopt-cxx-dev) in place of a hand-written one.
  NelderMeadResult out;
  out.x = x0;
  nlopt::opt opt(nlopt::LN_NELDERMEAD, static_cast<unsigned>(x0.size()));
  struct Ctx {
    const std::function<double(const std::vector<double>&)>* f;
    int evaluations;
    std::exception_ptr error;  // what the objective threw: NLopt would report "nlopt failure"
  } ctx{&f, 0, nullptr};
  opt.set_min_objective(
      [](const std::vector<double>& x, std::vector<double>& /*grad*/, void* data) {
        auto* c = static_cast<Ctx*>(data);
        ++c->evaluations;
        try {
          return (*c->f)(x);
        } catch (...) {
          c->error = std::current_exception();
          throw nlopt::forced_stop();
        }
      },
      &ctx);
  opt.set_initial_step(step);
  if (tolerance > 0) {
    opt.set_ftol_abs(tolerance);
  }
  opt.set_maxeval(std::max(1, max_evaluations));
  double value = 0;
  nlopt::result rc = nlopt::FAILURE;
  try {
    rc = opt.optimize(out.x, value);
  } catch (const nlopt::roundoff_limited&) {
    rc = nlopt::ROUNDOFF_LIMITED;  // the best point found is in out.x
    value = f(out.x);
  } catch (const nlopt::forced_stop&) {
    if (ctx.error) {
      std::rethrow_exception(ctx.error);
    }
    throw;
  }
  if (ctx.error) {
    std::rethrow_exception(ctx.error);  // in case NLopt returned instead of throwing
  }
  out.value = value;
  out.evaluations = ctx.evaluations;
  out.converged = rc == nlopt::FTOL_REACHED || rc == nlopt::XTOL_REACHED || rc == nlopt::SUCCESS ||
                  rc == nlopt::ROUNDOFF_LIMITED;
  return out;
}

}  // namespace pdlab
