#include "untracked.hpp"

#include <algorithm>
#include <unordered_map>

namespace pycore::heap {

void WantedSink::edge(uint64_t target, const Slot&, bool conservative) {
  if (conservative || target < sorted_.front() || target > sorted_.back()) return;
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), target);
  if (it == sorted_.end() || *it != target) return;
  auto& v = out_[static_cast<size_t>(it - sorted_.begin())];
  if ((v.empty() || v.back() != source_) && v.size() < max_each_) v.push_back(source_);
}

std::vector<UntrackedUnderflow> untracked_underflows(UntrackedCounts& counts, const Memory& memory,
                                                     const Offsets& off, RefcountRules rules) {
  std::vector<UntrackedUnderflow> out;
  // The edge was checked when it was counted (live, valid type, plausible refcount).
  // One reference never exceeds a positive refcount: only objects referenced twice or more
  // need their refcount read.
  // Their headers are scattered over the heap: each is prefetched a few candidates ahead.
  std::unordered_map<uint64_t, int64_t> refcounts;  // of the objects kept
  auto over = counts.counted(
      2,
      [&](uint64_t address, uint64_t references) {
        auto rc = memory.i64(address + static_cast<uint64_t>(off.refcnt));
        if (!rc || *rc <= 0 || rules.immortal(*rc) || references <= static_cast<uint64_t>(*rc))
          return false;
        refcounts.emplace(address, *rc);
        return true;
      },
      [&](uint64_t address) {
        if (const std::byte* p = memory.at(address + static_cast<uint64_t>(off.refcnt), 8))
          __builtin_prefetch(p);
      });
  counts.release();
  for (const auto& c : over) out.push_back({c.address, refcounts[c.address], c.references});
  return out;
}

std::vector<std::vector<uint32_t>> untracked_referrers(const ObjectGraph& graph,
                                                       const TypeTable& types,
                                                       const VisitContext& visit,
                                                       const std::vector<uint64_t>& targets,
                                                       size_t max_each) {
  std::vector<uint64_t> sorted(targets);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<std::vector<uint32_t>> found(sorted.size());
  std::vector<std::vector<uint32_t>> out(targets.size());
  if (sorted.empty()) return out;
  WantedSink sink(sorted, found, max_each);
  VisitContext exact_only = visit;
  exact_only.known = nullptr;  // conservative edges are never named as holders
  const uint32_t objects = static_cast<uint32_t>(graph.size_objects());
  for (uint32_t i = 0; i < objects; ++i) {
    if (graph.flags[i] & kHeaderUnreadable) continue;
    const HeapType& t = types[graph.type[i]];
    if (!t.valid) continue;
    sink.begin(i);
    visit_referents(exact_only, graph.address[i], t, sink);
  }
  for (size_t k = 0; k < targets.size(); ++k) {
    auto it = std::lower_bound(sorted.begin(), sorted.end(), targets[k]);
    out[k] = found[static_cast<size_t>(it - sorted.begin())];
  }
  return out;
}

}  // namespace pycore::heap
