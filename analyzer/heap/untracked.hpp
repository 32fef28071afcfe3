// Refcount balance of objects the collector does not track (str, int, bytes, float,
// untracked tuples and dicts, code objects, ...). The graph keeps them out of its index;
// instead the referent pass counts the exact edges that lead to each of them
// (UntrackedCounts, untracked_counts.hpp), and here those counts are set against their
// refcounts, as visit_decref would for a tracked object.
//
// What is deliberately not counted (see docs/checks.md, refcount-underflow):
//   - static type objects: a static type's tp_base is a borrowed pointer;
//   - 3.12+ immortal objects (ExternalChecker says kImmortal; their refcount is saturated);
//   - conservative edges (never evidence for an error).
// Everything else only ever undercounts (references from C, from the interned dict, from
// frames in thread data stacks), which can hide an underflow but not invent one.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "graph.hpp"
#include "object_check.hpp"
#include "pycore/heap/big_vector.hpp"
#include "pycore/heap/memory.hpp"
#include "referents.hpp"
#include "types.hpp"
#include "untracked_counts.hpp"

namespace pycore::heap {

struct UntrackedUnderflow {
  uint64_t address = 0;
  int64_t refcount = 0;
  uint64_t references = 0;  // exact references found
};

// What the pointers that the referent pass counted unchecked lead to
// (GraphSink::count_untracked_unchecked): each distinct address checked once, in address
// order, on `threads` threads. It takes no deadline: its work is bounded by the pointers
// already counted, and without it no pointer problem of the objects visited is reported.
// The same sweep balances them: it reads each object's header anyway.
struct JudgedUntracked {
  std::vector<std::pair<uint64_t, Verdict>> bad;  // error verdicts, ascending address
  std::vector<uint64_t> aux;         // code objects and static types: auxiliary sources
  std::vector<uint64_t> unbalanced;  // ascending: not set against their refcount (static
                                     // types, whose tp_base is borrowed; bad pointers)
  // Live objects (and code objects) whose positive, mortal refcount is lower than the
  // references counted to them, ascending.
  std::vector<UntrackedUnderflow> over;
  size_t judged = 0;  // distinct addresses checked
};
JudgedUntracked judge_untracked(const UntrackedCounts& counts, const Memory& memory,
                                const Offsets& off, TypeTable& types, const Pymalloc& pymalloc,
                                RefcountRules rules, unsigned threads);

// judged.over, completed with the references that auxiliary sources (visited after the
// sweep) hold, counted in `aux_counts` (checked when counted): an object they push over
// its refcount joins, and one already over gets their references added. Ascending.
std::vector<UntrackedUnderflow> add_aux_references(const JudgedUntracked& judged,
                                                   const UntrackedCounts& counts,
                                                   const UntrackedCounts& aux_counts,
                                                   const Memory& memory, const Offsets& off,
                                                   RefcountRules rules);

}  // namespace pycore::heap
