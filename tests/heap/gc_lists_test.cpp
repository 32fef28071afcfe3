// GC list walking on synthetic memory: intact lists, broken links, a core taken during a
// collection, loops, and the 3.6/3.7 head layout.
#include "pycore/heap/gc_lists.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "support.hpp"

using namespace pycore;
using namespace pycore::heap;

namespace {

constexpr uint64_t kHead = 0x1000;     // the list head (in the GC state)
constexpr uint64_t kNodes = 0x100000;  // first node's PyGC_Head
constexpr uint64_t kStride = 64;

GcHeadCodec packed_codec() {
  GcHeadCodec c;  // 3.8+: 16-byte head, flags in the low bits of _gc_prev
  c.size = 16;
  c.next_off = 0;
  c.prev_off = 8;
  c.pointer_mask = ~uint64_t{3};
  c.collecting_bit = 2;
  return c;
}

uint64_t node(size_t i) {
  return kNodes + i * kStride;
}

// head <-> node(0) <-> ... <-> node(n-1) <-> head, in `order` of node numbers.
void link(test::FakeMemory& m, const std::vector<size_t>& order, uint64_t prev_flags = 0) {
  uint64_t prev = kHead;
  for (size_t i : order) {
    m.put64(prev + 0, node(i));
    m.put64(node(i) + 8, prev | prev_flags);
    prev = node(i);
  }
  m.put64(prev + 0, kHead);
  m.put64(kHead + 8, prev);
}

struct Fixture {
  test::FakeMemory fake;
  Fixture() {
    fake.add(kHead, 0x100);
    fake.add(kNodes, 0x10000);
  }
  // The ordinary walk's result, after checking that the segmented walk (gc_segments.hpp),
  // forced on, ends the same: identical when it succeeds, the ordinary walk when it gives up.
  GcWalk walk(bool collecting = false, const GcHeadCodec& codec = packed_codec(),
              size_t max_objects = GcWalkLimits{}.max_objects) {
    Memory mem(fake.regions());
    GcList list;
    list.head = kHead;
    list.generation = 2;
    list.collecting = collecting;
    GcWalkLimits ordinary;
    ordinary.max_objects = max_objects;
    ordinary.min_core_bytes_for_segments = UINT64_MAX;
    GcWalk w = walk_gc_lists(mem, codec, {list}, ordinary);
    GcWalkLimits forced = ordinary;
    forced.min_core_bytes_for_segments = 0;
    forced.threads = 2;
    segmented = walk_gc_lists(mem, codec, {list}, forced);
    CHECK(std::vector<uint64_t>(segmented.objects.begin(), segmented.objects.end()) ==
          std::vector<uint64_t>(w.objects.begin(), w.objects.end()));
    CHECK(std::vector<uint8_t>(segmented.generation.begin(), segmented.generation.end()) ==
          std::vector<uint8_t>(w.generation.begin(), w.generation.end()));
    CHECK(segmented.per_list == w.per_list);
    CHECK(breaks(segmented) == breaks(w));
    CHECK(segmented.notes == w.notes);
    CHECK(segmented.next_only == w.next_only);
    CHECK(segmented.truncated == w.truncated);
    CHECK(segmented.timed_out == w.timed_out);
    return w;
  }
  static std::vector<std::string> breaks(const GcWalk& w) {
    std::vector<std::string> out;
    for (const GcListBreak& b : w.breaks)
      out.push_back(std::to_string(b.list) + " " + std::to_string(b.at) + " " +
                    std::to_string(b.last_good) + " " + std::to_string(b.backwards) + " " +
                    std::to_string(b.unreadable) + " " + b.what);
    return out;
  }
  GcWalk segmented;  // of the last walk()
};

// Node numbers 0 .. n-1, in that order.
std::vector<size_t> first_nodes(size_t n) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  return order;
}

std::vector<uint64_t> objects(const GcWalk& w) {
  return {w.objects.begin(), w.objects.end()};
}

std::vector<uint64_t> expected(const std::vector<size_t>& order, uint64_t head_size = 16) {
  std::vector<uint64_t> out;
  for (size_t i : order) out.push_back(node(i) + head_size);
  return out;
}

}  // namespace

