"""cext_crash: SIGSEGV in a C extension built on the spot for this interpreter.

The script writes crashmod.c into a fresh directory next to the truth file,
compiles it with ``gcc -shared -fPIC -O0 -g`` against this interpreter's own
headers (keeping e.g. the debug "d" ABI tag of the module suffix), imports it
and calls crashmod.crash_here(), whose C implementation calls a static helper
that reads through a NULL pointer.  The directory is kept: the core maps the
.so from there and its DWARF names the native frames.  Proves: mixed
native/Python stacks, an extension module mapped from an arbitrary path, and
symbolization of its static functions.

Reported as skipped (exit 0) when this interpreter's Python.h or a C compiler
is missing; a compiler error is a failure.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import _truth

MODULE = "crashmod"

# Line markers (/* @name */) let the truth give the line of each native frame
# without hard-coding numbers that drift when the source is edited.
C_SOURCE = r"""#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* A separate, never-inlined function (and -O0) so that the native stack
   shows two frames of ours: crashmod_crash_here -> deref_null. */
static int __attribute__((noinline)) deref_null(volatile int *where)
{
    return *where; /* @deref_null */
}

static PyObject *crashmod_crash_here(PyObject *self, PyObject *unused)
{
    volatile int *nowhere = NULL;
    int value = deref_null(nowhere); /* @crashmod_crash_here */
    return PyLong_FromLong(value);
}

static PyMethodDef crashmod_methods[] = {
    {"crash_here", crashmod_crash_here, METH_NOARGS, "Read through a NULL pointer."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef crashmod_module = {
    PyModuleDef_HEAD_INIT, "crashmod", NULL, -1, crashmod_methods
};

PyMODINIT_FUNC PyInit_crashmod(void)
{
    return PyModule_Create(&crashmod_module);
}
"""

# Innermost first, as a native backtrace lists them.
C_FUNCTIONS = ["deref_null", "crashmod_crash_here"]


def include_dirs():
    paths = sysconfig.get_paths()
    candidates = [paths.get("include"), sysconfig.get_config_var("INCLUDEPY"),
                  paths.get("platinclude")]
    unique = []
    for path in candidates:
        if path and path not in unique:
            unique.append(path)
    return unique


def module_suffix():
    return sysconfig.get_config_var("EXT_SUFFIX") or sysconfig.get_config_var("SO")


def marker_lines():
    lines = {}
    for number, text in enumerate(C_SOURCE.splitlines(), 1):
        for name in C_FUNCTIONS:
            if "/* @%s */" % name in text:
                lines[name] = number
    return lines


def build(build_dir):
    """Compile crashmod; returns (module path, compile command)."""
    headers = include_dirs()
    if not any(os.path.exists(os.path.join(d, "Python.h")) for d in headers):
        _truth.skip("Python.h not found in %s (install this interpreter's headers, "
                    "e.g. python3.X-dev)" % ", ".join(headers))
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        _truth.skip("no C compiler (gcc) found")
    source = os.path.join(build_dir, MODULE + ".c")
    with open(source, "w") as handle:
        handle.write(C_SOURCE)
    target = os.path.join(build_dir, MODULE + module_suffix())
    command = [compiler, "-shared", "-fPIC", "-O0", "-g"]
    for directory in headers:
        command += ["-I", directory]
    command += ["-o", target, source]
    subprocess.check_call(command, stdin=subprocess.DEVNULL)
    return source, target, command


def main():
    truth_path = _truth.begin()
    build_dir = tempfile.mkdtemp(prefix="crashmod-", dir=os.path.dirname(truth_path))
    source, target, command = build(build_dir)
    sys.path.insert(0, build_dir)
    import crashmod

    lines = marker_lines()
    extension = {
        "module": MODULE,
        "path": os.path.abspath(crashmod.__file__),
        "source": source,
        "function": "crash_here",
        "c_functions": [{"name": name, "file": source, "line": lines[name]}
                        for name in C_FUNCTIONS],
        "compile_command": command,
    }
    _truth.crash_imminent(_truth.SIGSEGV, via="crashmod.crash_here", extension=extension)
    crashmod.crash_here()  # CRASH


if __name__ == "__main__":
    main()
