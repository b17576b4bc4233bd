// Output files written safely: checked before any work, written to a temporary file beside
// the target, and moved into place only when complete.
//
// The rules (issue 13): an output must not exist unless `force`; even with `force` it must be
// a regular file (never a device, FIFO, symlink or folder) and never one of the inputs the
// process has read; two processes writing the same new output cannot both win (the move is
// create-exclusive); every write, flush and close is checked; the temporary file is removed
// on every exit path the process controls, and ones left by killed runs are cleaned up.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace pdlab::io {

// Remembers that the process read `path` as an input, so that no output can replace it.
void note_input(const std::string& path);

// Checks that `path` can be written as an output, before any work is done: not empty, not
// an input, absent (or, with `force`, a regular file), in an existing folder where a file can
// be created (tried with a probe file). Throws Error(cant_create / usage) naming the fix and
// `option`, the command-line option that gave the path.
void check_output_path(const std::string& path, bool force, const std::string& option = "--out");

// A temporary file beside `target`, named `<target>.tmp-<pid>-<n>`, created exclusively.
// Removed by the destructor unless commit() moved it into place; removed by
// remove_pending_output() when a signal ends the process.
class OutputFile {
 public:
  OutputFile(std::string target, bool force);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Path of the temporary file to write.
  const std::string& temp_path() const { return temp_; }
  const std::string& target() const { return target_; }
  // Moves the finished temporary file to the target: without force, only if the target still
  // does not exist (create-exclusive); with force, only over a regular file that is no input.
  void commit();

 private:
  std::string target_;
  std::string temp_;
  bool force_;
  int slot_ = -1;
};

// A resumable output: `<target>.partial`, written in committed steps and kept when the process
// stops before commit(), so that a later run can finish it (`pdlab run --resume`).
class PartialFile {
 public:
  // Without `resume`, an existing partial file is an error (or, with `force`, removed); with
  // `resume`, it is reopened (and a missing one is started afresh).
  PartialFile(std::string target, bool force, bool resume);
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;
  const std::string& path() const { return partial_; }
  const std::string& target() const { return target_; }
  bool resumed() const { return resumed_; }
  // Moves the finished file to the target (create-exclusive unless force).
  void commit();
  // Removes the partial file (and any journal beside it).
  void discard() noexcept;

 private:
  std::string target_;
  std::string partial_;
  bool force_;
  bool resumed_ = false;
};

// Removes the temporary files of writes in progress (and SQLite journals beside them).
// Async-signal-safe: for signal handlers.
void remove_pending_output() noexcept;

// Installs the handlers that clean up on SIGINT, SIGTERM, SIGHUP and a file-size limit
// (SIGXFSZ is ignored so that the write fails with EFBIG and is reported as an error).
void install_output_signal_handlers();

// Writes a text file atomically (temporary file + rename); refuses to overwrite unless force.
// Every write, flush and close is checked.
void write_text_file(const std::string& path, bool force,
                     const std::function<void(std::ostream&)>& write);

// Flushes standard output and throws Error(io) if any write to it failed (a full disk, a
// closed pipe, a file-size limit).
void check_stdout();

}  // namespace pdlab::io
