#include "interrupt.hpp"

namespace pdlab::python {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void note_interrupt(int /*signal*/) {
  g_interrupted = 1;
}

bool on_main_thread() {
  const auto main = pybind11::module_::import("threading").attr("main_thread")().attr("ident");
  return main.cast<unsigned long>() == PyThread_get_thread_ident();
}

}  // namespace

InterruptScope::InterruptScope() {
  if (!on_main_thread()) {
    return;
  }
  g_interrupted = 0;
  struct sigaction ours {};
  ours.sa_handler = note_interrupt;
  sigemptyset(&ours.sa_mask);
  installed_ = sigaction(SIGINT, &ours, &old_) == 0;
}

InterruptScope::~InterruptScope() {
  if (!installed_) {
    return;
  }
  sigaction(SIGINT, &old_, nullptr);
  if (g_interrupted != 0 && !thrown_) {
    // Pressed after the last check: Python raises it at its next chance, as if it came now.
    PyErr_SetInterrupt();
  }
  g_interrupted = 0;
}

void InterruptScope::check() const {
  if (installed_ && g_interrupted != 0) {
    thrown_ = true;
    throw Interrupted{};
  }
}

}  // namespace pdlab::python
