# -*- coding: utf-8 -*-
"""py2_segv: Python 2.7 segfault, only to check that the analyzer refuses 2.7.

Python 2 syntax and self-contained (_truth.py is Python 3 only).  Writes a
truth of the same shape as the Python 3 scenarios, then crashes through
ctypes.string_at(0) exactly like segv_deep.
"""

import ctypes
import dis
import json
import os
import sys
import threading


def stack_of(frame, crash_line):
    records = []
    while frame is not None:
        records.append({"function": frame.f_code.co_name,
                        "file": frame.f_code.co_filename,
                        "line": frame.f_lineno})
        frame = frame.f_back
    records[0]["line"] = crash_line
    code = ctypes.string_at.__code__
    wrapper_line = max(line for _, line in dis.findlinestarts(code))
    records.insert(0, {"function": code.co_name, "file": code.co_filename,
                       "line": wrapper_line})
    return records


def write_truth(path, crash_line):
    frame = sys._getframe(1)
    truth = {
        "scenario": "py2_segv",
        "python": {"executable": sys.executable,
                   "version": "%d.%d.%d" % tuple(sys.version_info[:3]),
                   "hexversion": sys.hexversion,
                   "debug": hasattr(sys, "gettotalrefcount"),
                   "implementation": "cpython",
                   "version_full": sys.version},
        "pid": os.getpid(),
        "kind": "crash",
        "signal": 11,
        "crashed_tid": os.getpid(),
        "threads": [{"tid": os.getpid(), "ident": threading.current_thread().ident,
                     "name": threading.current_thread().name, "crashed": True,
                     "stack": stack_of(frame, crash_line)}],
        "exception": None,
        "locals": dict((k, repr(v)) for k, v in frame.f_locals.items()),
        "crash": {"via": "ctypes.string_at", "function": frame.f_code.co_name,
                  "file": frame.f_code.co_filename, "line": crash_line,
                  "locals_frame": 1},
    }
    tmp = path + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(truth, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.rename(tmp, path)


def crash(path):
    greeting = "hello from 2.7"
    write_truth(path, sys._getframe().f_lineno + 1)
    ctypes.string_at(0)  # CRASH


if __name__ == "__main__":
    crash(os.path.abspath(sys.argv[1]))
