"""Ground truth that a crash scenario records about itself right before it dies.

Every scenario runs as ``INTERP scenarios/NAME.py TRUTH_JSON``.  Just before the
statement that crashes it calls ``crash_imminent()``, which writes what the
analyzer is expected to find in the core: the threads with their Python stacks,
the exception being handled, the locals of the crashing frame and whatever
scenario-specific facts (corruption, extension module) the script passes in.

The crashing statement itself carries a ``# CRASH`` comment.  Its line number
is read from the source instead of being predicted from the caller's
``f_lineno``, so the call to ``crash_imminent()`` can be formatted freely and
a few statements (e.g. the final heap corruption) may sit in between.

Runs on CPython 3.6 - 3.13: no walrus, no f-string ``=``, no ``match``.
Frames of this module never appear in the truth: they are gone by the time
the process crashes.
"""

import json
import linecache
import os
import platform
import sys
import threading
import time

SIGABRT = 6
SIGSEGV = 11

CRASH_MARKER = "# CRASH"
# How far below the crash_imminent() call the marked statement may be.
_MARKER_WINDOW = 15

# Python functions that the crashing statement calls and that are still on the
# stack when the signal arrives.  ctypes.string_at is a plain Python wrapper
# (``return _string_at(ptr, size)``) around the C function that calls
# strlen(NULL), so Python itself shows one more frame than the script has.
# Crash sites not listed here (os.abort, gc.collect, a C extension function)
# are C callables and add no Python frame.
_PYTHON_CALLEES = ("ctypes.string_at",)

_state = {"scenario": None, "path": None}
# threading ident -> native LWP id, published by each thread itself.
_native_tids = {}
_native_tids_lock = threading.Lock()


# ---------------------------------------------------------------- setup

def begin(scenario=None):
    """Parse the command line and register the main thread.

    Returns the absolute truth path.  The scenario name defaults to the
    script's file name, so a renamed script cannot disagree with its truth.
    """
    if len(sys.argv) != 2:
        sys.exit("usage: %s TRUTH_JSON" % sys.argv[0])
    if scenario is None:
        scenario = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    _state["scenario"] = scenario
    _state["path"] = os.path.abspath(sys.argv[1])
    register_thread()
    return _state["path"]


def register_thread():
    """Publish the calling thread's native id.  Call first thing in every thread."""
    tid = native_tid()
    with _native_tids_lock:
        _native_tids[threading.get_ident()] = tid
    return tid


def native_tid():
    """The kernel's id (LWP) of the calling thread."""
    getter = getattr(threading, "get_native_id", None)  # 3.8+
    if getter is not None:
        return getter()
    return _gettid_syscall()


# SYS_gettid per architecture; 3.6/3.7 have no threading.get_native_id().
_GETTID_NR = {"x86_64": 186, "aarch64": 178, "i686": 224, "i386": 224}


def _gettid_syscall():
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    number = _GETTID_NR.get(platform.machine())
    if number is None:
        raise RuntimeError("no gettid syscall number for %s" % platform.machine())
    return int(libc.syscall(number))


def python_info():
    return {
        "executable": sys.executable,
        "version": "%d.%d.%d" % tuple(sys.version_info[:3]),
        "hexversion": sys.hexversion,
        "debug": hasattr(sys, "gettotalrefcount"),
        "implementation": sys.implementation.name,
        "abiflags": getattr(sys, "abiflags", ""),
        "version_full": sys.version,
    }


# ---------------------------------------------------------------- waiting

def wait_until_blocked(threads, timeout=20.0, settle=0.3, interval=0.02):
    """Return once every given thread is parked in its blocking call.

    A thread that announced "about to block" may still be a few bytecodes
    short of the call (Condition.wait runs several lines first), so this
    watches the threads' Python stacks instead: when no frame moved, down to
    the bytecode offset, for ``settle`` seconds while this thread kept
    sleeping (and so left them the GIL), they are blocked for good.
    """
    idents = [t.ident for t in threads]
    deadline = time.time() + timeout
    previous = None
    stable_since = time.time()
    while True:
        current = _stack_signatures(idents)
        now = time.time()
        if current is None or current != previous:
            previous = current
            stable_since = now
        elif now - stable_since >= settle:
            return
        if now > deadline:
            names = ", ".join(t.name for t in threads)
            raise RuntimeError("threads never blocked: " + names)
        time.sleep(interval)


def _stack_signatures(idents):
    frames = sys._current_frames()
    signatures = []
    for ident in idents:
        frame = frames.get(ident)
        if frame is None or ident not in _native_tids:
            return None  # not started, or not registered yet
        signature = []
        while frame is not None:
            signature.append((id(frame.f_code), frame.f_lasti))
            frame = frame.f_back
        signatures.append(tuple(signature))
    return tuple(signatures)


# ---------------------------------------------------------------- records

def _frame_record(frame, line=None):
    code = frame.f_code
    return {
        "function": code.co_name,
        "file": code.co_filename,
        "line": frame.f_lineno if line is None else line,
    }


def _stack(frame):
    """Python frames from ``frame`` outwards, innermost first."""
    records = []
    while frame is not None:
        records.append(_frame_record(frame))
        frame = frame.f_back
    return records


def _caller_frame():
    """The innermost frame that does not belong to this module."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals is globals():
        frame = frame.f_back
    return frame


def _crash_line(frame):
    """Line of the ``# CRASH`` statement following the caller's current line."""
    filename = frame.f_code.co_filename
    first = frame.f_lineno
    for number in range(first + 1, first + 1 + _MARKER_WINDOW):
        if CRASH_MARKER in linecache.getline(filename, number):
            return number
    raise RuntimeError("%s: no %r within %d lines after line %d"
                       % (filename, CRASH_MARKER, _MARKER_WINDOW, first))


