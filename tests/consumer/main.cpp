// Builds against an installed pdlab and runs a shipped scenario through the library: the
// study layer loads and compiles it, the engine simulates an ensemble in memory.
#include "pdlab/core/errors.hpp"
#include "pdlab/sim/engine.hpp"
#include "pdlab/study/study.hpp"
#include "pdlab/version.hpp"

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer SCENARIO.toml\n");
    return 64;
  }
  try {
    const auto study = pdlab::study::prepare_study(argv[1], {});
    const auto results = pdlab::run_ensemble(*study.model, 4, 1);
    long adoptions = 0;
    for (const auto& r : results) adoptions += static_cast<long>(r.adoptions.size());
    std::printf("pdlab %s: %d units, %zu replicates, %ld adoptions\n", PDLAB_VERSION,
                study.model->hierarchy().size(), results.size(), adoptions);
    return adoptions > 0 ? 0 : 1;
  } catch (const pdlab::Error& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 65;
  }
}
