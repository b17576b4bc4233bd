// `pdlab version`: the versions of pdlab and the libraries it was built with.
#include "cli/common.hpp"
#include "pdlab/io/inputs.hpp"
#include "pdlab/version.hpp"

#include <fmt/core.h>
#include <sqlite3.h>
#include <tbb/version.h>

#include <sysexits.h>

namespace pdlab::cli {

namespace {

struct VersionOptions {};  // it has none

int run(const VersionOptions& /*o*/) {
  fmt::print("pdlab {}\n", PDLAB_VERSION);
  fmt::print("oneTBB {}.{}, SQLite {}, fmt {}, CLI11 {}\nshipped data: {}\n", TBB_VERSION_MAJOR,
             TBB_VERSION_MINOR, sqlite3_libversion(), FMT_VERSION, CLI11_VERSION, io::data_dir());
  return EX_OK;
}

}  // namespace

void register_version(CLI::App& app, Commands& cmds) {
  auto* sub = app.add_subcommand("version", "Print the version of pdlab and its libraries");
  cmds.push_back({sub, [] { return run(VersionOptions{}); }});
}

}  // namespace pdlab::cli
