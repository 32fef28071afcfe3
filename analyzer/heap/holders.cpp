#include "holders.hpp"

#include <algorithm>
#include <atomic>

#include "on_threads.hpp"

namespace pycore::heap {

namespace {

constexpr uint32_t kPollEvery = 4096;  // objects between stop polls

bool by_address(const WantedHolder& a, const WantedHolder& b) {
  return a.address < b.address;
}

}  // namespace

void WantedSink::edge(uint64_t target, const Slot&, bool conservative) {
  if (target < sorted_.front().address || target > sorted_.back().address) return;
  auto it =
      std::lower_bound(sorted_.begin(), sorted_.end(), WantedHolder{target, false}, by_address);
  if (it == sorted_.end() || it->address != target) return;
  if (conservative && !it->conservative_too) return;
  auto& v = out_[static_cast<size_t>(it - sorted_.begin())];
  if ((search_.every_slot || v.empty() || v.back() != source_) && v.size() < search_.max_each)
    v.push_back(source_);
}

Referrers referrers_of(const ObjectGraph& graph, const TypeTable& types, const VisitContext& visit,
                       const std::vector<WantedHolder>& targets, const HolderSearch& search) {
  Referrers out;
  out.of.resize(targets.size());
  if (targets.empty()) return out;
  // Unique addresses; an address wanted twice takes conservative finds if either does.
  std::vector<WantedHolder> sorted(targets);
  std::sort(sorted.begin(), sorted.end(), by_address);
  size_t unique = 0;
  for (const WantedHolder& w : sorted) {
    if (unique > 0 && sorted[unique - 1].address == w.address)
      sorted[unique - 1].conservative_too |= w.conservative_too;
    else
      sorted[unique++] = w;
  }
  sorted.resize(unique);

  // Each thread visits a range of consecutive objects; joined in range order, the holders
  // stay in ascending number.
  const unsigned threads = std::max(search.threads, 1u);
  const std::function<bool()>& should_stop = search.should_stop;
  const size_t objects = graph.size_objects();
  std::vector<std::vector<std::vector<uint32_t>>> found(
      threads, std::vector<std::vector<uint32_t>>(sorted.size()));
  std::atomic<bool> stopped{false};
  on_threads(threads, [&](unsigned t) {
    const Memory memory = visit.memory;  // own region cache: Memory is not shared
    const VisitContext mine{memory, visit.off, visit.types, visit.known, visit.max_items};
    WantedSink sink(sorted, found[t], search);
    const auto lo = static_cast<uint32_t>(objects * t / threads);
    const auto hi = static_cast<uint32_t>(objects * (t + 1) / threads);
    for (uint32_t i = lo; i < hi; ++i) {
      if ((i - lo) % kPollEvery == 0 && should_stop &&
          (stopped.load(std::memory_order_relaxed) || should_stop())) {
        stopped.store(true, std::memory_order_relaxed);
        return;
      }
      if (graph.flags[i] & kHeaderUnreadable) continue;
      const HeapType& type = types[graph.type[i]];
      if (!type.valid) continue;
      sink.begin(i);
      visit_referents(mine, graph.address[i], type, sink);
    }
  });
  for (size_t k = 0; k < targets.size(); ++k) {
    const auto at = static_cast<size_t>(
        std::lower_bound(sorted.begin(), sorted.end(), targets[k], by_address) - sorted.begin());
    for (unsigned t = 0; t < threads; ++t)
      for (uint32_t holder : found[t][at])
        if (out.of[k].size() < search.max_each) out.of[k].push_back(holder);
  }
  out.complete = !stopped.load();
  return out;
}

}  // namespace pycore::heap
