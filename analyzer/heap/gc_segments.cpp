#include "gc_segments.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <new>

#include "on_threads.hpp"
#include "pycore/heap/big_vector.hpp"

namespace pycore::heap {

namespace {

constexpr uint32_t kNone = UINT32_MAX;
constexpr size_t kInFlight = 32;         // segments each thread follows at once (16: 5-8 % slower)
constexpr size_t kPollEvery = 1u << 14;  // steps between stop/progress polls
constexpr uint64_t kProbeAlign = 16;     // PyGC_Head is 16-aligned in every version
constexpr size_t kChunk = 512;           // objects per storage chunk (4 KiB)

struct Head {
  uint64_t next = 0, prev = 0;
};

class HeadReader {
 public:
  HeadReader(const Memory& memory, const GcHeadCodec& codec)
      : memory_(memory),
        codec_(codec),
        span_(static_cast<size_t>(std::max(codec.next_off, codec.prev_off) + 8)) {}

  const std::byte* locate(uint64_t at) const { return memory_.at(at, span_); }
  static Head read(const std::byte* p, const GcHeadCodec& c) {
    Head h;
    std::memcpy(&h.next, p + c.next_off, 8);
    std::memcpy(&h.prev, p + c.prev_off, 8);
    return h;
  }
  bool read(uint64_t at, Head& h) const {
    const std::byte* p = locate(at);
    if (p == nullptr) return false;
    h = read(p, codec_);
    return true;
  }

 private:
  const Memory& memory_;
  const GcHeadCodec& codec_;
  size_t span_;
};

// Start address -> segment number; open addressing, a few thousand entries at most, so it
// stays in L1/L2 while every step of every segment asks it.
class Starts {
 public:
  explicit Starts(size_t capacity) {
    size_t size = 16;
    while (size < 4 * capacity) size *= 2;
    slots_.assign(size, Slot{});
    mask_ = size - 1;
  }
  bool insert(uint64_t address, uint32_t segment) {
    for (size_t i = hash(address);; i = (i + 1) & mask_) {
      if (slots_[i].segment == kNone) {
        slots_[i] = Slot{address, segment};
        return true;
      }
      if (slots_[i].address == address) return false;
    }
  }
  uint32_t find(uint64_t address) const {
    for (size_t i = hash(address);; i = (i + 1) & mask_) {
      if (slots_[i].segment == kNone) return kNone;
      if (slots_[i].address == address) return slots_[i].segment;
    }
  }

