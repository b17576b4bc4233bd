// pdlab::Error as Python exceptions: pdlab.Error (with .kind, the ErrorKind's name, and
// .exit_code, the CLI's sysexits code) and one subclass per kind, same message text.
#pragma once

#include <pybind11/pybind11.h>

namespace pdlab::python {

void register_errors(pybind11::module_& m);

}  // namespace pdlab::python
