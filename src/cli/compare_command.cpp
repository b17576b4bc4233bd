// `pdlab compare`: a thin client of io::compare_designs (src/io/compare_study.hpp): parse
// the variants, run, write the table, print a digest.
#include "cli/commands.hpp"
#include "pdlab/core/errors.hpp"
#include "pdlab/io/results.hpp"
#include "pdlab/study/compare_study.hpp"

#include <fmt/core.h>

#include <sysexits.h>

namespace pdlab::cli {

int cmd_compare(Args& args) {
  if (args.vary.empty() == args.variants_path.empty()) {
    fail(ErrorKind::usage, {"", 0, "--vary", ""}, "give either --vary or --variants",
         "e.g. --vary promotion.mandate=0,1, or --variants variants.csv");
  }
  io::CompareSpec spec;
  spec.scenario = args.scenario;
  spec.variants = args.vary.empty() ? io::variants_from_csv(args.variants_path)
                                    : io::variants_from_vary(args.vary);
  if (spec.variants.size() < 2) {
    fail(ErrorKind::usage, {"", 0, "--vary", ""}, "only one variant: nothing to compare",
         "give at least two values");
  }
  add_run_overrides(args);
  spec.overrides = args.sets;
  io::check_output_path(args.out, args.force);
  const auto res = io::compare_designs(
      spec,
      [&](int i, int n, const std::string& label) {
        if (i == 0) {
          // Again now that the inputs are read: the output must not be one of them.
          io::check_output_path(args.out, args.force);
        }
        fmt::print(stderr, "pdlab: variant {}/{}: {}\n", i + 1, n, label);
      },
      progress_bar());
  const auto& defs = res.outcomes;
  io::write_table(args.out, args.force, io::table_schema("compare"), [&](io::TableWriter& w) {
    for (std::size_t k = 0; k < defs.size(); ++k) {
      for (std::size_t i = 0; i < res.labels.size(); ++i) {
        const auto& c = res.contrasts[k][i];
        w.text(defs[k].name)
            .text(defs[k].statistic)
            .text(defs[k].policy)
            .text(defs[k].level)
            .text(res.labels[i])
            .integer(c.n)
            .real(c.mean)
            .real(c.sd)
            .real(c.diff)
            .real(c.diff_se)
            .real(c.lo)
            .real(c.hi)
            .end_row();
      }
    }
  });
  // A short digest: the deepest level's adoption and the governance headline outcomes.
  fmt::print("Differences from \"{}\" ({} replicates, common random numbers, 95% t intervals)\n",
             res.labels[0], res.replicates);
  for (std::size_t k = 0; k < defs.size(); ++k) {
    const auto& d = defs[k];
    const bool headline =
        (d.name == "adopted" && d.level == res.deepest_level) ||
        d.name == "participation_migrant" ||
        (d.name == "depth" && d.statistic == "last_year_mean" && d.level == res.deepest_level) ||
        d.name == "incidents" || (d.name == "escalated" && d.level == res.top_level);
    if (!headline) {
      continue;
    }
    fmt::print("  {} {} ({}):\n", d.name, d.statistic, d.level);
    for (std::size_t i = 1; i < res.labels.size(); ++i) {
      const auto& c = res.contrasts[k][i];
      fmt::print("    {:<40} {:>12.4g}  [{:.4g}, {:.4g}]\n", res.labels[i], c.diff, c.lo, c.hi);
    }
  }
  fmt::print(stderr, "wrote {}\n", args.out);
  return EX_OK;
}

}  // namespace pdlab::cli
