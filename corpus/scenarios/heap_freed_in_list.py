"""heap_freed_in_list: a list slot that points at an already freed object.

A Victim instance is referenced only by a list; Py_DecRef through ctypes
drops that last reference, the instance is deallocated and its memory goes
back to the allocator, but the list still holds the dangling pointer.  The
process aborts right away, before anything can reuse the block.  Proves: the
heap checker flags a container slot that points at freed memory, naming the
list, the slot and the address.
"""

import gc
import os

import _heap
import _truth

# The list lives here, not in the crashing frame's locals: once its item is
# freed, recording those locals (repr) would read freed memory.
KEEP = {}


class Victim(object):
    def __init__(self, label):
        self.label = label


def make_sole_referrer():
    """A fresh Victim whose only reference is slot 1 of a list."""
    holder = ["before", Victim("freed while still listed"), "after"]
    KEEP["holder"] = holder
    return holder, 1


def main():
    _truth.begin()
    # Nothing may traverse the list once its slot dangles.
    gc.disable()
    holder, slot = make_sole_referrer()
    address = id(holder[slot])
    holder_address = id(holder)
    del holder  # KEEP holds the list; this frame must not
    if _heap.refcnt(address) != 1:
        raise RuntimeError("victim has other references: %d" % _heap.refcnt(address))
    corruption = {
        "kind": "freed_in_list",
        "layout": _heap.layout(),
        "objects": [{
            "address": address,
            "type": Victim.__name__,
            "type_address": id(Victim),
            "freed": True,
            "referrers": [{"address": holder_address, "type": "list", "slot": slot}],
        }],
    }
    # The truth is written first: from the free to the abort nothing may
    # allocate, or the freed block could be handed out again.
    _truth.crash_imminent(_truth.SIGABRT, via="os.abort", corruption=corruption)
    _heap.decref(address)  # refcount 1 -> 0: deallocated, the list slot dangles
    os.abort()  # CRASH


if __name__ == "__main__":
    main()
