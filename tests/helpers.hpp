// Shared helpers for tests: small hierarchies and scenarios built in memory.
#pragma once

#include "pdlab/core/errors.hpp"
#include "pdlab/core/hierarchy.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace pdlab::test {

// A star: root "R" (level "top") with n leaf children "c0".."c{n-1}" (level "leaf").
inline Hierarchy star(int n) {
  HierarchyBuilder b("star", {"x"});
  const double x[] = {1.0};
  b.add("R", "", "top", "root", x, 2);
  for (int i = 0; i < n; ++i) {
    b.add("c" + std::to_string(i), "R", "leaf", "", x, i + 3);
  }
  return b.build("");
}

// Folders made by temp_dir(), removed when the test process exits (each ctest test is a
// process of its own), so that tests leave nothing in the temporary directory.
struct TempDirs {
  std::vector<std::filesystem::path> dirs;
  TempDirs() = default;
  TempDirs(const TempDirs&) = delete;
  TempDirs& operator=(const TempDirs&) = delete;
  ~TempDirs() {
    for (const auto& d : dirs) {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  }
};

inline std::string temp_dir() {
  static TempDirs made;
  const auto d = std::filesystem::temp_directory_path() /
                 ("pdlab-test-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::create_directories(d);
  made.dirs.push_back(d);
  return d.string();
}

inline std::string write_file(const std::string& dir, const std::string& name,
                              const std::string& text) {
  const auto p = dir + "/" + name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

// Runs f and returns the pdlab::Error it throws (fails the test if it does not).
template <typename F>
Error expect_error(F&& f, ErrorKind kind) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    return e;
  }
  ADD_FAILURE() << "no pdlab::Error thrown";
  return Error(ErrorKind::internal, "");
}

}  // namespace pdlab::test