 private:
  struct Slot {
    uint64_t address = 0;
    uint32_t segment = kNone;
  };
  size_t hash(uint64_t address) const {
    return static_cast<size_t>(((address >> 4) * 0x9E3779B97F4A7C15ull) >> 20) & mask_;
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// One thread's store of segment objects: chunks of kChunk addresses in one mapping that
// never moves, so each object is written once where it stays (a vector per segment, grown
// and copied as it went, made the one-thread walk of the 2.8 M-object bench core 0.058 s
// instead of 0.047 s).
class Chunks {
 public:
  explicit Chunks(size_t capacity_chunks)
      : capacity_(capacity_chunks), data_(alloc_.allocate(capacity_ * kChunk)) {}
  ~Chunks() { alloc_.deallocate(data_, capacity_ * kChunk); }
  Chunks(const Chunks&) = delete;
  Chunks& operator=(const Chunks&) = delete;

  // A fresh chunk's number, or UINT32_MAX when the store is full.
  uint32_t take() { return used_ < capacity_ ? static_cast<uint32_t>(used_++) : UINT32_MAX; }
  uint64_t* chunk(uint32_t number) { return data_ + size_t{number} * kChunk; }

 private:
  HugePageAllocator<uint64_t> alloc_;
  size_t capacity_;
  size_t used_ = 0;
  uint64_t* data_;
};

struct Segment {
  uint64_t start = 0;
  int list = -1;                // the list whose head starts it; -1 for a split point
  uint64_t start_next = 0;      // the start's next link, masked
  uint64_t start_prev = 0;      // the start's prev link, masked
  uint32_t store = 0;           // the thread whose Chunks hold its objects
  std::vector<uint32_t> parts;  // its chunks there; all full but the last
  size_t count = 0;             // object addresses (head + codec.size) stored, in list order
  uint64_t end = 0;             // the start it ran into
  uint64_t last = 0;            // its last node's head (the start itself when it has none)
  bool ok = false;
};

// Split points: heads at random 16-aligned addresses whose next node links back to them
// and whose previous node links forward to them. A fixed seed keeps runs reproducible.
void find_split_points(const Memory& memory, const GcHeadCodec& codec, size_t wanted,
                       Starts& starts, std::vector<Segment>& segments) {
  const HeadReader reader(memory, codec);
  std::vector<std::pair<uint64_t, uint64_t>> ranges;  // cumulative end, region index
  uint64_t total = 0;
  const auto regions = memory.regions();
  for (size_t i = 0; i < regions.size(); ++i) {
    if (regions[i].origin != target::Origin::kCore) continue;  // code and constants
    const uint64_t usable =
        std::min<uint64_t>(regions[i].end - regions[i].start, regions[i].bytes.size());
    if (usable < 64) continue;
    total += usable;
    ranges.emplace_back(total, i);
  }
  if (total == 0) return;
  uint64_t state = 0x2545F4914F6CDD1Dull;
  auto random = [&state] {  // xorshift64*
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1Dull;
  };
  size_t found = 0;
  for (size_t probe = 0; probe < 64 * wanted && found < wanted; ++probe) {
    const uint64_t at = random() % total;
    auto it = std::upper_bound(ranges.begin(), ranges.end(), at,
                               [](uint64_t a, const auto& r) { return a < r.first; });
    const target::Region& r = regions[it->second];
    const uint64_t before = it == ranges.begin() ? 0 : std::prev(it)->first;
    const uint64_t p = (r.start + (at - before)) & ~(kProbeAlign - 1);
    Head h, n, q;
    if (p < r.start || !reader.read(p, h)) continue;
    const uint64_t next = h.next & codec.pointer_mask, prev = h.prev & codec.pointer_mask;
    if (next == 0 || prev == 0 || next == p || prev == p) continue;
    if (!reader.read(next, n) || (n.prev & codec.pointer_mask) != p) continue;
    if (!reader.read(prev, q) || (q.next & codec.pointer_mask) != p) continue;
    const uint32_t number = static_cast<uint32_t>(segments.size());
    if (!starts.insert(p, number)) continue;  // a list head, or found before
    Segment s;
    s.start = p;
    s.start_next = next;
    s.start_prev = prev;
    segments.push_back(std::move(s));
    ++found;
  }
}

struct Shared {
  const Memory& memory;
  const GcHeadCodec& codec;
  const Starts& starts;
  std::vector<Segment>& segments;
  std::vector<std::unique_ptr<Chunks>>& stores;  // one per thread
  uint64_t max_steps;  // per segment: no list is longer than the core has room for
  std::atomic<uint32_t> next_segment{0};
  std::atomic<bool> failed{false};
  std::atomic<size_t> steps{0};
};

// Follows segments until none is left, kInFlight at a time.
void follow(Shared& sh, const GcWalkLimits& limits, uint32_t thread) {
  const bool is_main = thread == 0;
  const Memory memory = sh.memory;  // own region cache
  const HeadReader reader(memory, sh.codec);
  const uint64_t mask = sh.codec.pointer_mask;
  Chunks& store = *sh.stores[thread];
  struct Active {
    Segment* segment;
    uint64_t cur, last;
    const std::byte* cur_bytes;
    uint64_t steps;
    uint64_t* out;  // where the next object goes; out_end: its chunk is full
    uint64_t* out_end;
    // Objects stored, kept here until the segment ends: the Segment's cache line may be
    // another thread's too.
    size_t count;
  };
  // Stores one object of a's segment; false when the store is full (the walk gives up).
  auto store_object = [&](Active& a, uint64_t object) {
    if (a.out == a.out_end) {
      const uint32_t c = store.take();
      if (c == UINT32_MAX) return false;
      a.segment->parts.push_back(c);
      a.out = store.chunk(c);
      a.out_end = a.out + kChunk;
    }
    *a.out++ = object;
    ++a.count;
    return true;
  };
  std::array<Active, kInFlight> active{};
  size_t live = 0;
  auto take = [&](Active& a) {
    const uint32_t i = sh.next_segment.fetch_add(1, std::memory_order_relaxed);
    if (i >= sh.segments.size()) return false;
    Segment& s = sh.segments[i];
    s.store = thread;
    a = Active{&s, s.start_next, s.start, nullptr, 0, nullptr, nullptr, 0};
    if (s.list < 0 && !store_object(a, s.start + sh.codec.size)) {
      sh.failed.store(true, std::memory_order_relaxed);
      return false;
    }
    a.cur_bytes = reader.locate(a.cur);
    if (a.cur_bytes != nullptr) __builtin_prefetch(a.cur_bytes);
    return true;
  };
  while (live < kInFlight && take(active[live])) ++live;
  size_t since_poll = 0;
  while (live > 0) {
    for (size_t k = 0; k < live;) {
      Active& a = active[k];
      bool done = false;
      if (sh.starts.find(a.cur) != kNone) {
        a.segment->end = a.cur;
        a.segment->last = a.last;
        a.segment->ok = true;
        done = true;
      } else if (a.cur_bytes == nullptr || ++a.steps > sh.max_steps) {
        done = true;  // unreadable or endless: the ordinary walk will say what it is
      } else {
        const Head h = HeadReader::read(a.cur_bytes, sh.codec);
        if ((h.prev & mask) != a.last) {
          done = true;  // a broken link
        } else if (!store_object(a, a.cur + sh.codec.size)) {
          sh.failed.store(true, std::memory_order_relaxed);
          return;
        } else {
          a.last = a.cur;
          a.cur = h.next & mask;
          a.cur_bytes = reader.locate(a.cur);
          if (a.cur_bytes != nullptr) __builtin_prefetch(a.cur_bytes);
        }
      }
      if (done) {
        a.segment->count = a.count;
        // A segment that failed fails the walk only if a head's chain needs it (a probe
        // that was no list node ends that way).
        if (!take(a)) {
          a = active[--live];
          continue;
        }
      }
      ++k;
    }
    since_poll += live;
    if (since_poll >= kPollEvery) {
      const size_t all = sh.steps.fetch_add(since_poll, std::memory_order_relaxed) + since_poll;
      since_poll = 0;
      // Past the object limit the ordinary walk truncates; no point holding more here.
      if (all > limits.max_objects) sh.failed.store(true, std::memory_order_relaxed);
      if (sh.failed.load(std::memory_order_relaxed)) return;
      if (is_main && limits.progress) limits.progress(all);
      // Every thread polls the deadline: a thread stuck in long segments must not wait for
      // the main thread to notice.
      if (limits.should_stop && limits.should_stop()) {
        sh.failed.store(true, std::memory_order_relaxed);
        return;
      }
    }
  }
}

}  // namespace

bool walk_gc_segments(const Memory& memory, const GcHeadCodec& codec,
                      const std::vector<GcList>& lists, const GcWalkLimits& limits, GcWalk& out) {
  uint64_t core_bytes = 0;
  for (const target::Region& r : memory.regions())
    if (r.origin == target::Origin::kCore) core_bytes += r.bytes.size();
  if (lists.empty() || core_bytes < limits.min_core_bytes_for_segments) return false;
  for (const GcList& l : lists)
    if (l.collecting) return false;  // prev links may hold gc_refs

  // One segment per list head, then one per split point: about one per MiB of core.
  const size_t wanted = std::clamp<size_t>(static_cast<size_t>(core_bytes >> 20), 64, 8192);
  Starts starts(lists.size() + wanted);
  std::vector<Segment> segments;
  segments.reserve(lists.size() + wanted);
  const HeadReader reader(memory, codec);
  for (size_t i = 0; i < lists.size(); ++i) {
    Head h;
    if (!reader.read(lists[i].head, h)) return false;
    if (!starts.insert(lists[i].head, static_cast<uint32_t>(segments.size())))
      return false;  // two lists with one head
    Segment s;
    s.start = lists[i].head;
    s.list = static_cast<int>(i);
    s.start_next = h.next & codec.pointer_mask;
    s.start_prev = h.prev & codec.pointer_mask;
    segments.push_back(std::move(s));
  }
  find_split_points(memory, codec, wanted, starts, segments);

  // Each thread's store has room for every object a walk within the limits can hold
  // (room, as walk_gc_lists reserves) and a part-filled chunk for every segment; untouched
  // room costs address space only.
  const unsigned threads = std::max(1u, limits.threads);
  const uint64_t room =
      std::min<uint64_t>({limits.max_objects, core_bytes / 32, uint64_t{1} << 28}) + 1;
  std::vector<std::unique_ptr<Chunks>> stores;
  try {
    for (unsigned t = 0; t < threads; ++t)
      stores.push_back(std::make_unique<Chunks>(static_cast<size_t>((room + kChunk - 1) / kChunk) +
                                                segments.size()));
  } catch (const std::bad_alloc&) {
    return false;  // no address space for it: the ordinary walk needs less
  }
  Shared shared{memory, codec, starts, segments, stores, core_bytes / 32 + 1};
  {
    on_threads(threads, [&](unsigned t) { follow(shared, limits, t); });
  }
  if (shared.failed.load()) return false;

  // Stitch: from each head, segment after segment until the head comes round again.
  std::vector<std::vector<uint32_t>> chains(lists.size());
  std::vector<bool> used(segments.size(), false);
  size_t total = 0;
  for (size_t i = 0; i < lists.size(); ++i) {
    uint32_t seg = static_cast<uint32_t>(i);  // the head's own segment
    uint64_t before = lists[i].head;          // the node before the segment's first
    for (;;) {
      const Segment& s = segments[seg];
      if (!s.ok || used[seg]) return false;
      if (s.list < 0 && s.start_prev != before) return false;  // checked like any node
      used[seg] = true;
      chains[i].push_back(seg);
      total += s.count;
      // Beyond the limit the ordinary walk truncates (and says where); a walk of exactly
      // max_objects objects is complete.
      if (total > limits.max_objects) return false;
      before = s.last;
      if (s.end == lists[i].head) break;
      seg = starts.find(s.end);
      if (seg == kNone || segments[seg].list >= 0) return false;  // into another list
    }
    if (segments[i].start_prev != before) return false;  // the head's prev is the tail
  }

  for (size_t i = 0; i < lists.size(); ++i) {
    size_t count = 0;
    for (uint32_t seg : chains[i]) {
      const Segment& s = segments[seg];
      for (size_t p = 0; p < s.parts.size(); ++p) {
        const uint64_t* chunk = stores[s.store]->chunk(s.parts[p]);
        out.objects.insert(out.objects.end(), chunk,
                           chunk + std::min(kChunk, s.count - p * kChunk));
      }
      count += s.count;
    }
    out.generation.insert(out.generation.end(), count, static_cast<uint8_t>(lists[i].generation));
    out.per_list[i] = static_cast<uint32_t>(count);
  }
  out.segments = segments.size();
  return true;
}

}  // namespace pycore::heap
