// Ctrl-C during a long call. The workflows run without the GIL (gil.hpp), so Python cannot
// raise KeyboardInterrupt until they return. While a call from the main thread runs, a SIGINT
// handler of ours notes the signal; the call's progress callbacks (between replicates, design
// points or evaluations, in any thread) then stop the work by throwing Interrupted, which
// unwinds the library as any error does (a partial study file stays for resume=True, else
// nothing is left), and the call raises KeyboardInterrupt. Python's handler is back in place
// when the call returns. Calls from other threads are not interrupted (as in Python, where
// KeyboardInterrupt goes to the main thread).
#pragma once

#include "gil.hpp"

#include <pybind11/pybind11.h>

#include <atomic>
#include <csignal>
#include <functional>

namespace pdlab::python {

struct Interrupted {};  // not a std::exception: nothing on the way turns it into another error

class InterruptScope {
 public:
  InterruptScope();  // with the GIL held
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

  // Throws Interrupted once Ctrl-C was pressed during this call (callable from any thread).
  void check() const;
  // A progress callback that checks, then calls `then` (which may be empty).
  template <class... Args>
  std::function<void(Args...)> checking(std::function<void(Args...)> then = {}) const {
    return [this, then](Args... args) {
      check();
      if (then) {
        then(args...);
      }
    };
  }

 private:
  bool installed_ = false;
  mutable std::atomic<bool> thrown_{false};
  struct sigaction old_ {};
};

// Runs work(scope) without the GIL; Ctrl-C raises KeyboardInterrupt.
template <class Work>
auto interruptible(Work&& work) {
  InterruptScope scope;
  try {
    return without_gil([&] { return work(scope); });
  } catch (const Interrupted&) {
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw pybind11::error_already_set();
  }
}

}  // namespace pdlab::python
