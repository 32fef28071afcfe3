"""heap_gc_assert: let CPython's own debug GC catch a refcount underflow.

Debug builds only (sys.gettotalrefcount exists): the same corruption as
heap_refcount_underflow (refcount 1, three referrers), then gc.collect().
subtract_refs() visits the victim three times and the Py_DEBUG assertion in
gc_decref()/visit_decref() ("refcount is too small") calls Py_FatalError,
which aborts.  Proves: the analyzer reports a crash that happened inside the
collector, with the corrupted object identified.  Release builds record the
scenario as skipped and exit 0.
"""

import gc
import sys

import _truth
# Same victim and containers as heap_refcount_underflow (the script directory
# is sys.path[0]); there the process aborts, here the collector finds out.
from heap_refcount_underflow import corrupt


def main():
    _truth.begin()
    if not hasattr(sys, "gettotalrefcount"):
        _truth.skip("needs a debug build (Py_DEBUG: the GC's assertions are compiled out)")
    gc.disable()  # the collection must be the one below, on our terms
    corruption = corrupt()
    corruption["expected_assertion"] = "gc_decref: refcount is too small"
    _truth.crash_imminent(_truth.SIGABRT, via="gc.collect", corruption=corruption)
    gc.collect()  # CRASH: Py_FatalError from the failed GC assertion


if __name__ == "__main__":
    main()
