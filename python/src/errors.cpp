#include "errors.hpp"

#include "pdlab/core/errors.hpp"

#include <sysexits.h>
#include <array>

namespace py = pybind11;

namespace pdlab::python {

namespace {

struct KindInfo {
  ErrorKind kind;
  const char* name;   // .kind
  const char* klass;  // class name
  int exit_code;      // as the CLI exits
  const char* doc;
  // The built-in exception it also is, so that `except FileNotFoundError` or `except
  // ValueError` catch pdlab's as any other library's (nullptr: none fits).
  PyObject* (*builtin)();
};

constexpr std::array<KindInfo, 8> kKinds{{
    {ErrorKind::usage, "usage", "UsageError", EX_USAGE,
     "bad use: an unknown option or value (also a ValueError)", [] { return PyExc_ValueError; }},
    {ErrorKind::data, "data", "DataError", EX_DATAERR,
     "bad input data (CSV, hierarchy, edges) (also a ValueError)", [] { return PyExc_ValueError; }},
    {ErrorKind::no_input, "no_input", "NoInputError", EX_NOINPUT,
     "an input file is missing or unreadable (also a FileNotFoundError)",
     [] { return PyExc_FileNotFoundError; }},
    {ErrorKind::cant_create, "cant_create", "CantCreateError", EX_CANTCREAT,
     "an output exists (without force) or cannot be created (also an OSError)",
     [] { return PyExc_OSError; }},
    {ErrorKind::io, "io", "IoError", EX_IOERR, "a read or write failed midway (also an OSError)",
     [] { return PyExc_OSError; }},
    {ErrorKind::config, "config", "ConfigError", EX_CONFIG,
     "bad scenario: unknown key or out-of-range value (also a ValueError)",
     [] { return PyExc_ValueError; }},
    {ErrorKind::resources, "resources", "ResourcesError", EX_OSERR,
     "not enough memory or address space for the run", nullptr},
    {ErrorKind::internal, "internal", "InternalError", EX_SOFTWARE,
     "a bug in pdlab (also a RuntimeError)", [] { return PyExc_RuntimeError; }},
}};

// Owned by the module (its attributes), so never freed while it is loaded.
std::array<PyObject*, kKinds.size()> g_classes{};

}  // namespace

void register_errors(py::module_& m) {
  PyObject* base = PyErr_NewExceptionWithDoc(
      "pdlab.Error",
      "An error of pdlab, with the library's message; .kind names its category and "
      ".exit_code is the code the pdlab CLI exits with for it.",
      PyExc_Exception, nullptr);
  m.add_object("Error", py::handle(base));
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    const auto qualified = std::string("pdlab.") + kKinds[i].klass;
    PyObject* bases = kKinds[i].builtin != nullptr ? PyTuple_Pack(2, base, kKinds[i].builtin())
                                                   : PyTuple_Pack(1, base);
    g_classes[i] = PyErr_NewExceptionWithDoc(qualified.c_str(), kKinds[i].doc, bases, nullptr);
    Py_DECREF(bases);
    m.add_object(kKinds[i].klass, py::handle(g_classes[i]));
  }
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) {
        std::rethrow_exception(p);
      }
    } catch (const Error& e) {
      for (std::size_t i = 0; i < kKinds.size(); ++i) {
        if (kKinds[i].kind != e.kind()) {
          continue;
        }
        py::handle cls(g_classes[i]);
        py::object exc = cls(py::str(e.what()));
        exc.attr("kind") = kKinds[i].name;
        exc.attr("exit_code") = kKinds[i].exit_code;
        PyErr_SetObject(g_classes[i], exc.ptr());
        return;
      }
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
}

}  // namespace pdlab::python
