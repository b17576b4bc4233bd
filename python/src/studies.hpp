// sensitivity, calibrate, abc, check_fit and cases in pdlab._pdlab (studies.cpp).
#pragma once

#include <pybind11/pybind11.h>

namespace pdlab::python {

void register_studies(pybind11::module_& m);

}  // namespace pdlab::python
