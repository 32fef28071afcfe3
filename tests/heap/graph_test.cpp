// The pieces of the object graph that need no interpreter: the address index and the
// refcount rules.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "address_index.hpp"
#include "graph_build.hpp"
#include "object_check.hpp"

using namespace pycore::heap;

TEST_CASE("the address index numbers objects in address order", "[graph]") {
  // Clusters far apart (separate spans) and dense runs inside them.
  std::vector<uint64_t> addresses;
  for (uint64_t base : {0x10000ull, 0x7f0000000000ull, 0x7f0000800000ull})
    for (uint64_t i = 0; i < 1000; ++i) addresses.push_back(base + i * 48 + (i % 3) * 16);
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  AddressIndex index;
  index.build(addresses.data(), addresses.size());
  for (size_t i = 0; i < addresses.size(); ++i) {
    REQUIRE(index.find(addresses[i]) == i);
    CHECK(index.contains(addresses[i]));
  }
  CHECK(index.find(addresses[5] + 8) == kNoObject);  // between objects
  CHECK(index.find(addresses[5] + 1) == kNoObject);  // misaligned
  CHECK(index.find(0) == kNoObject);
  CHECK(index.find(0x7f0000400000ull) == kNoObject);  // in a gap between spans
  CHECK(index.find(~uint64_t{7}) == kNoObject);
  CHECK(index.bytes() > 0);
}

TEST_CASE("the address index agrees with a set on random addresses", "[graph]") {
  std::mt19937_64 rng(42);
  std::vector<uint64_t> addresses;
  for (int i = 0; i < 20000; ++i)
    addresses.push_back(0x7f0000000000ull + (rng() % (1u << 26)) * 16);
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  AddressIndex index;
  index.build(addresses.data(), addresses.size());
  for (int i = 0; i < 20000; ++i) {
    uint64_t probe = 0x7f0000000000ull + (rng() % (1u << 26)) * 16;
    auto it = std::lower_bound(addresses.begin(), addresses.end(), probe);
    uint32_t want = it != addresses.end() && *it == probe
                        ? static_cast<uint32_t>(it - addresses.begin())
                        : kNoObject;
    REQUIRE(index.find(probe) == want);
  }
}

TEST_CASE("the address index finds nothing beside its spans inside their granules", "[graph]") {
  // Sparse small clusters: many spans, each starting and ending inside a 1 MiB granule
  // whose other bytes belong to no span; probes near their edges must find nothing.
  std::mt19937_64 rng(9);
  std::vector<uint64_t> addresses;
  for (int c = 0; c < 300; ++c) {
    const uint64_t base =
        0x7f0000000000ull + (rng() % (1u << 20)) * (uint64_t{1} << 20) + (rng() % (1u << 16)) * 8;
    for (uint64_t i = 0; i < 1 + rng() % 40; ++i) addresses.push_back(base + i * 64);
  }
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  AddressIndex index;
  index.build(addresses.data(), addresses.size());
  auto want = [&](uint64_t probe) {
    auto it = std::lower_bound(addresses.begin(), addresses.end(), probe);
    return it != addresses.end() && *it == probe ? static_cast<uint32_t>(it - addresses.begin())
                                                 : kNoObject;
  };
  for (uint64_t a : addresses)
    for (int64_t d : {0, -8, 8, -64, 64, -4096, 4096, -0x80000, 0x80000, -(1 << 20), 1 << 20})
      REQUIRE(index.find(a + static_cast<uint64_t>(d)) == want(a + static_cast<uint64_t>(d)));
}

