"""raised_in_cext: SIGSEGV in C while an exception is being *raised*, not handled.

Builds raisemod.c like cext_crash builds crashmod.c (same compiler command,
this interpreter's headers, kept next to the truth).  Two threads end up
inside C functions with the thread's error indicator set:

* a worker calls raisemod.fail_and_wait(), which calls
  PyErr_SetString(PyExc_RuntimeError, ...) with no exception being handled,
  then releases the GIL and waits forever.  On 3.6 - 3.11 this leaves the
  raised triple unnormalised (curexc_value is the message str); 3.12+ stores
  a RuntimeError instance in current_exception.
* main, inside ``except KeyError``, calls raisemod.raise_and_crash(), which
  calls PyErr_SetString(PyExc_ValueError, ...) and reads through NULL.
  Because a KeyError is being handled, CPython normalises the ValueError at
  once and chains the KeyError as its __context__ (every version).

Neither raised exception has a traceback yet: tracebacks grow only as an
exception leaves Python frames.  The truth's ``exception`` is the main
thread's raised ValueError (state "raised"); ``thread_exceptions`` lists the
worker's.  Proves: the raised-exception fields of the thread state on a real
core, normalised and not, chained to a handled exception.

Reported as skipped (exit 0) when Python.h or a C compiler is missing.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading

import _truth
from cext_crash import include_dirs, module_suffix

MODULE = "raisemod"
MAIN_MESSAGE = "port must be a number"
WORKER_MESSAGE = "worker gave up"

C_SOURCE = r"""#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <unistd.h>

static int __attribute__((noinline)) touch_null(volatile int *where)
{
    return *where;
}

/* The error stays set while the thread waits: nothing ever returns to the
   interpreter to notice it. */
static PyObject *raisemod_fail_and_wait(PyObject *self, PyObject *message)
{
    PyErr_SetString(PyExc_RuntimeError, PyUnicode_AsUTF8(message));
    Py_BEGIN_ALLOW_THREADS
    for (;;)
        pause();
    Py_END_ALLOW_THREADS
    return NULL;
}

static PyObject *raisemod_raise_and_crash(PyObject *self, PyObject *message)
{
    volatile int *nowhere = NULL;
    PyErr_SetString(PyExc_ValueError, PyUnicode_AsUTF8(message));
    touch_null(nowhere);
    return NULL;
}

static PyMethodDef raisemod_methods[] = {
    {"fail_and_wait", raisemod_fail_and_wait, METH_O, "Set an error, then wait forever."},
    {"raise_and_crash", raisemod_raise_and_crash, METH_O, "Set an error, then read NULL."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef raisemod_module = {
    PyModuleDef_HEAD_INIT, "raisemod", NULL, -1, raisemod_methods
};

PyMODINIT_FUNC PyInit_raisemod(void)
{
    return PyModule_Create(&raisemod_module);
}
"""


def build(build_dir):
    headers = include_dirs()
    if not any(os.path.exists(os.path.join(d, "Python.h")) for d in headers):
        _truth.skip("Python.h not found in %s" % ", ".join(headers))
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        _truth.skip("no C compiler (gcc) found")
    source = os.path.join(build_dir, MODULE + ".c")
    with open(source, "w") as handle:
        handle.write(C_SOURCE)
    command = [compiler, "-shared", "-fPIC", "-O0", "-g"]
    for directory in headers:
        command += ["-I", directory]
    command += ["-o", os.path.join(build_dir, MODULE + module_suffix()), source]
    subprocess.check_call(command, stdin=subprocess.DEVNULL)


def raised_record(type_name, message, context=None):
    """What a raised exception looks like before any frame added a traceback."""
    return {"state": "raised", "type": type_name, "qualified_type": "builtins." + type_name,
            "message": message, "address": None, "suppress_context": False,
            "traceback": [], "context": context, "cause": None}


def worker(module):
    _truth.register_thread()
    module.fail_and_wait(WORKER_MESSAGE)


def parse_port(settings, module, waiter):
    try:
        return int(settings["port"])
    except KeyError:
        _truth.crash_imminent(
            _truth.SIGSEGV, via="raisemod.raise_and_crash",
            exception=raised_record("ValueError", MAIN_MESSAGE,
                                    _truth._exception_record(sys.exc_info()[1])),
            thread_exceptions=[{"tid": _truth._native_tids[waiter.ident],
                                "exception": raised_record("RuntimeError", WORKER_MESSAGE)}])
        module.raise_and_crash(MAIN_MESSAGE)  # CRASH


def main():
    truth_path = _truth.begin()
    build_dir = tempfile.mkdtemp(prefix="raisemod-", dir=os.path.dirname(truth_path))
    build(build_dir)
    sys.path.insert(0, build_dir)
    import raisemod

    waiter = threading.Thread(target=worker, args=(raisemod,), name="waiter", daemon=True)
    waiter.start()
    _truth.wait_until_blocked([waiter])
    parse_port({"host": "localhost"}, raisemod, waiter)


if __name__ == "__main__":
    main()
