"""heap_untracked_underflow: objects the GC does not track, referenced 3 times, refcount 1.

A str built at run time (so not interned) and a tuple of atomic items (untracked
by the collector) are each held by a list (index 0), a dict (key 'v') and a
tuple (index 2) and by nothing else; ctypes then overwrites each one's
ob_refcnt with 1 and the process aborts.  The containers hold a list as well,
so that they stay tracked.  Proves: the heap checker balances the references
to untracked objects (str, untracked tuples) against their refcount too, and
names the containers and slots.
"""

import gc
import os

import _heap
import _truth

# The containers live here, never in the crashing frame's locals.
KEEP = {}


def share_three_ways(victim, name):
    """Leave `victim` referenced by exactly three tracked containers."""
    in_list = [victim, []]
    in_dict = {"v": victim, "keep tracked": []}
    in_tuple = ([], 1, victim)
    KEEP[name] = (in_list, in_dict, in_tuple)
    return [_heap.referrer(in_list, 0), _heap.referrer(in_dict, "v"),
            _heap.referrer(in_tuple, 2)]


def make_victims():
    """Returns [(address, type name, referrers)] for a str and an untracked tuple."""
    text = "".join(["untracked victim ", str(os.getpid())])
    numbers = tuple(range(3, 6))
    out = []
    for name, victim in (("str", text), ("tuple", numbers)):
        out.append((id(victim), type(victim).__name__, share_three_ways(victim, name)))
    del text, victim
    # The collector untracks tuples whose items are all atomic.
    gc.collect()
    if gc.is_tracked(numbers):
        raise RuntimeError("the tuple victim is still tracked")
    del numbers
    return out


def corrupt():
    objects = []
    for address, type_name, referrers in make_victims():
        before = _heap.refcnt(address)
        if before != len(referrers):
            raise RuntimeError("%s: expected %d references, found %d"
                               % (type_name, len(referrers), before))
        _heap.set_refcnt(address, 1)
        objects.append({
            "address": address,
            "type": type_name,
            "refcnt_before": before,
            "refcnt_written": 1,
            "referrers": referrers,
        })
    return {"kind": "refcount_underflow_untracked", "layout": _heap.layout(),
            "objects": objects}


def main():
    _truth.begin()
    gc.disable()
    corruption = corrupt()
    _truth.crash_imminent(_truth.SIGABRT, via="os.abort", corruption=corruption)
    os.abort()  # CRASH


if __name__ == "__main__":
    main()
