#include "pdlab/io/output_file.hpp"

#include "pdlab/core/errors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <vector>

namespace pdlab::io {

namespace fs = std::filesystem;

namespace {

std::mutex g_inputs_mutex;
std::vector<std::string>& inputs() {
  static std::vector<std::string> v;
  return v;
}

// The temporary files being written, for remove_pending_output() from a signal handler:
// fixed buffers, because a handler may only call async-signal-safe functions.
constexpr int kSlots = 8;
constexpr std::size_t kSlotBytes = 4096;
std::array<std::array<char, kSlotBytes>, kSlots> g_pending{};
std::array<std::atomic<bool>, kSlots> g_used{};
std::atomic<unsigned> g_counter{0};
// The message a signal handler prints when a resumable partial output is kept.
std::array<char, kSlotBytes + 256> g_partial_note{};
std::atomic<bool> g_partial_set{false};

void set_partial_note(const std::string& partial) {
  const std::string note = "pdlab: interrupted; the replicates already written are kept in " +
                           partial + ": run the same command with --resume to finish it\n";
  if (note.size() < g_partial_note.size()) {
    std::memcpy(g_partial_note.data(), note.c_str(), note.size() + 1);
    g_partial_set.store(true);
  }
}

int claim_slot(const std::string& path) {
  if (path.size() + 9 >= kSlotBytes) {  // room for "-journal"
    return -1;
  }
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (g_used[i].compare_exchange_strong(expected, true)) {
      std::memcpy(g_pending[i].data(), path.c_str(), path.size() + 1);
      return i;
    }
  }
  return -1;
}

void release_slot(int i) {
  if (i >= 0) {
    g_pending[i][0] = '\0';
    g_used[i].store(false);
  }
}

// Whether `path` names the same file as an input the process has read.
bool is_input(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return false;
  }
  const std::lock_guard<std::mutex> lock(g_inputs_mutex);
  for (const auto& in : inputs()) {
    if (fs::equivalent(in, path, ec) && !ec) {
      return true;
    }
  }
  return false;
}

const char* kind_of(mode_t m) {
  if (S_ISDIR(m)) {
    return "a folder";
  }
  if (S_ISLNK(m)) {
    return "a symbolic link";
  }
  if (S_ISFIFO(m)) {
    return "a FIFO";
  }
  if (S_ISCHR(m) || S_ISBLK(m)) {
    return "a device";
  }
  if (S_ISSOCK(m)) {
    return "a socket";
  }
  return "not a regular file";
}

// Refuses a target that exists as anything but a regular file, or that is an input.
void check_existing(const std::string& path, bool force, const std::string& option) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    fail(ErrorKind::cant_create, {path, 0, option, path},
         std::string("the output exists and is ") + kind_of(st.st_mode),
         "choose another " + option + "; pdlab replaces only regular files, even with --force");
  }
  if (is_input(path)) {
    fail(ErrorKind::cant_create, {path, 0, option, path}, "the output is one of this run's inputs",
         "choose another " + option + "; pdlab never replaces its inputs, even with --force");
  }
  if (!force) {
    fail(ErrorKind::cant_create, {path, 0, option, path}, "output file exists",
         "choose another " + option + ", or pass --force to replace it");
  }
}

// Removes `<name>.tmp-<pid>-*` files beside `path` left by runs that were killed (their
// process no longer exists).
void remove_stale_temps(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  const std::string prefix = name + ".tmp-";
  for (fs::directory_iterator it(dir.empty() ? fs::path(".") : dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string f = it->path().filename().string();
    if (f.compare(0, prefix.size(), prefix) != 0) {
      continue;
    }
    char* stop = nullptr;
    const long pid = std::strtol(f.c_str() + prefix.size(), &stop, 10);
    if (pid <= 0 || stop == nullptr || *stop != '-' || pid == ::getpid()) {
      continue;
    }
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code rm;
      fs::remove(it->path(), rm);
    }
  }
}

std::string temp_name(const std::string& target) {
  return target + ".tmp-" + std::to_string(::getpid()) + "-" +
         std::to_string(g_counter.fetch_add(1));
}

}  // namespace

void note_input(const std::string& path) {
  const std::lock_guard<std::mutex> lock(g_inputs_mutex);
  inputs().push_back(path);
}

void check_output_path(const std::string& path, bool force, const std::string& option) {
  if (path.empty()) {
    fail(ErrorKind::usage, {"", 0, option, ""}, "the output path is empty",
         "give " + option + " a file name");
  }
  check_existing(path, force, option);
  const auto dir = fs::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !fs::is_directory(dir, ec)) {
    fail(ErrorKind::cant_create, {path, 0, option, path}, "output directory does not exist",
         "create the directory first (mkdir -p '" + dir.string() + "')");
  }
  remove_stale_temps(dir, fs::path(path).filename().string());
  // A probe, so that a read-only folder or file system is found before any work is done.
  const std::string probe = path + ".tmp-" + std::to_string(::getpid()) + "-probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    fail(ErrorKind::cant_create, {path, 0, option, path},
         std::string("cannot create a file in the output folder: ") + std::strerror(err),
         "choose a folder you can write to (check permissions, a read-only file system, a full "
         "disk)");
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

