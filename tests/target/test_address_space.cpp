// Reading the process's memory: core bytes, file-backed bytes, and every way a read fails.
#include <elf.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "pycore/target/address_space.hpp"
#include "synthetic_core.hpp"

using namespace pycore::target;
using namespace pycore::target::testing;

namespace {

// Two adjacent segments, a gap, a segment dumped only in part, and one cut by truncation.
struct Layout {
  static constexpr uint64_t kA = 0x10000;  // 0x1000 bytes
  static constexpr uint64_t kB = 0x11000;  // 0x1000 bytes, adjacent to A
  static constexpr uint64_t kC = 0x20000;  // 0x800 of 0x2000 dumped
  static constexpr uint64_t kD = 0x30000;  // 0x1000 bytes, last in the file
  SyntheticCore spec;
  Layout() {
    spec.notes.push_back({"CORE", NT_AUXV, auxv({})});
    spec.loads.push_back({kA, 0x1000, PF_R | PF_W, pattern(0x1000, 1)});
    spec.loads.push_back({kB, 0x1000, PF_R, pattern(0x1000, 2)});
    spec.loads.push_back({kC, 0x2000, PF_R | PF_X, pattern(0x800, 3)});
    spec.loads.push_back({kD, 0x1000, PF_R | PF_W, pattern(0x1000, 4)});
  }
};

struct Loaded {
  CoreFile core;
  Modules modules;
  AddressSpace memory;
};

Loaded load(const Bytes& bytes) {
  auto core = load_core(MappedFile::from_memory("synthetic", bytes));
  REQUIRE(core.ok());
  auto modules = Modules::load(*core, {});
  REQUIRE(modules.ok());
  AddressSpace memory = AddressSpace::build(*core, *modules);
  return {std::move(core.value()), std::move(modules.value()), std::move(memory)};
}

std::byte expected(uint8_t seed, size_t i) {
  return pattern(i + 1, seed)[i];
}

}  // namespace

TEST_CASE("reads inside one segment come from the core", "[target][memory]") {
  Layout layout;
  Loaded l = load(layout.spec.build());
  auto& mem = l.memory;
  uint8_t buf[16];
  ReadResult r = mem.read(Layout::kA + 0x100, buf, sizeof buf);
  REQUIRE(r);
  CHECK(r.origin == Origin::kCore);
  for (size_t i = 0; i < sizeof buf; ++i) CHECK(std::byte{buf[i]} == expected(1, 0x100 + i));
  CHECK(mem.u8(Layout::kD + 5) == static_cast<uint8_t>(expected(4, 5)));
  CHECK(mem.u64(Layout::kD + 0xff8).has_value());
  CHECK_FALSE(mem.u64(Layout::kD + 0xff9).has_value());
  CHECK(mem.view(Layout::kA, 0x1000).size() == 0x1000);
  CHECK(mem.view(Layout::kA + 0x10, 4).data() != nullptr);
  CHECK(mem.read(Layout::kA, buf, 0));  // an empty read always succeeds
}

TEST_CASE("a read spanning adjacent segments is all-or-nothing", "[target][memory]") {
  Layout layout;
  Loaded l = load(layout.spec.build());
  auto& mem = l.memory;
  uint8_t buf[32];
  REQUIRE(mem.read(Layout::kB - 16, buf, sizeof buf));
  for (size_t i = 0; i < 16; ++i) CHECK(std::byte{buf[i]} == expected(1, 0x1000 - 16 + i));
  for (size_t i = 0; i < 16; ++i) CHECK(std::byte{buf[16 + i]} == expected(2, i));
  CHECK(mem.view(Layout::kB - 16, 32).empty());  // zero-copy only inside one region
  CHECK(mem.readable(Layout::kA, 0x2000));
  CHECK_FALSE(mem.readable(Layout::kA, 0x2001));

  // Past B lies a gap: the read fails where the gap starts and leaves the buffer alone.
  std::memset(buf, 0xAA, sizeof buf);
  ReadResult r = mem.read(Layout::kB + 0x1000 - 8, buf, sizeof buf);
  CHECK(r.fault == Fault::kUnmapped);
  CHECK(r.failed_at == Layout::kB + 0x1000);
  for (uint8_t b : buf) CHECK(b == 0xAA);
  r = mem.read(Layout::kA - 8, buf, 16);
  CHECK(r.fault == Fault::kUnmapped);
  CHECK(r.failed_at == Layout::kA - 8);
}