TEST_CASE("an intact list is walked in list order from both ends", "[gc_lists]") {
  for (size_t n : {0u, 1u, 2u, 3u, 10u, 101u}) {
    Fixture f;
    std::vector<size_t> order;
    for (size_t i = 0; i < n; ++i) order.push_back((i * 7) % n);  // not address order
    if (n == 0) {
      f.fake.put64(kHead, kHead);
      f.fake.put64(kHead + 8, kHead);
    } else {
      link(f.fake, order);
    }
    GcWalk w = f.walk();
    CHECK(objects(w) == expected(order));
    CHECK(w.breaks.empty());
    CHECK(w.per_list.at(0) == n);
    CHECK(w.segments == 0);
    CHECK(f.segmented.segments != 0);               // the segmented walk did not fall back
    if (n == 101) CHECK(f.segmented.segments > 1);  // probing found split points
    CHECK_FALSE(w.next_only);
    for (uint8_t g : w.generation) CHECK(g == 2);
  }
}

TEST_CASE("a broken prev link is reported and the rest is found from the tail", "[gc_lists]") {
  Fixture f;
  std::vector<size_t> order = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  link(f.fake, order);
  f.fake.put64(node(3) + 8, 0xdead0);  // node 3's prev no longer names node 2
  GcWalk w = f.walk();
  REQUIRE(w.breaks.size() >= 1);
  // One end stops at node 3; the other end keeps going until it meets the first.
  const GcListBreak& b = w.breaks.front();
  CHECK(b.at == node(3));
  CHECK(b.last_good == node(2));
  CHECK_FALSE(b.backwards);
  // Every node but possibly node 3 itself (its own prev link is the broken one) is found.
  std::vector<uint64_t> got = objects(w);
  for (size_t i : order)
    if (i != 3) CHECK(std::count(got.begin(), got.end(), node(i) + 16) == 1);
}

TEST_CASE("an unreadable node ends one side; the other side finds the rest", "[gc_lists]") {
  Fixture f;
  link(f.fake, {0, 1, 2, 3, 4, 5});
  f.fake.put64(node(2) + 0, 0x7000000);  // node 2's next leads outside memory
  GcWalk w = f.walk();
  REQUIRE_FALSE(w.breaks.empty());
  bool unreadable = false;
  for (const auto& b : w.breaks) unreadable |= b.at == 0x7000000 || b.at == node(2);
  CHECK(unreadable);
  std::vector<uint64_t> got = objects(w);
  for (size_t i = 0; i < 6; ++i) CHECK(std::count(got.begin(), got.end(), node(i) + 16) == 1);
}

TEST_CASE("a list being collected is walked through next links only", "[gc_lists]") {
  Fixture f;
  std::vector<size_t> order = {0, 1, 2, 3, 4};
  link(f.fake, order);
  // update_refs(): _gc_prev holds gc_refs << 2 with the COLLECTING bit.
  for (size_t i : order) f.fake.put64(node(i) + 8, (uint64_t{3} << 2) | 2);
  GcWalk w = f.walk(/*collecting=*/true);
  CHECK(w.breaks.empty());
  CHECK(w.next_only);
  CHECK(objects(w) == expected(order));
  CHECK_FALSE(w.notes.empty());
}

TEST_CASE("next links that loop without reaching the head stop the walk", "[gc_lists]") {
  Fixture f;
  std::vector<size_t> order = {0, 1, 2, 3, 4, 5};
  link(f.fake, order);
  for (size_t i : order) f.fake.put64(node(i) + 8, 2);  // mid-collection: no back links
  f.fake.put64(node(5) + 0, node(2));                   // ... and a loop 5 -> 2
  GcWalk w = f.walk(/*collecting=*/true);
  REQUIRE_FALSE(w.breaks.empty());
  CHECK(w.breaks.front().what.find("loop") != std::string::npos);
  CHECK(w.objects.size() < 20);
}

TEST_CASE("3.6/3.7 heads are 32 bytes with gc_refs in their own word", "[gc_lists]") {
  Fixture f;
  GcHeadCodec c;
  c.size = 32;
  c.next_off = 0;
  c.prev_off = 8;
  c.refs_off = 16;
  c.pointer_mask = ~uint64_t{0};
  std::vector<size_t> order = {2, 0, 1};
  link(f.fake, order);
  for (size_t i : order) f.fake.put64(node(i) + 16, static_cast<uint64_t>(-3 * 2));  // REACHABLE
  GcWalk w = f.walk(false, c);
  CHECK(w.breaks.empty());
  CHECK(objects(w) == expected(order, 32));
}

