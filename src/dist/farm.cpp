#include "dist/farm.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#if PDLAB_HAVE_MPI
#include <mpi.h>
#endif

namespace pdlab::dist {

Timeline::Timeline(int rank) {
  if (const char* prefix = std::getenv("PDLAB_DIST_TIMELINE"); prefix != nullptr && *prefix) {
    f_ = std::fopen((std::string(prefix) + ".rank" + std::to_string(rank)).c_str(), "w");
  }
}

Timeline::~Timeline() {
  if (f_ != nullptr) {
    std::fclose(f_);
  }
}

void Timeline::mark(const char* event, std::int32_t task) {
  if (f_ == nullptr) {
    return;
  }
  const double t =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  const std::lock_guard<std::mutex> lock(m_);
  std::fprintf(f_, "%.4f %s %d\n", t, event, task);
}

namespace {

using Clock = std::chrono::steady_clock;

// The simulation threads of one rank: tasks pushed by the main thread, results taken back
// by it.
class Pool {
 public:
  Pool(int threads, const FarmJob& job) : job_(job) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { loop(); });
    }
  }
  ~Pool() {
    close();
    for (auto& t : threads_) {
      t.join();
    }
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  void push(std::int32_t task) {
    {
      const std::lock_guard<std::mutex> lock(m_);
      feed_.push_back(task);
    }
    work_cv_.notify_one();
  }
  // Tasks queued or running (not yet taken back).
  int in_flight() {
    const std::lock_guard<std::mutex> lock(m_);
    return static_cast<int>(feed_.size()) + running_ + static_cast<int>(done_.size());
  }
  // Stops handing out: queued tasks are dropped, running ones finish.
  void close() {
    {
      const std::lock_guard<std::mutex> lock(m_);
      closed_ = true;
      feed_.clear();
    }
    work_cv_.notify_all();
  }
  // The finished tasks so far; rethrows a task's error.
  std::vector<std::pair<std::int32_t, Payload>> take() {
    const std::lock_guard<std::mutex> lock(m_);
    if (error_) {
      auto e = error_;
      error_ = nullptr;
      std::rethrow_exception(e);
    }
    std::vector<std::pair<std::int32_t, Payload>> out;
    out.swap(done_);
    return out;
  }
  // Waits until a task finishes or `d` passes.
  void wait(std::chrono::microseconds d) {
    std::unique_lock<std::mutex> lock(m_);
    main_cv_.wait_for(lock, d, [&] { return !done_.empty() || error_; });
  }

 private:
  void loop() {
    for (;;) {
      std::int32_t task = 0;
      {
        std::unique_lock<std::mutex> lock(m_);
        work_cv_.wait(lock, [&] { return closed_ || !feed_.empty(); });
        if (feed_.empty()) {
          return;
        }
        task = feed_.front();
        feed_.pop_front();
        ++running_;
      }
      Payload p;
      std::exception_ptr error;
      if (job_.timeline != nullptr) {
        job_.timeline->mark("simulate", task);
      }
      try {
        p = job_.work(task);
      } catch (...) {
        error = std::current_exception();
      }
      if (job_.timeline != nullptr) {
        job_.timeline->mark("simulated", task);
      }
      {
        const std::lock_guard<std::mutex> lock(m_);
        --running_;
        if (error) {
          if (!error_) {
            error_ = error;
          }
        } else {
          done_.emplace_back(task, std::move(p));
        }
      }
      main_cv_.notify_one();
    }
  }

  const FarmJob& job_;
  std::vector<std::thread> threads_;
  std::mutex m_;
  std::condition_variable work_cv_, main_cv_;
  std::deque<std::int32_t> feed_;
  std::vector<std::pair<std::int32_t, Payload>> done_;
  std::exception_ptr error_;
  int running_ = 0;
  bool closed_ = false;
};

// The main thread's pause between looks at its messages and threads: short while things
// happen, up to 20 ms when idle (tasks last tens of milliseconds or more, a rank asks for its
// next task one ahead, and a finished task wakes the wait at once). A 2 ms pause woke each
// rank's main thread 1,000 times a second beside its simulation threads on a 2-core machine.
class Backoff {
 public:
  void reset() { d_ = std::chrono::microseconds(50); }
  std::chrono::microseconds next() {
    const auto d = d_;
    d_ = std::min(d_ * 2, std::chrono::microseconds(20000));
    return d;
  }

