#include "pdlab/dist/context.hpp"

#include <cstdlib>
#include <exception>
#include <string>

#if PDLAB_HAVE_MPI
#include <mpi.h>
#include <time.h>

#include <algorithm>
#endif

namespace pdlab::dist {

namespace {

Context* g_current = nullptr;

int env_int(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : 0;
}

#if PDLAB_HAVE_MPI
// Waits for a non-blocking collective, sleeping between tests: a rank that waits for
// another (rank 0 estimating or merging, a rank with less work) leaves its core to the
// ranks still working, where Open MPI's blocking calls would spin on it.
void wait_idle(MPI_Request& request) {
  long ns = 50'000;
  for (int done = 0;;) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done != 0) {
      return;
    }
    const timespec ts{0, ns};
    nanosleep(&ts, nullptr);
    ns = std::min(ns * 2, 5'000'000L);
  }
}
#endif

}  // namespace

int launched_ranks() {
  // Open MPI's mpirun, then PMI (MPICH, Slurm's srun --mpi=pmi2) and PMIx (srun --mpi=pmix).
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    if (const int n = env_int(name); n > 0) {
      return n;
    }
  }
  return std::getenv("PMIX_RANK") != nullptr ? 1 : 0;
}

Context::Context() = default;

Context::Context(int* argc, char*** argv) {
  const int launched = launched_ranks();
#if PDLAB_HAVE_MPI
  if (launched > 0) {
    int provided = 0;
    // Only the main thread calls MPI (TBB's workers never do).
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    mpi_ = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
#else
  (void)argc;
  (void)argv;
  if (launched > 1) {
    fail(ErrorKind::usage, {"", 0, "mpirun -n", std::to_string(launched)},
         "this pdlab was built without MPI (PDLAB_MPI=OFF), so its ranks cannot work together",
         "install openmpi-bin and libopenmpi-dev (scripts/setup.sh) and build the release "
         "preset, or run without mpirun");
  }
#endif
  g_current = this;
}

Context::~Context() {
  if (g_current == this) {
    g_current = nullptr;
  }
#if PDLAB_HAVE_MPI
  if (mpi_) {
    MPI_Finalize();
  }
#endif
}

Context& Context::current() {
  if (g_current != nullptr) {
    return *g_current;
  }
  static Context alone;
  return alone;
}

void Context::barrier() const {
#if PDLAB_HAVE_MPI
  if (mpi_) {
    MPI_Request request = MPI_REQUEST_NULL;
    MPI_Ibarrier(MPI_COMM_WORLD, &request);
    wait_idle(request);
  }
#endif
}

void Context::collective(const std::function<void()>& step) const {
  if (agreed_) {
    // A failure every rank knows of: each rank stops at its next collective step, whatever
    // became of the error on the way (a library between may have swallowed or replaced it).
    throw_agreed();
  }
  std::exception_ptr error;
  ErrorKind kind = ErrorKind::internal;
  try {
    step();
  } catch (const Error& e) {
    error = std::current_exception();
    kind = e.kind();
  } catch (const Follower&) {
    throw;  // agreed already
  } catch (...) {
    error = std::current_exception();
  }
  if (!distributed() || (error && agreed_)) {
    if (agreed_) {
      throw_agreed();
    }
    if (error) {
      std::rethrow_exception(error);
    }
    return;
  }
#if PDLAB_HAVE_MPI
  int failed = error ? rank_ : size_;
  int first = size_;
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Iallreduce(&failed, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &request);
  wait_idle(request);
  if (first == size_) {
    return;
  }
  int k = static_cast<int>(kind);
  MPI_Bcast(&k, 1, MPI_INT, first, MPI_COMM_WORLD);
  agreed_ = true;
  agreed_kind_ = static_cast<ErrorKind>(k);
  if (first == rank_) {
    agreed_error_ = error;
  }
  throw_agreed();
#else
  (void)kind;
#endif
}

void Context::throw_agreed() const {
  if (agreed_error_) {
    std::rethrow_exception(agreed_error_);  // the lowest failing rank: its own error
  }
  throw Follower{agreed_kind_};
}

std::vector<double> Context::allgather(const std::vector<double>& mine) const {
  if (!distributed()) {
    return mine;
  }
  std::vector<double> all(mine.size() * static_cast<std::size_t>(size_));
#if PDLAB_HAVE_MPI
  MPI_Allgather(mine.data(), static_cast<int>(mine.size()), MPI_DOUBLE, all.data(),
                static_cast<int>(mine.size()), MPI_DOUBLE, MPI_COMM_WORLD);
#endif
  return all;
}

void Context::abort(int code) const {
#if PDLAB_HAVE_MPI
  if (mpi_) {
    MPI_Abort(MPI_COMM_WORLD, code);
  }
#endif
  std::_Exit(code);
}

}  // namespace pdlab::dist
