// The process's place in a distributed run. Under mpirun (or srun) MPI is initialised and
// every rank runs the same command; launched alone, the process is rank 0 of 1 and no MPI
// call is made, so the same binary runs with or without mpirun. Built without MPI
// (PDLAB_MPI=OFF), a launch with more than one rank is refused.
#pragma once

#include "pdlab/core/errors.hpp"

#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace pdlab::dist {

// Thrown on the ranks that agree to stop because another rank failed in a collective step
// (that rank reports the error): the process exits with `code` without printing.
struct Follower {
  ErrorKind kind;
};

class Context {
 public:
  // Initialises MPI if the environment says the process was launched by mpirun or srun.
  // Call once, from main, before any thread starts; finalises MPI on destruction.
  Context(int* argc, char*** argv);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // The one made in main (rank 0 of 1 when none was made: tests, the Python package).
  static Context& current();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }
  bool distributed() const { return size_ > 1; }

  void barrier() const;
  // Runs `step` on every rank, then agrees: if it threw on any rank, the lowest such rank
  // rethrows its error and every other rank throws Follower, so that one message is printed
  // and no rank waits for another that has stopped. Every rank must call it, in the same
  // order.
  void collective(const std::function<void()>& step) const;
  // Every rank's values, concatenated in rank order (each rank gives the same count).
  std::vector<double> allgather(const std::vector<double>& mine) const;
  // Ends every rank at once (an error outside a collective step on a distributed run).
  [[noreturn]] void abort(int code) const;

 private:
  Context();
  int rank_ = 0;
  int size_ = 1;
  bool mpi_ = false;
  // A collective step has failed and every rank knows it: the lowest failing rank keeps its
  // error, the others the error's kind.
  [[noreturn]] void throw_agreed() const;
  mutable bool agreed_ = false;
  mutable std::exception_ptr agreed_error_;
  mutable ErrorKind agreed_kind_ = ErrorKind::internal;
};

// The rank count an MPI launcher gave in the environment (0 when not launched by one).
int launched_ranks();

}  // namespace pdlab::dist