TEST_CASE("the walk stops at the object limit and says so", "[gc_lists]") {
  Fixture f;
  link(f.fake, first_nodes(50));
  GcWalk w = f.walk(false, packed_codec(), 10);
  CHECK(w.truncated);
  CHECK(w.objects.size() == 10);
  CHECK_FALSE(w.notes.empty());
}

TEST_CASE("a consistent ring that is no list of ours is probed but left out", "[gc_lists]") {
  Fixture f;
  std::vector<size_t> order = {4, 0, 3, 1, 2};
  link(f.fake, order);
  // Nodes 100..199 link into a ring of their own, every link checking out both ways: probes
  // take them as split points, and no list head reaches them.
  for (size_t i = 100; i < 200; ++i) {
    const size_t next = i + 1 == 200 ? 100 : i + 1;
    f.fake.put64(node(i) + 0, node(next));
    f.fake.put64(node(next) + 8, node(i));
  }
  GcWalk w = f.walk();
  CHECK(objects(w) == expected(order));
  CHECK(f.segmented.segments > 1 + 5);  // split points from the ring were used
}

TEST_CASE("a walk of exactly the object limit is complete, one more is truncated", "[gc_lists]") {
  // Both walks agree (the fixture compares them): the limit truncates only when an object
  // beyond it is left. Lists of an even and an odd length: the two ends meet differently.
  for (size_t limit : {10u, 11u}) {
    for (size_t n : {limit - 1, limit, limit + 1}) {
      INFO(n << " objects, limit " << limit);
      Fixture f;
      link(f.fake, first_nodes(n));
      const GcWalk w = f.walk(false, packed_codec(), limit);
      CHECK(w.truncated == (n > limit));
      CHECK(w.objects.size() == std::min(n, limit));
      if (n <= limit) CHECK(objects(w) == expected(first_nodes(n)));
      CHECK(w.notes.empty() == (n <= limit));
      CHECK((f.segmented.segments != 0) == (n <= limit));
    }
  }
}

TEST_CASE("an empty list after a full walk does not truncate it", "[gc_lists]") {
  Fixture f;
  link(f.fake, first_nodes(10));
  Memory mem(f.fake.regions());
  GcList full, empty;
  full.head = kHead;
  full.generation = 2;
  // A second head whose links point at itself: an empty generation.
  empty.head = kHead + 0x40;
  empty.generation = 1;
  f.fake.put64(empty.head, empty.head);
  f.fake.put64(empty.head + 8, empty.head);
  GcWalkLimits limits;
  limits.max_objects = 10;
  limits.min_core_bytes_for_segments = UINT64_MAX;
  const GcWalk w = walk_gc_lists(mem, packed_codec(), {full, empty}, limits);
  CHECK_FALSE(w.truncated);
  CHECK(w.lists_not_walked == 0);
  CHECK(w.objects.size() == 10);
}

TEST_CASE("every thread of the segmented walk polls the time limit", "[gc_lists]") {
  // A deadline that only the helper threads see: if they poll it, the segmented walk gives
  // up and the ordinary walk (on this thread, which never sees it) does the whole list.
  constexpr size_t kNodesInList = 200000;
  test::FakeMemory fake;
  fake.add(kHead, 0x100);
  fake.add(kNodes, kNodesInList * kStride);
  link(fake, first_nodes(kNodesInList));
  Memory mem(fake.regions());
  GcList list;
  list.head = kHead;
  list.generation = 2;
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<size_t> polls_elsewhere{0};
  bool waited = false;  // thread 0's only
  GcWalkLimits limits;
  limits.min_core_bytes_for_segments = 0;
  limits.threads = 2;
  // The calling thread (thread 0) waits at its first poll until another thread has
  // polled, leaving it the rest of the list; it gives up waiting after 5 s, so a helper that
  // never polls fails the test instead of hanging it.
  limits.should_stop = [&] {
    if (std::this_thread::get_id() != caller) {
      ++polls_elsewhere;
      return true;
    }
    for (int k = 0; k < 5000 && polls_elsewhere.load() == 0 && !waited; ++k)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    waited = true;
    return false;
  };
  const GcWalk w = walk_gc_lists(mem, packed_codec(), {list}, limits);
  CHECK(polls_elsewhere.load() > 0);
  CHECK(w.segments == 0);  // the segmented walk stopped
  CHECK_FALSE(w.timed_out);
  CHECK(w.objects.size() == kNodesInList);
}
