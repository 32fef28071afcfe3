#include "untracked.hpp"

#include <algorithm>
#include <bit>

namespace pycore::heap {

namespace {

// LSD radix sort of 8-aligned addresses (16-bit digits over the bits that vary): linear,
// where std::sort of tens of millions of edges would dominate the checks.
void sort_addresses(BigVector<uint64_t>& v) {
  const size_t n = v.size();
  if (n < (size_t{1} << 16)) {
    std::sort(v.begin(), v.end());
    return;
  }
  uint64_t lo = UINT64_MAX, hi = 0;
  for (uint64_t a : v) {
    lo = std::min(lo, a);
    hi = std::max(hi, a);
  }
  const int bits = 64 - std::countl_zero(hi - lo);
  constexpr int kDigit = 16;
  BigVector<uint64_t> scratch(n);
  std::vector<size_t> count(size_t{1} << kDigit);
  for (int shift = 0; shift < bits; shift += kDigit) {
    std::fill(count.begin(), count.end(), 0);
    auto digit = [&](uint64_t a) { return ((a - lo) >> shift) & ((size_t{1} << kDigit) - 1); };
    for (uint64_t a : v) ++count[digit(a)];
    size_t sum = 0;
    for (size_t& c : count) {
      size_t here = c;
      c = sum;
      sum += here;
    }
    for (uint64_t a : v) scratch[count[digit(a)]++] = a;
    v.swap(scratch);
  }
}

}  // namespace

void WantedSink::edge(uint64_t target, const Slot&, bool conservative) {
  if (conservative || target < sorted_.front() || target > sorted_.back()) return;
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), target);
  if (it == sorted_.end() || *it != target) return;
  auto& v = out_[static_cast<size_t>(it - sorted_.begin())];
  if ((v.empty() || v.back() != source_) && v.size() < max_each_) v.push_back(source_);
}

std::vector<UntrackedUnderflow> untracked_underflows(BigVector<uint64_t>& edges,
                                                     const Memory& memory, const Offsets& off,
                                                     RefcountRules rules) {
  std::vector<UntrackedUnderflow> out;
  sort_addresses(edges);
  for (size_t i = 0; i < edges.size();) {
    size_t j = i + 1;
    while (j < edges.size() && edges[j] == edges[i]) ++j;
    const uint64_t address = edges[i];
    const uint64_t references = j - i;
    i = j;
    auto rc = memory.i64(address + static_cast<uint64_t>(off.refcnt));
    // The edge was checked when it was recorded (live, valid type, plausible refcount).
    if (!rc || *rc <= 0 || rules.immortal(*rc)) continue;
    if (references > static_cast<uint64_t>(*rc)) out.push_back({address, *rc, references});
  }
  BigVector<uint64_t>().swap(edges);
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
