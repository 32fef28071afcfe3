// The heap stage's entry point: enumerate the GC object graph of a crashed CPython and
// name corrupted objects with the containers that point at them, in the spirit of the
// collector's update_refs/subtract_refs/visit_decref. Checks are described in
// docs/checks.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "pycore/layout/layout.hpp"
#include "pycore/report/model.hpp"
#include "pycore/target/address_space.hpp"

namespace pycore::heap {

// Where the heap stage is, for a progress display.
struct HeapProgress {
  const char* phase = "";  // "walking GC lists", "reading headers", "referents", "checks"
  size_t done = 0;         // objects done in this phase
  size_t total = 0;        // objects in this phase; 0 while unknown (during the list walk)
};

struct HeapOptions {
  size_t max_objects = 50'000'000;  // GC-tracked objects walked; the rest is not seen
  // 0: no limit. Else a deadline for the whole stage, measured from its start: the list
  // walk, header pass, referent pass and untracked sources stop there, and the checks run on
  // what was collected (only those that stay sound on a partial graph; see docs/checks.md).
  double timeout_seconds = 0;
  // Called from the calling thread every few thousand objects.
  std::function<void(const HeapProgress&)> progress;
  unsigned threads = 2;  // list walk, numbering, headers, referents
  // Below this many objects per thread a phase uses fewer threads (tests set 1).
  size_t min_objects_per_thread = 100'000;
  // Cores of at least this many bytes have their GC lists walked in segments (tests set 0).
  uint64_t min_core_bytes_for_segments = uint64_t{64} << 20;
  size_t leak_min_count = 50;            // leak candidates of one class needed for a finding
  size_t leak_min_count_builtin = 1000;  // the same for builtin/C types (C code holds many)
  size_t max_parents = 16;               // parents named per finding
  size_t max_findings_per_check = 50;
};

struct HeapStats {
  size_t objects = 0;             // tracked objects in the graph
  size_t aux_objects = 0;         // untracked sources (code objects, static types)
  size_t edges = 0;               // references found to tracked objects (conservative ones too)
  size_t conservative_edges = 0;  // ... of which a conservative scan found
  size_t types = 0;
  size_t graph_bytes = 0;    // memory held by the graph's arrays
  size_t walk_segments = 0;  // GC lists walked in this many segments; 0: the ordinary walk
  double seconds_walk = 0, seconds_graph = 0, seconds_checks = 0;
  double seconds_index = 0, seconds_headers = 0, seconds_referents = 0;  // parts of graph
  // The rest of the graph build: joining the threads' problems, untracked sources (code
  // objects, static types), the untracked refcount balance, adding up the threads' counts.
  double seconds_merge = 0, seconds_aux = 0, seconds_untracked = 0, seconds_in_degree = 0;
};

struct HeapResult {
  report::GcSummary summary;
  std::vector<report::Finding> findings;  // errors first, most severe first
  std::string headline;                   // one sentence for the first finding; empty if none
  std::vector<std::string> warnings;      // what was not looked at, and why (never silent)
  HeapStats stats;
};

HeapResult analyze_heap(const target::AddressSpace& memory, const layout::Layout& layout,
                        const HeapOptions& options = {});

}  // namespace pycore::heap
