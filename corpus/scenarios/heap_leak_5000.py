"""heap_leak_5000: 5000 unreachable objects kept alive by stray references.

5000 Leaky instances each get one extra reference through Py_IncRef, then
every Python reference to them is dropped: each is left with refcount 1 and
no referrer anywhere in the heap.  The process then aborts.  Proves: the
leak report finds objects whose refcount exceeds their incoming references,
and groups them by type (one type, 5000 instances).  100 live Slotted instances
(__slots__ with __weakref__) check the summary's instance size where 3.12+ keeps
only a managed weakref list before the GC head.
"""

import os
import sys

import _heap
import _truth

COUNT = 5000


class Leaky(object):
    def __init__(self, serial):
        self.serial = serial


class Slotted(object):
    """No __dict__, but weak-referenceable: from 3.12 its weakref list is managed (a
    pre-header word) rather than a slot, which the size check below must count."""
    __slots__ = ("value", "__weakref__")

    def __init__(self, value):
        self.value = value


SLOTTED_COUNT = 100
# Alive and referenced normally (not leaked): only their size is checked.
SLOTTED = [Slotted(serial) for serial in range(SLOTTED_COUNT)]


def leak(count):
    """Returns the leaked addresses; no Python reference to them survives."""
    objects = [Leaky(serial) for serial in range(count)]
    addresses = [id(obj) for obj in objects]
    for address in addresses:
        _heap.incref(address)
    return addresses


def leak_report(addresses):
    stray = [a for a in addresses if _heap.refcnt(a) != 1]
    if stray:
        raise RuntimeError("%d leaked objects have refcount != 1" % len(stray))
    return {
        "kind": "leak",
        "layout": _heap.layout(),
        "type": Leaky.__name__,
        "type_address": id(Leaky),
        "count": len(addresses),
        "refcnt_each": 1,
        "referrers_each": 0,
        "addresses": addresses,
        "instance_bytes": instance_bytes(Leaky),
        "slotted": {"type": Slotted.__name__, "count": SLOTTED_COUNT,
                    "instance_bytes": instance_bytes(Slotted)},
    }


def instance_bytes(cls):
    """What one instance of cls occupies: its basic size, the GC head before it (32
    bytes before 3.8, 16 since) and the two pre-header pointers of a type with a
    managed __dict__ (3.11+, Py_TPFLAGS_MANAGED_DICT = 1 << 4) or a managed weakref
    list (3.12+, Py_TPFLAGS_MANAGED_WEAKREF = 1 << 3)."""
    size = (cls.__basicsize__ + 7) // 8 * 8
    size += 32 if sys.version_info < (3, 8) else 16
    preheader = 0
    if sys.version_info >= (3, 11):
        preheader |= 1 << 4
    if sys.version_info >= (3, 12):
        preheader |= 1 << 3
    if cls.__flags__ & preheader:
        size += 16
    return size


def main():
    _truth.begin()
    # Passed straight through: as a local, the 5000 addresses would also be
    # one huge entry of the recorded locals.
    _truth.crash_imminent(_truth.SIGABRT, via="os.abort",
                          corruption=leak_report(leak(COUNT)))
    os.abort()  # CRASH


if __name__ == "__main__":
    main()
