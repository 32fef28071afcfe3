#include "headers.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "on_threads.hpp"

namespace pycore::heap {

namespace {

constexpr size_t kPollEvery = 1u << 14;  // objects between stop/progress polls
constexpr size_t kPrefetchAhead = 16;    // objects whose header is fetched ahead

// Interning reads the type object and grows the shared table, so it happens under a lock;
// each thread keeps its own copy of the types it met, and never reads the shared table
// while another thread may be growing it.
class LocalTypes {
  struct Recent {
    uint64_t address = 0;
    uint32_t index = 0;
    const HeapType* type = nullptr;
  };

 public:
  LocalTypes(TypeTable& types, std::mutex& lock) : types_(types), lock_(lock) {}

  // (table index, the type) for the type at `address`.
  std::pair<uint32_t, const HeapType*> get(uint64_t address) {
    // Neighbouring objects are often of a few alternating types: a small direct-mapped
    // cache answers before the map.
    Recent& r = recent_[(address * 0x9E3779B97F4A7C15ull) >> (64 - kRecentBits)];
    if (r.type != nullptr && r.address == address) return {r.index, r.type};
    return miss(address, r);
  }

 private:
  // Out of line, so that the cache hit above is inlined into the per-object loop.
  [[gnu::noinline]] std::pair<uint32_t, const HeapType*> miss(uint64_t address, Recent& r) {
    auto it = seen_.find(address);
    if (it == seen_.end()) {
      std::lock_guard<std::mutex> hold(lock_);
      const uint32_t index = types_.intern(address);
      it = seen_.emplace(address, std::make_pair(index, types_[index])).first;
    }
    r = Recent{address, it->second.first, &it->second.second};
    return {r.index, r.type};
  }

