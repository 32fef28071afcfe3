// pymalloc on synthetic memory: arena table (<= 3.9) and 64-bit radix tree (3.11+), block
// states from the pool header and its free list, and "cannot tell" without the roots.
#include "pycore/heap/pymalloc.hpp"

#include <catch2/catch.hpp>

#include "support.hpp"

using namespace pycore;
using namespace pycore::heap;

namespace {

// One pool of 32-byte blocks: 0, 2, 4 handed out, 1 and 3 freed (free list 1 -> 3), the
// rest never used.
void make_pool(test::FakeMemory& m, uint64_t pool, uint32_t pool_size) {
  const uint64_t hdr = 48, size = 32;
  m.put32(pool + 0, 3);                                         // ref.count
  m.put64(pool + 8, pool + hdr + 1 * size);                     // freeblock -> block 1
  m.put64(pool + hdr + 1 * size, pool + hdr + 3 * size);        // block 1 -> block 3
  m.put64(pool + hdr + 3 * size, 0);                            // block 3 -> end
  m.put32(pool + 32, 0);                                        // arenaindex
  m.put32(pool + 36, 1);                                        // szidx: (1 + 1) * 16 = 32 bytes
  m.put32(pool + 40, static_cast<uint32_t>(hdr + 5 * size));    // nextoffset
  m.put32(pool + 44, pool_size - static_cast<uint32_t>(size));  // maxnextoffset
}

void check_states(const Pymalloc& p, const Memory& mem, uint64_t pool) {
  const uint64_t b = pool + 48;
  CHECK(p.classify(mem, b).state == BlockState::kAllocated);
  CHECK(p.classify(mem, b + 8).state == BlockState::kAllocated);  // inside block 0
  CHECK(p.classify(mem, b + 8).block == b);
  CHECK(p.classify(mem, b + 32).state == BlockState::kFree);
  CHECK(p.classify(mem, b + 64).state == BlockState::kAllocated);
  CHECK(p.classify(mem, b + 96 + 16).state == BlockState::kFree);
  CHECK(p.classify(mem, b + 128).state == BlockState::kAllocated);
  CHECK(p.classify(mem, b + 160).state == BlockState::kNeverAllocated);
  CHECK(p.classify(mem, pool + 8).state == BlockState::kPoolHeader);
  CHECK(p.classify(mem, b).block_size == 32);
}

}  // namespace

TEST_CASE("arena table: blocks of a pool are allocated, free or never used", "[pymalloc]") {
  test::FakeMemory fake;
  const uint64_t arenas = 0x2000, arena = 0x400000, pool = arena + 0x1000;
  fake.add(arenas, 0x100);
  fake.add(arena, 0x40000);
  fake.put64(arenas + 0, arena);  // arenas[0].address
  make_pool(fake, pool, 4096);
  Pymalloc::Config c;
  c.index = ArenaIndex::kTable;
  c.pool_size = 4096;
  c.arena_size = 256 * 1024;
  c.arenas = arenas;
  c.maxarenas = 1;
  Pymalloc p(c);
  Memory mem(fake.regions());
  check_states(p, mem, pool);

  SECTION("an empty pool frees every block") {
    fake.put32(pool, 0);
    CHECK(p.classify(mem, pool + 48).state == BlockState::kPoolEmpty);
  }
  SECTION("an address outside every arena is not pymalloc's") {
    fake.put64(arenas + 0, 0x900000);  // arena 0 lives elsewhere
    CHECK(p.classify(mem, pool + 48).state == BlockState::kNotPymalloc);
  }
}

TEST_CASE("radix tree: the arena map decides, then the pool", "[pymalloc]") {
  test::FakeMemory fake;
  const uint64_t root = 0x10000, mid = 0x100000, bot = 0x200000;
  const uint64_t arena = 0x7f0000400000, pool = arena + 0x4000;
  fake.add(root, 32768 * 8);
  fake.add(mid, 32768 * 8);
  fake.add(bot, 16384 * 8);
  fake.add(arena, 0x100000);
  fake.put64(root + ((arena >> 49) & 0x7fff) * 8, mid);
  fake.put64(mid + ((arena >> 34) & 0x7fff) * 8, bot);
  const uint64_t leaf = bot + ((arena >> 20) & 0x3fff) * 8;
  fake.put32(leaf + 0, static_cast<uint32_t>(-1));  // tail_hi: an arena-aligned arena
  fake.put32(leaf + 4, 0);                          // tail_lo
  make_pool(fake, pool, 16384);
  Pymalloc::Config c;
  c.index = ArenaIndex::kRadix64;
  c.pool_size = 16384;
  c.arena_size = 1 << 20;
  c.map_root = root;
  Pymalloc p(c);
  Memory mem(fake.regions());
  check_states(p, mem, pool);
  CHECK(p.classify(mem, 0x7f0000000000).state == BlockState::kNotPymalloc);  // no bottom node
}

TEST_CASE("without pymalloc's roots every answer is 'cannot tell'", "[pymalloc]") {
  test::FakeMemory fake;
  fake.add(0x400000, 0x1000);
  Memory mem(fake.regions());
  Pymalloc p;
  CHECK_FALSE(p.available());
  BlockInfo b = p.classify(mem, 0x400040);
  CHECK(b.state == BlockState::kCannotTell);
  CHECK_FALSE(b.detail.empty());
}

TEST_CASE("debug allocator fill patterns", "[pymalloc]") {
  CHECK(is_debug_fill_pointer(0xDDDDDDDDDDDDDDDDull));
  CHECK(is_debug_fill_pointer(0xFDFDFDFDFDFDFDFDull));
  CHECK(is_debug_fill_pointer(0xCDCDCDCDCDCDCDCDull));
  CHECK_FALSE(is_debug_fill_pointer(0x7f0000400000ull));
}
