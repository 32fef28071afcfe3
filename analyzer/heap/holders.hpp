// Who holds the objects a finding names. The graph keeps no edges (graph.hpp), so the
// holders are found by visiting every graph object once more, only when some finding needs
// them: one pass for all the wanted objects at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "graph.hpp"
#include "referents.hpp"
#include "types.hpp"

namespace pycore::heap {

struct WantedHolder {
  uint64_t address = 0;
  // Whether a pointer found by a conservative scan names a holder: yes for tracked objects
  // (the report marks such parents conservative), no for untracked ones, whose balance
  // never counts conservative pointers.
  bool conservative_too = false;
};

struct HolderSearch {
  size_t max_each = SIZE_MAX;  // holders kept per target
  // Keep a holder once per slot that holds the target (a list holding it twice is listed
  // twice), instead of once.
  bool every_slot = false;
  unsigned threads = 1;
  std::function<bool()> should_stop;  // polled every few thousand objects on each thread
};

// Receives the referents of one graph object and notes which of the wanted targets
// (sorted by address, unique, non-empty) it holds.
class WantedSink {
 public:
  WantedSink(const std::vector<WantedHolder>& sorted, std::vector<std::vector<uint32_t>>& out,
             const HolderSearch& search)
      : sorted_(sorted), out_(out), search_(search) {}
  void begin(uint32_t source) { source_ = source; }
  void edge(uint64_t target, const Slot& slot, bool conservative);
  void storage_problem(uint64_t, const char*) {}

 private:
  const std::vector<WantedHolder>& sorted_;
  std::vector<std::vector<uint32_t>>& out_;
  const HolderSearch& search_;
  uint32_t source_ = 0;
};

struct Referrers {
  std::vector<std::vector<uint32_t>> of;  // of[i] belongs to targets[i]
  bool complete = true;                   // false: should_stop ended the visit early
};

// The graph objects (tracked and auxiliary, in ascending number) holding each of
// `targets`: one visit of every object in the graph so far, split across search.threads.
// Conservative finds need visit.known.
Referrers referrers_of(const ObjectGraph& graph, const TypeTable& types, const VisitContext& visit,
                       const std::vector<WantedHolder>& targets, const HolderSearch& search);

}  // namespace pycore::heap
