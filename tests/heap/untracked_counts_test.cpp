// The per-object reference counters of untracked objects (untracked_counts.hpp) against a
// plain map, including the cases the corpus rarely reaches: counts past a slot's 63, two
// small objects in one 32-byte slot, addresses outside every region, many threads.
#include "untracked_counts.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <thread>

using namespace pycore::heap;

namespace {

std::vector<pycore::target::Region> regions() {
  std::vector<pycore::target::Region> r(3);
  r[0].start = 0x10000, r[0].end = 0x30000;
  r[1].start = 0x30000, r[1].end = 0x31008;  // adjacent, ends off a 32-byte boundary
  r[2].start = 0x7f0000001000, r[2].end = 0x7f0000101000;
  return r;
}

// Everything counted at least `min` times, from the slots (ascending, in two shares) and
// the map; each address once.
std::map<uint64_t, uint64_t> counted(const UntrackedCounts& c, uint64_t min = 1) {
  std::map<uint64_t, uint64_t> out;
  uint64_t last = 0;
  auto take = [&](uint64_t address, uint64_t references) {
    CHECK(out.emplace(address, references).second);
  };
  for (unsigned part = 0; part < 2; ++part)
    c.for_each_in_slots(min, part, 2, [&](uint64_t address, uint64_t references) {
      CHECK(address > last);
      last = address;
      take(address, references);
    });
  c.for_each_in_map(min, take);
  return out;
}

}  // namespace

TEST_CASE("untracked references are counted exactly", "[graph]") {
  auto r = regions();
  UntrackedCounts counts(r);
  std::map<uint64_t, uint64_t> expected;
  std::vector<uint64_t> batch;
  auto add = [&](uint64_t a, uint64_t times) {
    for (uint64_t i = 0; i < times; ++i) batch.push_back(a);
    expected[a] += times;
  };
  add(0x10000, 1);
  add(0x10008, 2);     // the same 32-byte slot as 0x10000 (two 16-byte objects)
  add(0x10018, 3);     // and a third
  add(0x10040, 63);    // a full slot
  add(0x10060, 64);    // one past it
  add(0x10088, 1000);  // far past it, offset 8
  add(0x31000, 5);     // the last slot of a region that ends mid-slot
  add(0x7f0000100ff0, 2);
  add(0x5000, 7);          // below every region
  add(0x7f0000200000, 1);  // above every region
  add(0x7f0000000ff8, 4);  // in the gap between regions
  add(0x10103, 2);         // misaligned (counted unchecked): kept exactly, apart from 0x10100
  add(0x10100, 1);
  std::shuffle(batch.begin(), batch.end(), std::mt19937(7));
  counts.add(batch);
  CHECK(counted(counts) == expected);
  auto twice = counted(counts, 2);
  CHECK(twice.count(0x10000) == 0);
  CHECK(twice.count(0x7f0000200000) == 0);
  CHECK(twice.at(0x10060) == 64);
  for (const auto& [address, references] : expected)
    CHECK(counts.references_to(address) == references);
  CHECK(counts.references_to(0x10020) == 0);
  CHECK(counts.references_to(0x10048) == 0);  // in a counted slot, at another offset
  // Visited in shares (as the judging threads do): each address exactly once.
  for (unsigned parts : {1u, 2u, 3u, 7u}) {
    std::map<uint64_t, uint64_t> seen;
    for (unsigned part = 0; part < parts; ++part) {
      counts.for_each_in_slots(1, part, parts, [&](uint64_t a, uint64_t n) {
        CHECK(seen.count(a) == 0);
        seen[a] = n;
      });
    }
    counts.for_each_in_map(1, [&](uint64_t a, uint64_t n) {
      CHECK(seen.count(a) == 0);
      seen[a] = n;
    });
    CHECK(seen == expected);
  }
  counts.release();
  CHECK(counted(counts).empty());
}

TEST_CASE("untracked references from several threads add up", "[graph]") {
  auto r = regions();
  UntrackedCounts counts(r);
  std::vector<uint64_t> targets;
  for (uint64_t a = 0x10000; a < 0x30000; a += 48) targets.push_back(a);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      UntrackedBatch batch(counts);
      for (int round = 0; round < 25; ++round)
        for (uint64_t a : targets) batch.push(a);
    });
  for (auto& t : threads) t.join();
  auto got = counted(counts);
  REQUIRE(got.size() == targets.size());
  for (uint64_t a : targets) CHECK(got[a] == 100);
}
