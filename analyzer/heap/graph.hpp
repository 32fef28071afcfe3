// The object graph: flat arrays indexed by object number, edges in CSR form.
//
// Object numbers [0, gc_count) are the GC-tracked objects in address order; numbers from
// gc_count on are auxiliary sources: objects that are not tracked (code objects, static
// types) but own references to tracked ones, so their edges count. Only tracked objects are
// edge targets and only they are checked.
//
// Address order keeps the referent pass a sweep through the core instead of a random walk.
// Memory per object: address 8, refcount 8, type 4, generation 1, flags 1, edge offset 4,
// in-degree 4 + 1 = 31 bytes, plus 4 per edge and the address index (about 1/40 of the
// heap's bytes).
#pragma once

#include <cstdint>
#include <vector>

#include "address_index.hpp"
#include "pycore/heap/big_vector.hpp"
#include "referents.hpp"

namespace pycore::heap {

inline constexpr uint32_t kConservativeEdge = 1u << 31;  // flag bit in edge targets
inline constexpr uint8_t kAuxGeneration = 0xFF;

enum ObjectFlags : uint8_t {
  kHeaderUnreadable = 1 << 0,    // refcount/type could not be read
  kConservativeSource = 1 << 2,  // some of its edges come from a conservative scan
  kRoot = 1 << 3,                // referenced from interpreter or thread state
};

struct ObjectGraph {
  BigVector<uint64_t> address;
  BigVector<int64_t> refcount;
  BigVector<uint32_t> type;       // index into the TypeTable
  BigVector<uint8_t> generation;  // 0-2, 3 permanent, kAuxGeneration
  BigVector<uint8_t> flags;
  uint32_t gc_count = 0;

  BigVector<uint32_t> edge_begin;   // size() + 1 entries
  BigVector<uint32_t> edge_target;  // object number | kConservativeEdge

  BigVector<uint32_t> in_exact;  // exact edges pointing at each tracked object
  BigVector<uint8_t> in_any;     // 1 when any edge (exact or conservative) points at it

  AddressIndex index;  // tracked objects only (numbers < gc_count)

  size_t size_objects() const { return address.size(); }
  size_t memory_bytes() const;
};

}  // namespace pycore::heap
