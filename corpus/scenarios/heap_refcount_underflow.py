"""heap_refcount_underflow: an object referenced 3 times whose ob_refcnt says 1.

A Victim instance is held by a list (index 0), a dict (key 'v') and a tuple
(index 2) and by nothing else; ctypes then overwrites its ob_refcnt with 1 and
the process aborts.  Proves: the heap checker counts incoming references and
flags an object whose refcount is lower than its referrers (a premature
free waiting to happen), naming the referrers and their slots.
"""

import gc
import os

import _heap
import _truth

# The containers live here, never in the crashing frame's locals: recording
# those locals (repr) must not touch the corrupted object.
KEEP = {}


class Victim(object):
    def __init__(self, label):
        self.label = label


def share_three_ways():
    """Leave a fresh Victim referenced by exactly three containers."""
    victim = Victim("held by a list, a dict and a tuple")
    in_list = [victim, "list filler"]
    in_dict = {"v": victim, "w": "dict filler"}
    in_tuple = ("tuple filler", 1, victim)
    KEEP["containers"] = (in_list, in_dict, in_tuple)
    referrers = [_heap.referrer(in_list, 0), _heap.referrer(in_dict, "v"),
                 _heap.referrer(in_tuple, 2)]
    return id(victim), referrers


def corrupt():
    """Returns the truth's corruption record after setting the refcount to 1."""
    address, referrers = share_three_ways()
    before = _heap.refcnt(address)
    if before != len(referrers):
        raise RuntimeError("expected %d references, found %d" % (len(referrers), before))
    _heap.set_refcnt(address, 1)
    return {
        "kind": "refcount_underflow",
        "layout": _heap.layout(),
        "objects": [{
            "address": address,
            "type": Victim.__name__,
            "type_address": id(Victim),
            "refcnt_before": before,
            "refcnt_written": 1,
            "referrers": referrers,
        }],
    }


def main():
    _truth.begin()
    # A collection now would walk the lying refcount (and on release builds
    # could free the victim under its referrers): keep the collector out.
    gc.disable()
    corruption = corrupt()
    _truth.crash_imminent(_truth.SIGABRT, via="os.abort", corruption=corruption)
    os.abort()  # CRASH


if __name__ == "__main__":
    main()
