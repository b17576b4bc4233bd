// Counter-based random streams (Random123 Philox4x32-10).
//
// Every draw is a pure function of (seed, replicate, period, unit, purpose), so results do
// not depend on the order in which units, replicates or threads are processed.
#pragma once

#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstdint>

namespace pdlab {

// What a draw is for; part of the counter, so streams for different purposes never overlap.
enum class Draw : std::uint32_t {
  threshold = 1,           // exponential threshold of a unit's cumulative hazard
  mode = 2,                // promotion mode chosen by an adopting superior
  pilot = 3,               // random pilot selection
  quality = 4,             // quality of an adopter's implementation (pilot evaluation, learning)
  reversal = 5,            // waiting time to reversal
  compliance = 6,          // compliance at a mandate's deadline
  quota = 7,               // order in which quotas are filled
  variant = 8,             // whether a championship adopter invents its own variant
  incident = 9,            // stability incidents of a local government (governance layer)
  agent = 10,              // revision and threshold of an individual resident agent
  term = 11,               // an official's term length (and, at the start, how much has passed)
  promotion = 12,          // an official's promotion in the yearly tournament
  evaluation = 13,         // the superior's measurement error when judging a pilot
  readmit = 14,            // threshold of a unit that returns to the risk set
  reversal_feedback = 15,  // reversal of a reform failing on the ground
  learning = 16,           // which peer's variant an adopter copies
  baseline = 17,           // a baseline forecast's adoption draw (check-fit --train-until)
  agent_move = 18,         // the part of a split community a resident agent moves to
  inspection = 19,         // the superior's measurement error at a mandate's yearly inspection
  parameters = 32,         // a replicate's draw of the uncertain parameters ([uncertainty])
  abc_prior = 40,          // ABC-SMC: a particle of the first generation, from the prior
  abc_parent = 41,         // ABC-SMC: the parent a proposal perturbs (weighted resampling)
  abc_perturb = 42,        // ABC-SMC: the Gaussian perturbation of a parent
  abc_simulate = 43,       // ABC-SMC: the seed of a proposal's simulation
  abc_predict = 44,        // ABC-SMC: posterior predictive draws and their simulations' seeds
};

class Rng {
 public:
  using Philox = r123::Philox4x32;

  explicit Rng(std::uint64_t seed) {
    key_ = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32U)}};
  }

  // Four independent 32-bit words for (replicate, period, unit, policy, purpose).
  [[nodiscard]] std::array<std::uint32_t, 4> words(std::uint32_t replicate, std::uint32_t period,
                                                   std::uint32_t unit, std::uint32_t policy,
                                                   Draw purpose) const {
    Philox::ctr_type ctr = {
        {unit, period, replicate, (policy << 8U) | static_cast<std::uint32_t>(purpose)}};
    Philox philox;
    const auto out = philox(ctr, key_);
    return {out[0], out[1], out[2], out[3]};
  }

  // Uniform on the open interval (0, 1) with 52 random bits (53 would round up to 1.0).
  [[nodiscard]] double uniform(std::uint32_t replicate, std::uint32_t period, std::uint32_t unit,
                               std::uint32_t policy, Draw purpose) const {
    const auto w = words(replicate, period, unit, policy, purpose);
    return to_open_unit(w[0], w[1]);
  }

  static double to_open_unit(std::uint32_t hi, std::uint32_t lo) {
    const std::uint64_t bits = ((static_cast<std::uint64_t>(hi) << 32U) | lo) >> 12U;
    // (below 2^52: as a signed integer it converts exactly, in one instruction)
    return (static_cast<double>(static_cast<std::int64_t>(bits)) + 0.5) * 0x1.0p-52;
  }

  // Raw Philox4x32-10 on a given counter, for known-answer tests.
  static std::array<std::uint32_t, 4> raw(const std::array<std::uint32_t, 4>& counter,
                                          const std::array<std::uint32_t, 2>& key) {
    Philox philox;
    const auto out = philox(Philox::ctr_type{{counter[0], counter[1], counter[2], counter[3]}},
                            Philox::key_type{{key[0], key[1]}});
    return {out[0], out[1], out[2], out[3]};
  }

 private:
  Philox::key_type key_{};
};

}  // namespace pdlab