TEST_CASE("the address index numbers unsorted addresses as the sorted build does", "[graph]") {
  std::mt19937_64 rng(7);
  // Dense clusters, a sparse stretch, repeats and misaligned values, shuffled.
  std::vector<uint64_t> input;
  for (uint64_t base : {0x10000ull, 0x7f0000000000ull, 0x7f0000130000ull})
    for (uint64_t i = 0; i < 3000; ++i) input.push_back(base + i * 32 + (i % 5) * 8);
  for (int i = 0; i < 500; ++i) input.push_back(0x7f1000000000ull + (rng() % (1u << 30)) * 16);
  const size_t distinct_input = input.size();
  for (int i = 0; i < 40; ++i) input.push_back(input[rng() % distinct_input]);  // repeats
  for (int i = 0; i < 7; ++i) input.push_back(0x7f0000000003ull + 16 * i);      // misaligned
  std::shuffle(input.begin(), input.end(), rng);
  std::vector<uint64_t> sorted;
  for (uint64_t a : input)
    if ((a & 7) == 0) sorted.push_back(a);
  std::sort(sorted.begin(), sorted.end());
  const size_t aligned = sorted.size();
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (unsigned threads : {1u, 2u, 3u}) {
    AddressIndex index;
    const AddressIndex::Unsorted built = index.build_unsorted(input.data(), input.size(), threads);
    CHECK(built.misaligned == 7);
    CHECK(built.repeats == aligned - sorted.size());
    REQUIRE(index.size() == sorted.size());
    for (size_t i = 0; i < sorted.size(); ++i) REQUIRE(index.find(sorted[i]) == i);
    CHECK(index.find(sorted[3] + 8) == kNoObject);
    CHECK(index.find(0x7f0000000003ull) == kNoObject);
    std::vector<uint64_t> written = input;  // written over the input, as the graph does
    index.write_addresses(written.data(), threads);
    written.resize(index.size());
    CHECK(written == sorted);
  }
  AddressIndex empty;
  CHECK(empty.build_unsorted(nullptr, 0, 2).repeats == 0);
  CHECK(empty.size() == 0);
  CHECK(empty.find(0x10000) == kNoObject);
}

TEST_CASE("objects are numbered with the generation of the first list they are on", "[graph]") {
  // Lists walked in the order gen 0, gen 1, gen 2; gen 2 is the usual one. With a repeat,
  // the object keeps the generation of the list walked first; a misaligned node is left out.
  constexpr uint64_t A = 0x7f0000001000, B = 0x7f0000000100, C = 0x7f0000200040, D = 0x7f0000000040,
                     E = 0x7f0000300000, F = 0x7f0000001800, M = D + 3;
  for (bool repeat : {false, true}) {
    INFO((repeat ? "A on two lists" : "no repeats"));
    GcWalk walk;
    std::vector<std::pair<uint64_t, uint8_t>> walked = {{A, 0}, {B, 0}, {C, 1}, {D, 2},
                                                        {E, 2}, {F, 2}, {M, 2}};
    if (repeat) walked.insert(walked.begin() + 5, {A, 2});
    for (auto [address, generation] : walked) {
      walk.objects.push_back(address);
      walk.generation.push_back(generation);
    }
    BuildOptions options;
    options.min_objects_per_thread = 1;
    ObjectGraph g;
    const AddressIndex::Unsorted numbered = number_objects(walk, g, 16, options);
    CHECK(numbered.repeats == (repeat ? 1 : 0));
    CHECK(numbered.misaligned == 1);
    const std::vector<uint64_t> sorted = {D, B, A, F, C, E};
    CHECK(std::vector<uint64_t>(g.address.begin(), g.address.end()) == sorted);
    CHECK(std::vector<uint8_t>(g.generation.begin(), g.generation.end()) ==
          std::vector<uint8_t>{2, 0, 0, 2, 1, 2});
    CHECK(g.address.capacity() >= 16);
    for (size_t i = 0; i < sorted.size(); ++i) CHECK(g.index.find(sorted[i]) == i);
  }
}

TEST_CASE("an empty address index finds nothing", "[graph]") {
  AddressIndex index;
  index.build(nullptr, 0);
  CHECK(index.find(0x1000) == kNoObject);
}

TEST_CASE("refcount rules before and after immortal objects", "[graph]") {
  RefcountRules plain{false};
  CHECK(plain.judge(1) == Verdict::kOk);
  CHECK(plain.judge(0) == Verdict::kZeroRefcount);
  CHECK(plain.judge(-1) == Verdict::kBadRefcount);
  CHECK(plain.judge(int64_t{1} << 41) == Verdict::kBadRefcount);  // a pointer, not a count
  CHECK_FALSE(plain.immortal(0xFFFFFFFF));

  RefcountRules immortal{true};
  CHECK(immortal.immortal(0xFFFFFFFF));  // _Py_IMMORTAL_REFCNT (3.12/3.13)
  CHECK(immortal.immortal(0xC0000000));  // 3.14's initial immortal count
  CHECK_FALSE(immortal.immortal(5));
  CHECK(immortal.judge(0xFFFFFFFF) == Verdict::kOk);
  CHECK(immortal.judge(3) == Verdict::kOk);
  // 3.12+ increments only touch the low 32 bits: a set high half is no refcount.
  CHECK(immortal.judge(0x7f0012345678) == Verdict::kBadRefcount);
  CHECK(immortal.judge(0) == Verdict::kZeroRefcount);
}