OutputFile::OutputFile(std::string target, bool force) : target_(std::move(target)), force_(force) {
  check_output_path(target_, force_);
  temp_ = temp_name(target_);
  slot_ = claim_slot(temp_);
  const int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    release_slot(slot_);
    fail(ErrorKind::cant_create, {target_, 0, "--out", target_},
         std::string("cannot create the temporary output file: ") + std::strerror(err),
         "check permissions and free space of the output folder");
  }
  ::close(fd);
}

OutputFile::~OutputFile() {
  if (!temp_.empty()) {
    ::unlink(temp_.c_str());
    ::unlink((temp_ + "-journal").c_str());
  }
  release_slot(slot_);
}

namespace {

// Moves `from` to `target`: only a regular file that is no input is replaced, and without
// force only when the target does not exist (create-exclusive).
void move_into_place(const std::string& from, const std::string& target, bool force) {
  // Again at the last moment: a regular file that is no input (an existing one is then
  // refused below by the create-exclusive move unless force).
  check_existing(target, true, "--out");
  int rc = 0;
  if (force) {
    rc = ::rename(from.c_str(), target.c_str());
  } else {
    // Create-exclusive: of two runs writing the same new output, the second fails here.
    rc = ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE);
    if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
      // A file system without RENAME_NOREPLACE: link() is exclusive too.
      rc = ::link(from.c_str(), target.c_str());
      if (rc == 0) {
        ::unlink(from.c_str());
      }
    }
  }
  if (rc != 0) {
    const int err = errno;
    if (err == EEXIST) {
      fail(ErrorKind::cant_create, {target, 0, "--out", target},
           "output file exists (written by another process while this one ran)",
           "choose another --out, or pass --force to replace it");
    }
    fail(ErrorKind::cant_create, {target, 0, "--out", target},
         std::string("cannot move the result into place: ") + std::strerror(err),
         "check permissions of the output folder");
  }
}

}  // namespace

void OutputFile::commit() {
  move_into_place(temp_, target_, force_);
  temp_.clear();
  release_slot(slot_);
  slot_ = -1;
}

PartialFile::PartialFile(std::string target, bool force, bool resume)
    : target_(std::move(target)), partial_(target_ + ".partial"), force_(force) {
  check_output_path(target_, force_);
  struct stat st {};
  if (::lstat(partial_.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      fail(ErrorKind::cant_create, {partial_, 0, "--out", target_},
           std::string("the partial output exists and is ") + kind_of(st.st_mode),
           "remove it or choose another --out");
    }
    if (resume) {
      resumed_ = true;
      set_partial_note(partial_);
      return;
    }
    if (!force_) {
      fail(ErrorKind::cant_create, {partial_, 0, "--out", target_},
           "an interrupted run left this partial output",
           "pass --resume to finish it, or --force to start again");
    }
    discard();
  }
  const int fd = ::open(partial_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    fail(ErrorKind::cant_create, {partial_, 0, "--out", target_},
         std::string("cannot create the partial output: ") + std::strerror(err),
         err == EEXIST ? "another pdlab process is writing this output; wait for it or choose "
                         "another --out"
                       : "check permissions and free space of the output folder");
  }
  ::close(fd);
  set_partial_note(partial_);
}

void PartialFile::commit() {
  move_into_place(partial_, target_, force_);
  g_partial_set.store(false);
}

void PartialFile::discard() noexcept {
  g_partial_set.store(false);
  ::unlink(partial_.c_str());
  ::unlink((partial_ + "-journal").c_str());
}

void remove_pending_output() noexcept {
  for (int i = 0; i < kSlots; ++i) {
    if (g_used[i].load() && g_pending[i][0] != '\0') {
      char* p = g_pending[i].data();
      ::unlink(p);
      const std::size_t n = std::strlen(p);
      std::memcpy(p + n, "-journal", 9);
      ::unlink(p);
      p[n] = '\0';
    }
  }
}

namespace {
extern "C" void on_fatal_signal(int sig) {
  remove_pending_output();
  if (g_partial_set.load()) {
    const char* m = g_partial_note.data();
    const ssize_t ignored = ::write(STDERR_FILENO, m, std::strlen(m));
    (void)ignored;
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}
}  // namespace

void install_output_signal_handlers() {
  std::signal(SIGINT, on_fatal_signal);
  std::signal(SIGTERM, on_fatal_signal);
  std::signal(SIGHUP, on_fatal_signal);
  std::signal(SIGXFSZ, SIG_IGN);
}

void write_text_file(const std::string& path, bool force,
                     const std::function<void(std::ostream&)>& write) {
  OutputFile out(path, force);
  {
    std::ofstream f(out.temp_path(), std::ios::binary | std::ios::trunc);
    if (!f) {
      fail(ErrorKind::cant_create, {path, 0, "", ""}, "cannot create file", "check permissions");
    }
    write(f);
    f.flush();
    f.close();
    if (!f) {
      fail(ErrorKind::io, {path, 0, "", ""}, "write failed",
           "check free disk space and any file-size limit (ulimit -f)");
    }
  }
  out.commit();
}

void check_stdout() {
  std::cout.flush();
  const bool bad = std::cout.fail() || std::fflush(stdout) != 0 || std::ferror(stdout) != 0;
  if (bad) {
    const int err = errno;
    fail(ErrorKind::io, {"<standard output>", 0, "", ""},
         std::string("writing to standard output failed") +
             (err != 0 ? std::string(": ") + std::strerror(err) : std::string()),
         "check free disk space, any file-size limit, or the program reading the pipe");
  }
}

}  // namespace pdlab::io
