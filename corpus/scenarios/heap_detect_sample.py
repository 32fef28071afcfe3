"""heap_detect_sample: a clean heap whose truth lists sampled GC objects with their referrers.

Not a default scenario: bench/detection_bench corrupts copies of this core, one object per
trial, and checks that the analyzer names the object and a correct parent.  Nothing here
is corrupted; the process builds a random object graph (fixed seed) of lists, dicts,
tuples, sets and instances (with a __dict__ and with __slots__), then records:

  objects  a sample of GC-tracked objects, half from the graph, half from the whole heap
           (gc.get_objects(): functions, types, modules' dicts, ...), each with every
           tracked referrer (gc.get_referrers), how many references it holds to the object
           (gc.get_referents multiplicity, what tp_traverse visits) and, for lists, tuples
           and dicts with str keys, the slots as the analyzer names them ("[3]", "['k']")
  lists    sampled lists of the graph: address, ob_item array, size, item addresses
  freed    addresses of objects that are deallocated after the truth is written and
           before the abort (a size class nothing else uses): free pymalloc blocks
  garbage  a bytes object's character buffer (mapped memory that is not a type)

Proves nothing by itself; it is the ground truth of the detection-rate benchmark.
"""

import ctypes
import gc
import os
import random
import sys
import types

import _heap
import _truth

SEED = 1729
GRAPH_OBJECTS = 1500
SAMPLE_GRAPH = 150
SAMPLE_HEAP = 150
SAMPLE_LISTS = 100
FREED = 64
MAX_REFERRERS = 64

# Everything built lives here, never in a frame's locals (the truth writer reprs locals).
KEEP = {}
NOT_A_TYPE = b"a bytes buffer: mapped, readable, and nothing like a PyTypeObject " * 4


class Node(object):
    def __init__(self):
        self.a = None
        self.b = None
        self.c = None


class Slotted(object):
    __slots__ = ("x", "y")


class Doomed(object):
    # 20 slots: a pymalloc size class (176 bytes + GC header) no temporary object uses, so
    # the freed blocks are still free when the process aborts.
    __slots__ = tuple("s%d" % i for i in range(20))


