// The workflows run without the GIL (they call no Python), so other Python threads keep
// going; their tables are converted to Python objects once it is held again.
#pragma once

#include <pybind11/pybind11.h>

namespace pdlab::python {

template <class Work>
auto without_gil(Work&& work) {
  pybind11::gil_scoped_release nogil;
  return work();
}

}  // namespace pdlab::python
