"""heap_bad_type: objects whose ob_type no longer points at a type.

Two Victim instances are held by a list.  Slot 0's ob_type is overwritten
with 0xdeadbeef000 (an unmapped address); slot 1's with the address of a
bytes object's character buffer (mapped memory that is not a type object).
The process then aborts.  Proves: the heap checker validates ob_type and
tells "points nowhere" from "points at something that is not a type".
"""

import gc
import os

import _heap
import _truth

GARBAGE_TYPE = 0xDEADBEEF000
# Mapped, readable, and nothing like a PyTypeObject.
NOT_A_TYPE = b"this is a bytes buffer, not a PyTypeObject! " * 8

# Holder list lives here, never in the crashing frame's locals (see
# heap_refcount_underflow).
KEEP = {}


class Victim(object):
    def __init__(self, label):
        self.label = label


def corrupt():
    holder = [Victim("ob_type -> unmapped"), Victim("ob_type -> bytes buffer")]
    KEEP["holder"] = holder
    bogus_types = [
        (GARBAGE_TYPE, "unmapped"),
        (_heap.buffer_address(NOT_A_TYPE), "bytes buffer"),
    ]
    objects = []
    for slot, (bogus, what) in enumerate(bogus_types):
        address = id(holder[slot])
        original = _heap.type_pointer(address)
        _heap.set_type_pointer(address, bogus)
        objects.append({
            "address": address,
            "type": Victim.__name__,
            "type_address": original,
            "written_type": bogus,
            "written_type_points_to": what,
            "referrers": [_heap.referrer(holder, slot)],
        })
    return {"kind": "bad_type", "layout": _heap.layout(),
            "bytes_object_address": id(NOT_A_TYPE), "objects": objects}


def main():
    _truth.begin()
    # The collector would follow the list into the broken ob_type and crash
    # on its own, somewhere else than the abort we promise.
    gc.disable()
    corruption = corrupt()
    _truth.crash_imminent(_truth.SIGABRT, via="os.abort", corruption=corruption)
    os.abort()  # CRASH


if __name__ == "__main__":
    main()
