// Memory's bounds: a read is served only when every byte lies in one region, whichever of
// its caches answers, at the regions' edges and near the top of the address space.
#include "pycore/heap/memory.hpp"

#include <catch2/catch.hpp>
#include <cstdint>

#include "support.hpp"

using namespace pycore;
using heap::Memory;

TEST_CASE("Memory reads only bytes that lie in one region", "[memory]") {
  test::FakeMemory fake;
  fake.add(0x10000, 0x1000);                // [0x10000, 0x11000)
  fake.add(0x11000, 0x1000);                // adjacent: a read across the boundary straddles two
  fake.add(0x200000, 0x10);                 // a tiny region in another 1 MiB granule
  const uint64_t top = 0xffffffffff600000;  // where x86-64 puts [vsyscall]
  fake.add(top, 0x1000);
  Memory m(fake.regions());
  // Each read twice: the second is answered by the caches the first filled.
  for (int pass = 0; pass < 2; ++pass) {
    INFO("pass " << pass);
    CHECK(m.at(0x10000, 8) != nullptr);
    CHECK(m.at(0x10ff8, 8) != nullptr);
    CHECK(m.at(0x10ff9, 8) == nullptr);  // straddles into the next region
    CHECK(m.at(0x10000, 0x1000) != nullptr);
    CHECK(m.at(0x10000, 0x1001) == nullptr);
    CHECK(m.at(0xfff8, 8) == nullptr);  // starts before the region
    CHECK(m.at(0xffff, 2) == nullptr);
    CHECK(m.at(0x200008, 8) != nullptr);
    CHECK(m.at(0x200009, 8) == nullptr);
    CHECK(m.at(0x200000, 0x11) == nullptr);  // longer than the region
    CHECK(m.at(top + 0xff8, 8) != nullptr);
    CHECK(m.at(top + 0xff9, 8) == nullptr);
    CHECK(m.at(UINT64_MAX - 3, 8) == nullptr);        // address + len wraps
    CHECK(m.at(top + 8, UINT64_MAX - 4) == nullptr);  // so does len
    CHECK(m.at(0x50000, 8) == nullptr);               // in no region
  }
  // The same reads after the caches hold the other regions.
  CHECK(m.at(0x200000, 8) != nullptr);
  CHECK(m.at(0x10ff9, 8) == nullptr);
  CHECK(m.at(top + 0xff9, 8) == nullptr);
  // read() falls back to nothing here (no AddressSpace): all or nothing.
  uint64_t v = 1;
  CHECK_FALSE(m.read(0x10ffc, &v, 8));
  CHECK(m.read(0x10ff8, &v, 8));
}
