// The pieces of the object graph that need no interpreter: the address index and the
// refcount rules.
#include <catch2/catch.hpp>
#include <random>

#include "address_index.hpp"
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
