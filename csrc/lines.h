/* pyqio._events_c's line classifier (csrc/lines.c): the commonest lines of
 * module output made into events in C, every other line left to Python's
 * pyqio.wire._lines.classify_line, the reference. */
#ifndef PYQIO_LINES_H
#define PYQIO_LINES_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The type pyqio._events_c.Lines (module_exec adds it). */
extern PyType_Spec qio_lines_spec;

/* The event of the line s[0:n] if lines is a Lines object (made in C, or by its
 * Python fallback); NULL with an exception on failure; NULL without one when
 * lines is not a Lines object (the caller calls it itself). */
PyObject *qio_lines_line(PyObject *lines, const char *s, Py_ssize_t n);

/* events_c.c: an instance made by the Maker f from n borrowed values, or NULL
 * without an exception when f is not a Maker of n fields (then call f). */
PyObject *qio_make(PyObject *f, PyObject *const *v, Py_ssize_t n);

#endif