def build_graph(rng):
    """Random containers referring to each other; returns the list of them all."""
    kinds = ["list", "dict", "node", "slotted", "set", "tuple"]
    objects = []
    for _ in range(GRAPH_OBJECTS - GRAPH_OBJECTS // 6):
        kind = rng.choice(kinds[:5])
        objects.append({"list": list, "dict": dict, "node": Node, "slotted": Slotted,
                        "set": set}[kind]())
    hashable = [o for o in objects if isinstance(o, (Node, Slotted))]

    def pick():
        roll = rng.random()
        if roll < 0.1:
            return "str-%d" % rng.randrange(1000)
        if roll < 0.15:
            return rng.randrange(1 << 20)
        return rng.choice(objects)

    for o in objects:
        if type(o) is list:
            o.extend(pick() for _ in range(rng.randrange(1, 7)))
        elif type(o) is dict:
            for i in range(rng.randrange(1, 6)):
                o["k%d" % i] = pick()
        elif type(o) is Node:
            o.a, o.b, o.c = pick(), pick(), pick()
        elif type(o) is Slotted:
            o.x, o.y = pick(), pick()
        else:
            o.update(rng.choice(hashable) for _ in range(rng.randrange(1, 5)))
    # Tuples last (immutable): they refer to what exists; later objects may hold them.
    tuples = [tuple(pick() for _ in range(rng.randrange(1, 6)))
              for _ in range(GRAPH_OBJECTS // 6)]
    for t in tuples:
        holder = rng.choice([o for o in objects[:50] if type(o) is list] or [objects[0]])
        if type(holder) is list:
            holder.append(t)
    objects.extend(tuples)
    return objects


def slots_of(referrer, obj):
    """How the analyzer names the slots of `referrer` that hold `obj` (exact types only)."""
    kind = type(referrer)
    if kind is list or kind is tuple:
        return ["[%d]" % i for i, item in enumerate(referrer) if item is obj]
    if kind is dict:
        out = []
        for key, value in list(dict.items(referrer)):
            if value is obj and type(key) is str and len(key) <= 40 and key.isidentifier():
                out.append("[%r]" % key)
        return out
    return []


def referrer_records(obj, ignore):
    records = []
    total = 0
    for referrer in gc.get_referrers(obj):
        if (id(referrer) in ignore or isinstance(referrer, (types.FrameType, Doomed))
                or referrer is KEEP["doomed"]):
            continue
        # A plain loop: a generator here would hold `obj` in a cell, a referrer that is gone
        # by the time of the abort.
        count = 0
        for x in gc.get_referents(referrer):
            if x is obj:
                count += 1
        count = count or 1
        total += count
        if len(records) < MAX_REFERRERS:
            records.append({"address": id(referrer), "type": type(referrer).__name__,
                            "count": count, "slots": slots_of(referrer, obj)})
    return records, total


def is_immortal(address):
    # 3.12+: immortal objects have the sign bit of the low 32-bit refcount set.
    if sys.version_info < (3, 12):
        return False
    return (_heap.refcnt(address) & 0xFFFFFFFF) >= 0x80000000


def sample_objects(rng, graph):
    picks = [("graph", o) for o in rng.sample(graph, SAMPLE_GRAPH)]
    everything = gc.get_objects()
    # Not frames (gone with their calls), not the Doomed nor their class (they are freed
    # before the abort, and with them the class's references from its instances).
    heap = [o for o in everything
            if not isinstance(o, (types.FrameType, Doomed)) and o is not Doomed]
    del everything
    picks += [("heap", o) for o in rng.sample(heap, SAMPLE_HEAP)]
    del heap
    # The sampler's own containers are referrers only while it runs.
    ignore = set([id(picks)])
    ignore.update(id(p) for p in picks)  # the (pool, object) pairs
    records = []
    for pool, obj in picks:
        referrers, total = referrer_records(obj, ignore)
        records.append({"address": id(obj), "type": type(obj).__name__, "pool": pool,
                        "gc_tracked": gc.is_tracked(obj), "immortal": is_immortal(id(obj)),
                        "references": total, "referrers": referrers})
    del obj
    return records


def sample_lists(rng, graph):
    lists = [o for o in graph if type(o) is list and o]
    out = []
    ob_item_offset = _heap.TYPE_OFFSET + 16  # after ob_type and ob_size
    for lst in rng.sample(lists, min(SAMPLE_LISTS, len(lists))):
        out.append({"address": id(lst), "ob_item": ctypes.c_void_p.from_address(id(lst) + ob_item_offset).value,
                    "size": len(lst), "items": [id(x) for x in lst]})
    return out


def record(rng):
    return {
        "layout": dict(_heap.layout(), list_ob_item_offset=_heap.TYPE_OFFSET + 16),
        "seed": SEED,
        "objects": sample_objects(rng, KEEP["graph"]),
        "lists": sample_lists(rng, KEEP["graph"]),
        "freed": [id(d) for d in KEEP["doomed"]],
        "garbage": {"bytes_object": id(NOT_A_TYPE),
                    "bytes_buffer": _heap.buffer_address(NOT_A_TYPE)},
    }


def main():
    _truth.begin()
    # Collections would move nothing, but freeing cycles now could change referrers after
    # they were recorded.
    gc.disable()
    rng = random.Random(SEED)
    KEEP["doomed"] = [Doomed() for _ in range(FREED)]
    KEEP["graph"] = build_graph(rng)
    # Passed straight through: a local would be repr'd into the truth's locals.
    _truth.crash_imminent(_truth.SIGABRT, via="os.abort", detection=record(rng))
    # Nothing allocates between these frees and the abort, so the blocks stay free.
    del KEEP["doomed"][:]
    os.abort()  # CRASH


if __name__ == "__main__":
    main()