 private:
  std::chrono::microseconds d_{50};
};

#if PDLAB_HAVE_MPI
// Every message is two 64-bit integers. kAsk: (claimed task or -1, how many claims follow);
// kTask: (task or -1 for none left); kDone: (task, record offset).
enum Tag : int { kAsk = 7101, kTask = 7102, kDone = 7103, kFailed = 7104, kFinished = 7105 };

void send(int to, Tag tag, std::int64_t a, std::int64_t b = 0) {
  const std::int64_t m[2] = {a, b};
  MPI_Send(m, 2, MPI_INT64_T, to, tag, MPI_COMM_WORLD);
}

// A message waiting from `from` (MPI_ANY_SOURCE: any rank); its tag and source in `st`.
bool poll(int from, int tag, MPI_Status& st, std::int64_t m[2]) {
  int flag = 0;
  MPI_Iprobe(from, tag, MPI_COMM_WORLD, &flag, &st);
  if (flag == 0) {
    return false;
  }
  MPI_Recv(m, 2, MPI_INT64_T, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return true;
}

// A rank other than 0: claims its guesses, asks for tasks (one ahead of its threads, so
// that a thread never waits for rank 0's answer), runs them, records each and tells rank 0
// where.
void worker(const FarmJob& job, Pool& pool, const std::vector<std::int32_t>& guesses) {
  std::deque<std::int64_t> sent;  // per unanswered ask: the task it claims, or -1
  std::set<std::int32_t> unconfirmed, dropped;
  std::vector<std::pair<std::int32_t, Payload>> held;  // done, claim not yet answered
  // The first asks say how many more follow at once (rank 0 feeds its own threads only once
  // it has every rank's claims).
  for (std::size_t i = 0; i < guesses.size(); ++i) {
    send(0, kAsk, guesses[i], static_cast<std::int64_t>(guesses.size() - 1 - i));
    sent.push_back(guesses[i]);
    unconfirmed.insert(guesses[i]);
  }
  bool no_more = false;
  std::exception_ptr error;
  Backoff backoff;
  for (;;) {
    bool busy = false;
    MPI_Status st;
    std::int64_t m[2];
    while (poll(0, kTask, st, m)) {
      busy = true;
      const auto claim = sent.front();
      sent.pop_front();
      if (claim >= 0) {
        unconfirmed.erase(static_cast<std::int32_t>(claim));
        if (m[0] == claim) {
          continue;  // granted: it is running already
        }
        dropped.insert(static_cast<std::int32_t>(claim));
      }
      if (m[0] < 0) {
        no_more = true;
      } else if (!error) {
        pool.push(static_cast<std::int32_t>(m[0]));
      }
    }
    try {
      for (auto& r : pool.take()) {
        held.push_back(std::move(r));
      }
      for (auto it = held.begin(); it != held.end();) {
        const auto task = it->first;
        if (unconfirmed.count(task) > 0) {
          ++it;
          continue;
        }
        if (dropped.erase(task) == 0 && !error) {
          const auto offset = job.finished(task, it->second);
          send(0, kDone, task, static_cast<std::int64_t>(offset));
        }
        it = held.erase(it);
        busy = true;
      }
    } catch (...) {
      if (!error) {
        error = std::current_exception();
        pool.close();
        send(0, kFailed, 0);
      }
    }
    while (!error && !no_more &&
           static_cast<int>(sent.size()) + pool.in_flight() < job.threads + 1) {
      send(0, kAsk, -1);
      sent.push_back(-1);
    }
    if ((no_more || error) && sent.empty() && pool.in_flight() == 0 && held.empty()) {
      send(0, kFinished, 0);
      break;
    }
    if (busy) {
      backoff.reset();
    } else {
      pool.wait(backoff.next());
    }
  }
  if (error) {
    std::rethrow_exception(error);
  }
}
#endif

bool root(const Context& ctx, const FarmJob& job, Pool& pool) {
  const auto n = job.tasks.size();
  std::unordered_map<std::int32_t, std::size_t> position;
  for (std::size_t i = 0; i < n; ++i) {
    position[job.tasks[i]] = i;
  }
  std::vector<char> handed(n, 0);
  std::size_t next = 0;  // the first task not handed out
  const auto hand = [&](std::size_t i) {
    handed[i] = 1;
    while (next < n && handed[next] != 0) {
      ++next;
    }
    return job.tasks[i];
  };
  std::size_t arrived = 0;
  int finished_ranks = 0;
  bool stopping = false;
  bool other_failed = false;
  std::exception_ptr error;
  std::deque<std::pair<int, std::int64_t>> asking;  // rank, task it claims (or -1)
  Backoff backoff;
  int heard = 0;  // ranks whose claims have all come
  std::vector<char> claims_in(static_cast<std::size_t>(ctx.size()), 0);
  const auto may_hand_out = [&] {
    return !stopping && next < n && static_cast<std::int64_t>(next) < job.consumed() + job.window;
  };
  for (;;) {
    bool busy = false;
    try {
      for (auto& [task, p] : pool.take()) {
        busy = true;
        if (!stopping) {
          const auto offset = job.finished(task, p);
          job.arrived(task, std::move(p), {0, offset});
          ++arrived;
        }
      }
#if PDLAB_HAVE_MPI
      MPI_Status st;
      std::int64_t m[2];
      while (ctx.distributed() && poll(MPI_ANY_SOURCE, MPI_ANY_TAG, st, m)) {
        busy = true;
        switch (st.MPI_TAG) {
          case kAsk:
            asking.emplace_back(st.MPI_SOURCE, m[0]);
            if (m[1] == 0 && claims_in[static_cast<std::size_t>(st.MPI_SOURCE)] == 0) {
              claims_in[static_cast<std::size_t>(st.MPI_SOURCE)] = 1;
              ++heard;
            }
            break;
          case kDone:
            if (!stopping) {
              if (job.timeline != nullptr) {
                job.timeline->mark("arrived", static_cast<std::int32_t>(m[0]));
              }
              job.arrived(static_cast<std::int32_t>(m[0]), {},
                          {st.MPI_SOURCE, static_cast<std::uint64_t>(m[1])});
              ++arrived;
            }
            break;
          case kFailed:
            stopping = other_failed = true;
            pool.close();
            break;
          case kFinished: ++finished_ranks; break;
          default: break;
        }
      }
      // Other ranks first: they wait for the answer, rank 0's threads are fed at once. A
      // claim is granted while its task is not handed out.
      while (!asking.empty()) {
        const auto [rank, claim] = asking.front();
        const auto at =
            claim >= 0 ? position.find(static_cast<std::int32_t>(claim)) : position.end();
        if (!stopping && at != position.end() && handed[at->second] == 0) {
          send(rank, kTask, hand(at->second));
        } else if (stopping || next == n) {
          send(rank, kTask, -1);
        } else if (may_hand_out()) {
          send(rank, kTask, hand(next));
        } else {
          break;
        }
        asking.pop_front();
      }
#endif
      while (heard == ctx.size() - 1 && may_hand_out() && pool.in_flight() < job.threads) {
        pool.push(hand(next));
      }
      if (!stopping && job.consume()) {
        busy = true;
      }
    } catch (...) {
      if (!error) {
        error = std::current_exception();
      }
      stopping = true;
      pool.close();
      busy = true;
    }
    const bool others_done = finished_ranks == ctx.size() - 1;
    if (others_done && (stopping ? pool.in_flight() == 0 : (arrived == n && !busy))) {
      break;
    }
    if (busy) {
      backoff.reset();
    } else {
      pool.wait(backoff.next());
    }
  }
  if (error) {
    std::rethrow_exception(error);
  }
  return !other_failed;
}

}  // namespace

struct Farm::Impl {
  const Context& ctx;
  FarmJob& job;
  Pool pool;
  std::vector<std::int32_t> guesses;
  Impl(const Context& c, FarmJob& j) : ctx(c), job(j), pool(j.threads, j) {}
};

Farm::Farm(const Context& ctx, FarmJob& job) : impl_(std::make_unique<Impl>(ctx, job)) {}

Farm::~Farm() = default;

void Farm::guess(const std::vector<std::int32_t>& tasks) {
  if (impl_->ctx.root()) {
    return;
  }
  for (const auto t : tasks) {
    impl_->guesses.push_back(t);
    impl_->pool.push(t);
  }
}

bool Farm::run() {
#if PDLAB_HAVE_MPI
  if (!impl_->ctx.root()) {
    worker(impl_->job, impl_->pool, impl_->guesses);
    return true;
  }
#endif
  return root(impl_->ctx, impl_->job, impl_->pool);
}

}  // namespace pdlab::dist