def _callee_frame(via):
    """The Python frame that the crash call itself adds, if any."""
    if via not in _PYTHON_CALLEES:
        return None
    import ctypes
    import dis

    code = ctypes.string_at.__code__
    # The wrapper's body is a single return statement, the last line with code.
    lines = [line for _, line in dis.findlinestarts(code) if line is not None]
    return {"function": code.co_name, "file": code.co_filename, "line": max(lines)}


def _safe_repr(value):
    try:
        return repr(value)
    except Exception as error:  # a broken __repr__ must not cost us the truth
        return "<repr failed: %s>" % type(error).__name__


def _locals(frame):
    names = dict(frame.f_locals)  # 3.13 hands out a proxy; freeze it
    return (dict((name, _safe_repr(value)) for name, value in names.items()),
            dict((name, type(value).__name__) for name, value in names.items()))


def _exception_record(exc, ancestors=()):
    """type/message plus the context and cause chains, recursively."""
    if exc is None or id(exc) in ancestors:  # the guard only stops true cycles
        return None
    ancestors = ancestors + (id(exc),)
    try:
        message = str(exc)
    except Exception:
        message = None
    kind = type(exc)
    return {
        "type": kind.__name__,
        "qualified_type": "%s.%s" % (kind.__module__, kind.__qualname__),
        "message": message,
        "address": id(exc),
        "suppress_context": bool(exc.__suppress_context__),
        "traceback": _traceback_record(exc.__traceback__),
        "context": _exception_record(exc.__context__, ancestors),
        "cause": _exception_record(exc.__cause__, ancestors),
    }


def _traceback_record(tb):
    """Traceback entries in Python's printing order (outermost first)."""
    entries = []
    while tb is not None:
        code = tb.tb_frame.f_code
        entries.append({"function": code.co_name, "file": code.co_filename,
                        "line": tb.tb_lineno})
        tb = tb.tb_next
    return entries


def _thread_records(current_stack, crashed):
    """All Python threads; ``current_stack=None`` leaves the caller's thread out."""
    me = threading.get_ident()
    main_ident = threading.main_thread().ident
    by_ident = dict((t.ident, t) for t in threading.enumerate())
    records = []
    for ident, frame in sys._current_frames().items():
        if ident == me:
            if current_stack is None:
                continue
            stack = current_stack
        else:
            stack = _stack(frame)
        thread = by_ident.get(ident)
        records.append({
            "tid": _thread_tid(ident, thread, main_ident),
            "ident": ident,
            "name": thread.name if thread is not None else None,
            "crashed": crashed and ident == me,
            "stack": stack,
        })
    # Crashed thread first, the rest in a stable order.
    records.sort(key=lambda r: (not r["crashed"], r["name"] or "", r["ident"]))
    return records


def _thread_tid(ident, thread, main_ident):
    if ident in _native_tids:
        return _native_tids[ident]
    if ident == main_ident:
        return os.getpid()
    return getattr(thread, "native_id", None)


def _base_record(kind, signal):
    return {
        "scenario": _state["scenario"],
        "python": python_info(),
        "pid": os.getpid(),
        "kind": kind,
        "signal": signal,
        "crashed_tid": None,
        "threads": [],
        "exception": None,
        "locals": None,
    }


# ---------------------------------------------------------------- writers

def crash_imminent(signal, via, **sections):
    """Write the truth for a crash that the caller's next ``# CRASH`` line causes.

    ``via`` names the crashing call (e.g. "ctypes.string_at", "os.abort");
    ``sections`` (corruption=..., extension=...) are stored verbatim.
    The exception being handled by the caller, if any, is recorded as such.
    """
    frame = _caller_frame()
    crash_line = _crash_line(frame)
    stack = _stack(frame)
    stack[0]["line"] = crash_line
    callee = _callee_frame(via)
    if callee is not None:
        stack.insert(0, callee)

    record = _base_record("crash", signal)
    record["crashed_tid"] = native_tid()
    record["threads"] = _thread_records(stack, crashed=True)
    handled = sys.exc_info()[1]
    if handled is not None:
        exception = {"state": "handled"}
        exception.update(_exception_record(handled))
        record["exception"] = exception
    record["locals"], record["local_types"] = _locals(frame)
    record["crash"] = {
        "via": via,
        "function": frame.f_code.co_name,
        "file": frame.f_code.co_filename,
        "line": crash_line,
        # Index in the crashed thread's stack of the frame whose locals are
        # recorded: 1 when a Python-level callee (ctypes.string_at) sits on top.
        "locals_frame": 0 if callee is None else 1,
    }
    record.update(sections)
    _write(record)


def snapshot_ready(**sections):
    """Write the truth of a live process that is about to be gcore'd.

    Called from a short-lived reporter thread, which is left out of the
    truth: it exits right after writing, before the snapshot is taken.
    """
    record = _base_record("snapshot", None)
    record["threads"] = _thread_records(None, crashed=False)
    record.update(sections)
    _write(record)


def skip(reason):
    """Record that this scenario cannot run on this interpreter, and exit 0."""
    record = _base_record("crash", None)
    record["skipped"] = reason
    _write(record)
    sys.exit(0)


def _write(record):
    """Atomically replace the truth file, flushing everything first.

    The process is about to die by a signal: nothing buffered survives it.
    """
    path = _state["path"]
    if path is None:
        raise RuntimeError("_truth.begin() was not called")
    tmp = path + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(record, handle, indent=1)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.rename(tmp, path)
    sys.stdout.flush()
    sys.stderr.flush()