  TypeTable& types_;
  std::mutex& lock_;
  std::unordered_map<uint64_t, std::pair<uint32_t, HeapType>> seen_;  // nodes never move
  // Hashed, not indexed by low address bits: static types lie at regular distances in the
  // interpreter's data and collided there.
  static constexpr int kRecentBits = 6;
  std::array<Recent, size_t{1} << kRecentBits> recent_{};
};

struct Range {
  size_t lo = 0, hi = 0;
  size_t examined = 0;
  std::vector<HeaderProblem> problems;
  std::vector<std::pair<uint32_t, int64_t>> wide;  // refcounts beyond 32 bits
  BuildResult tallies;                             // by_type and by_generation only
  std::atomic<size_t> done{0};
};

void read_range(const BuildInputs& in, ObjectGraph& g, Range& r, TypeTable& types, std::mutex& lock,
                const std::function<bool()>& stop, const std::function<void()>& poll) {
  // Memory's region cache is per thread: every read below goes through this copy.
  const Memory memory = in.memory;
  const BuildInputs mine{memory, in.layout, in.offsets, in.types, in.pymalloc, in.rules};
  ExternalChecker checker(memory, in.offsets, in.types, in.pymalloc, in.rules);
  LocalTypes local(types, lock);
  const bool both_known = in.offsets.refcnt >= 0 && in.offsets.type >= 0;
  const auto header_bytes =
      static_cast<size_t>(std::max<int64_t>({in.offsets.refcnt, in.offsets.type, 0})) + 8;
  size_t i = r.lo;
  for (; i < r.hi; ++i) {
    if ((i - r.lo) % kPollEvery == 0) {
      r.done.store(i - r.lo, std::memory_order_relaxed);
      if (poll) poll();
      if (i != r.lo && stop()) break;
    }
    // Objects are ~150 bytes apart in address order, too far for the hardware prefetcher
    // to keep the stream across pages; without this most of the pass waited on headers.
    if (i + kPrefetchAhead < r.hi)
      if (const std::byte* p = memory.at(g.address[i + kPrefetchAhead], 8)) __builtin_prefetch(p);
    const uint64_t obj = g.address[i];
    std::optional<int64_t> rc;
    std::optional<uint64_t> tp;
    if (const std::byte* h = both_known ? memory.at(obj, header_bytes) : nullptr) {  // one lookup
      rc = load<int64_t>(h + in.offsets.refcnt);
      tp = load<uint64_t>(h + in.offsets.type);
    } else {
      rc = memory.i64(obj + static_cast<uint64_t>(in.offsets.refcnt));
      tp = memory.u64(obj + static_cast<uint64_t>(in.offsets.type));
    }
    if (!rc || !tp) {
      g.flags[i] |= kHeaderUnreadable;
      g.type[i] = local.get(0).first;
      r.problems.push_back({static_cast<uint32_t>(i), Verdict::kUnmapped});
      continue;
    }
    if (!g.try_set_refcount(static_cast<uint32_t>(i), *rc))
      r.wide.emplace_back(static_cast<uint32_t>(i), *rc);
    const auto [index, t] = local.get(*tp);
    g.type[i] = index;
    tally(r.tallies, index, g.generation[i], allocation_size(mine, obj, *t));
    Verdict v = checker.check_header(obj, *rc, *t);
    if (v != Verdict::kOk) r.problems.push_back({static_cast<uint32_t>(i), v});
  }
  r.examined = i - r.lo;
  r.done.store(r.examined, std::memory_order_relaxed);
}

}  // namespace

size_t read_headers(const BuildInputs& in, ObjectGraph& g, BuildResult& out,
                    const BuildOptions& options) {
  const size_t n = g.gc_count;
  const unsigned threads = threads_for(n, options);
  std::vector<Range> ranges(threads);
  for (unsigned t = 0; t < threads; ++t) {
    ranges[t].lo = n * t / threads;
    ranges[t].hi = n * (t + 1) / threads;
  }
  // One thread out of time stops them all; the graph then keeps a prefix (see below).
  std::atomic<bool> stopped{false};
  auto stop = [&] {
    if (!stopped.load(std::memory_order_relaxed) && options.should_stop && options.should_stop())
      stopped.store(true, std::memory_order_relaxed);
    return stopped.load(std::memory_order_relaxed);
  };
  auto poll_main = [&] {
    if (!options.progress) return;
    size_t done = 0;
    for (const Range& r : ranges) done += r.done.load(std::memory_order_relaxed);
    options.progress("reading headers", done, n);
  };
  std::mutex lock;
  {
    on_threads(threads, [&](unsigned t) {
      read_range(in, g, ranges[t], in.types, lock, stop,
                 t == 0 ? std::function<void()>(poll_main) : std::function<void()>());
    });
  }
  // The examined prefix: up to the first range that did not finish.
  size_t examined = 0;
  for (const Range& r : ranges) {
    examined = r.lo + r.examined;
    if (r.lo + r.examined < r.hi) break;
  }
  for (Range& r : ranges) {
    for (const HeaderProblem& p : r.problems)
      if (p.object < examined) out.header_problems.push_back(p);
    std::vector<std::pair<uint32_t, int64_t>> wide;
    for (const auto& w : r.wide)
      if (w.first < examined) wide.push_back(w);
    g.append_wide_refcounts(wide);
    // Objects beyond the prefix leave the graph: their tallies do not count.
    if (r.lo + r.examined <= examined) {
      if (out.by_type.size() < r.tallies.by_type.size())
        out.by_type.resize(r.tallies.by_type.size());
      for (size_t t = 0; t < r.tallies.by_type.size(); ++t) {
        out.by_type[t].objects += r.tallies.by_type[t].objects;
        out.by_type[t].bytes += r.tallies.by_type[t].bytes;
      }
      for (size_t k = 0; k < out.by_generation.size(); ++k) {
        out.by_generation[k].objects += r.tallies.by_generation[k].objects;
        out.by_generation[k].bytes += r.tallies.by_generation[k].bytes;
      }
    }
  }
  return examined;
}

}  // namespace pycore::heap