TEST_CASE("memory that was mapped but not dumped says so", "[target][memory]") {
  Layout layout;
  Loaded l = load(layout.spec.build());
  uint8_t buf[16];
  REQUIRE(l.memory.read(Layout::kC + 0x7f0, buf, 16));
  ReadResult r = l.memory.read(Layout::kC + 0x7f8, buf, 16);
  CHECK(r.fault == Fault::kNotDumped);
  CHECK(r.failed_at == Layout::kC + 0x800);
  CHECK(l.memory.read(Layout::kC + 0x1ff0, buf, 16).fault == Fault::kNotDumped);
  CHECK(l.memory.read(Layout::kC + 0x2000, buf, 1).fault == Fault::kUnmapped);
}

TEST_CASE("bytes a truncated core lost are faults of their own", "[target][memory]") {
  Layout layout;
  Bytes bytes = layout.spec.build();
  bytes.resize(layout.spec.load_offset(3) + 0x100);
  Loaded l = load(bytes);
  REQUIRE(l.core.truncated);
  uint8_t buf[16];
  REQUIRE(l.memory.read(Layout::kD + 0xf0, buf, 16));
  ReadResult r = l.memory.read(Layout::kD + 0xf8, buf, 16);
  CHECK(r.fault == Fault::kTruncated);
  CHECK(r.failed_at == Layout::kD + 0x100);
  CHECK(l.memory.read(Layout::kD + 0x800, buf, 1).fault == Fault::kTruncated);
}

TEST_CASE("C strings are read across regions and bounded", "[target][memory]") {
  Layout layout;
  const char text[] = "hello, core";
  // The string starts 5 bytes before the end of A and ends in B.
  std::memcpy(layout.spec.loads[0].data.data() + 0x1000 - 5, text, 5);
  std::memcpy(layout.spec.loads[1].data.data(), text + 5, sizeof text - 5);
  Loaded l = load(layout.spec.build());
  CHECK(l.memory.cstring(Layout::kA + 0x1000 - 5) == "hello, core");
  CHECK_FALSE(l.memory.cstring(Layout::kA + 0x1000 - 5, 4));  // no NUL within 4 bytes
  CHECK_FALSE(l.memory.cstring(Layout::kC + 0x7fc));          // runs into an undumped part
  CHECK_FALSE(l.memory.cstring(0x5));
}

TEST_CASE("regions are sorted, disjoint and say where they come from", "[target][memory]") {
  Layout layout;
  // An overlapping segment must not produce overlapping regions.
  layout.spec.loads.push_back({Layout::kA + 0x800, 0x1000, PF_R, pattern(0x1000, 7)});
  Loaded l = load(layout.spec.build());
  const auto& regions = l.memory.regions();
  REQUIRE(regions.size() >= 4);
  for (size_t i = 1; i < regions.size(); ++i) CHECK(regions[i - 1].end <= regions[i].start);
  for (const auto& r : regions) {
    CHECK(r.bytes.size() == r.end - r.start);
    CHECK(r.origin == Origin::kCore);
  }
  CHECK(regions.front().writable);
  CHECK(l.memory.u8(Layout::kA + 0x900) == static_cast<uint8_t>(expected(1, 0x900)));
}

TEST_CASE("overlapping NT_FILE mappings fill each address once", "[target][memory]") {
  // A damaged NT_FILE (found by the sanitizer run of the random-damage test): the first
  // mapping's end overlaps the next one, and no segment covers either. Both are filled
  // from the same trusted file; the regions must stay disjoint and readable to their end.
  FakeProcess fake{"/proc/self/exe"};
  fake.mapped_path = "/proc/self/exe";
  SyntheticCore spec = fake.build();
  spec.loads.clear();
  spec.notes.pop_back();
  spec.notes.push_back(
      {"CORE", NT_FILE,
       file_note(4096, {{fake.base, fake.base + 0x8000, 0, "/proc/self/exe"},
                        {fake.base + 0x4000, fake.base + 0x6000, 4, "/proc/self/exe"}})});
  Loaded l = load(spec.build());
  const auto& regions = l.memory.regions();
  REQUIRE(!regions.empty());
  for (size_t i = 1; i < regions.size(); ++i) CHECK(regions[i - 1].end <= regions[i].start);
  uint8_t last = 0;
  for (const auto& r : regions) CHECK(l.memory.read(r.end - 1, &last, 1));
  CHECK(l.memory.readable(fake.base, 0x8000));
}
