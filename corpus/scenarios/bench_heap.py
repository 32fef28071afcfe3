"""bench_heap: a big heap for timing the analyzer (not in the default set).

Builds N GC-tracked objects (N from $PYCORE_BENCH_OBJECTS, default 500000)
cycling through five kinds: list, dict, tuple, instance with a __dict__, set.
Each one refers to the previous object so all of them stay GC-tracked (a
dict or tuple of atomic values alone would be untracked) and the heap is one
connected graph; a module-level list keeps them alive.  Then aborts.
"""

import gc
import os

import _truth

DEFAULT_OBJECTS = 500000

# Kept global so the crashing frame's locals stay small.
ROOT = []


class Node(object):
    def __init__(self, serial, previous):
        self.serial = serial
        self.previous = previous


def _make_list(serial, previous):
    return [serial, previous]


def _make_dict(serial, previous):
    return {"serial": serial, "previous": previous}


def _make_tuple(serial, previous):
    return (serial, previous)


def _make_instance(serial, previous):
    node = Node(serial, previous)
    node.__dict__  # 3.11+ keep attributes inline until __dict__ is asked for
    return node


def _make_set(serial, previous):
    # Lists and dicts are unhashable: the set reaches `previous` through a Node.
    return {serial, Node(serial, previous)}


MAKERS = [("list", _make_list), ("dict", _make_dict), ("tuple", _make_tuple),
          ("instance", _make_instance), ("set", _make_set)]


def build(count):
    counts = dict((name, 0) for name, _ in MAKERS)
    previous = None
    for serial in range(count):
        name, make = MAKERS[serial % len(MAKERS)]
        previous = make(serial, previous)
        ROOT.append(previous)
        counts[name] += 1
    untracked = sum(1 for obj in ROOT if not gc.is_tracked(obj))
    if untracked:
        raise RuntimeError("%d bench objects are not GC-tracked" % untracked)
    return counts


def main():
    _truth.begin()
    count = int(os.environ.get("PYCORE_BENCH_OBJECTS", DEFAULT_OBJECTS))
    gc.disable()  # building is quicker without pointless collections
    counts = build(count)
    _truth.crash_imminent(_truth.SIGABRT, via="os.abort", heap={
        "objects": count,
        "by_kind": counts,
        "root_address": id(ROOT),
        "gc_tracked_total": len(gc.get_objects()),
        # Extras that are also GC-tracked: materialized instance dicts and
        # the Node inside each set.
        "note": "instances carry a materialized __dict__; each set holds one extra Node",
    })
    os.abort()  # CRASH


if __name__ == "__main__":
    main()
