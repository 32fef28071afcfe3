#include "pycore/heap/pymalloc.hpp"

#include <fmt/format.h>

#include <bit>

namespace pycore::heap {

using layout::F;

std::string_view to_string(BlockState s) {
  switch (s) {
    case BlockState::kCannotTell:
      return "cannot tell";
    case BlockState::kNotPymalloc:
      return "not pymalloc";
    case BlockState::kAllocated:
      return "allocated";
    case BlockState::kFree:
      return "free";
    case BlockState::kNeverAllocated:
      return "never allocated";
    case BlockState::kPoolEmpty:
      return "in an empty pool";
    case BlockState::kPoolHeader:
      return "inside a pool header";
  }
  return "?";
}

namespace {

ArenaIndex arena_index(layout::ArenaMap map) {
  switch (map) {
    case layout::ArenaMap::kTable:
      return ArenaIndex::kTable;
    case layout::ArenaMap::kRadix48:
      return ArenaIndex::kRadix48;
    case layout::ArenaMap::kRadix64:
      return ArenaIndex::kRadix64;
  }
  return ArenaIndex::kNone;
}

// Geometry of the radix tree as obmalloc.c derives it from the key width: three levels,
// the two interior ones of equal width, the arena number's remaining bits in the bottom.
struct RadixGeometry {
  int top_bits, mid_bits, bot_bits, bot_shift, mid_shift, top_shift;
};
RadixGeometry radix_geometry(ArenaIndex kind, uint64_t arena_size) {
  const int address_bits = kind == ArenaIndex::kRadix48 ? 48 : 64;
  const int arena_bits = std::countr_zero(arena_size);
  const int interior = (address_bits - arena_bits + 2) / 3;
  RadixGeometry g{};
  g.top_bits = g.mid_bits = interior;
  g.bot_bits = address_bits - arena_bits - 2 * interior;
  g.bot_shift = arena_bits;
  g.mid_shift = g.bot_shift + g.bot_bits;
  g.top_shift = g.mid_shift + g.mid_bits;
  return g;
}

uint64_t mask(int bits) {
  return (uint64_t{1} << bits) - 1;
}

}  // namespace

Pymalloc Pymalloc::locate(const Memory& mem, const layout::Layout& l, uint64_t main_interp) {
  if (!l.build.pymalloc) return Pymalloc({}, "this build has no pymalloc");
  if (l.build.free_threaded) return Pymalloc({}, "free-threaded builds use mimalloc");
  Config c;
  c.pool_size = l.constants.pool_size;
  c.arena_size = l.constants.arena_size;
  c.alignment = l.constants.alignment ? l.constants.alignment : 16;
  if (c.pool_size == 0 || c.arena_size == 0 || !std::has_single_bit(c.pool_size) ||
      !std::has_single_bit(c.arena_size))
    return Pymalloc({}, "the layout has no pymalloc pool/arena sizes");
  auto off = [&](F f, uint64_t fallback) {
    return l.has(f) ? static_cast<uint64_t>(l.off(f)) : fallback;
  };
  c.pool_header = off(F::pool_header_size, 48);
  c.pool_header = (c.pool_header + c.alignment - 1) / c.alignment * c.alignment;  // POOL_OVERHEAD
  c.ref_off = off(F::pool_ref, 0);
  c.freeblock_off = off(F::pool_freeblock, 8);
  c.arenaindex_off = off(F::pool_arenaindex, 32);
  c.szidx_off = off(F::pool_szidx, 36);
  c.nextoffset_off = off(F::pool_nextoffset, 40);
  c.maxnextoffset_off = off(F::pool_maxnextoffset, 44);
  c.arena_object_size = off(F::arena_object_size, 48);
  c.arena_address_off = off(F::arena_address, 0);

  // 3.12+: the allocator state belongs to the interpreter.
  if (l.has(F::interp_obmalloc)) {
    if (main_interp == 0) return Pymalloc({}, "no interpreter to find obmalloc state in");
    uint64_t state = main_interp + static_cast<uint64_t>(l.off(F::interp_obmalloc));
    // A pointer-sized member is a pointer to the state (3.13); a larger one is the state.
    if (l[F::interp_obmalloc].size == 8) {
      auto p = mem.u64(state);
      if (!p || *p == 0) return Pymalloc({}, "interp->obmalloc is unreadable or NULL");
      state = *p;
    }
    if (!l.has(F::obmalloc_arena_map_root))
      return Pymalloc({}, "the layout has no obmalloc arena_map_root");
    c.index = arena_index(l.models.arena_map);
    c.map_root = state + static_cast<uint64_t>(l.off(F::obmalloc_arena_map_root));
    return Pymalloc(c);
  }
  const ArenaIndex model = arena_index(l.models.arena_map);
  if (model != ArenaIndex::kTable) {
    if (l.roots.arena_map_root == 0)
      return Pymalloc({},
                      "arena_map_root (a local symbol) was not found; without it an address "
                      "cannot be placed in pymalloc");
    c.index = model;
    c.map_root = l.roots.arena_map_root;
    return Pymalloc(c);
  }
  if (l.roots.obmalloc_arenas == 0 || l.roots.obmalloc_maxarenas == 0)
    return Pymalloc({},
                    "arenas/maxarenas (local symbols) were not found; without them an "
                    "address cannot be placed in pymalloc");
  auto arenas = mem.u64(l.roots.obmalloc_arenas);
  auto maxarenas = mem.u32(l.roots.obmalloc_maxarenas);
  if (!arenas || !maxarenas) return Pymalloc({}, "arenas/maxarenas are unreadable");
  c.index = ArenaIndex::kTable;
  c.arenas = *arenas;
  c.maxarenas = *maxarenas;
  return Pymalloc(c);
}

bool Pymalloc::in_arena(const Memory& mem, uint64_t address, uint64_t pool, BlockInfo& info) const {
  if (index_ == ArenaIndex::kTable) {
    // address_in_range(): the pool header's arenaindex names an arena that covers the address.
    // Reading arenaindex of a non-pymalloc address is by design; the arena table decides.
    auto idx = mem.u32(pool + c_.arenaindex_off);
    if (!idx) return false;  // unreadable pool: not a pymalloc block we can see
    if (*idx >= c_.maxarenas) return false;
    auto base = mem.u64(c_.arenas + *idx * c_.arena_object_size + c_.arena_address_off);
    if (!base) {
      info.state = BlockState::kCannotTell;
      info.detail = "the arena table is unreadable";
      return false;
    }
    return *base != 0 && address - *base < c_.arena_size;
  }
  RadixGeometry g = radix_geometry(index_, c_.arena_size);
  uint64_t key = index_ == ArenaIndex::kRadix48 ? (address & mask(48)) : address;
  auto mid = mem.u64(c_.map_root + ((key >> g.top_shift) & mask(g.top_bits)) * 8);
  if (!mid) {
    info.state = BlockState::kCannotTell;
    info.detail = "arena_map_root is unreadable";
    return false;
  }
  if (*mid == 0) return false;
  auto bot = mem.u64(*mid + ((key >> g.mid_shift) & mask(g.mid_bits)) * 8);
  if (!bot) {
    info.state = BlockState::kCannotTell;
    info.detail = "an arena map node is unreadable";
    return false;
  }
  if (*bot == 0) return false;
  uint64_t entry = *bot + ((key >> g.bot_shift) & mask(g.bot_bits)) * 8;
  auto hi = mem.i32(entry);
  auto lo = mem.i32(entry + 4);
  if (!hi || !lo) {
    info.state = BlockState::kCannotTell;
    info.detail = "an arena map leaf is unreadable";
    return false;
  }
  // Arenas need not be arena-aligned: the arena covering this 1 MiB key range either ends
  // inside it (tail < tail_lo) or starts inside it (tail >= tail_hi).
  auto tail = static_cast<int32_t>(address & (c_.arena_size - 1));
  return tail < *lo || (tail >= *hi && *hi != 0);
}

BlockInfo Pymalloc::classify(const Memory& mem, uint64_t address) const {
  BlockInfo info;
  if (index_ == ArenaIndex::kNone) {
    info.detail = why_;
    return info;
  }
  const uint64_t pool = address & ~(c_.pool_size - 1);
  info.state = BlockState::kNotPymalloc;
  if (!in_arena(mem, address, pool, info)) return info;
  info.pool = pool;
  auto ref = mem.u32(pool + c_.ref_off);
  auto freeblock = mem.u64(pool + c_.freeblock_off);
  auto szidx = mem.u32(pool + c_.szidx_off);
  auto nextoffset = mem.u32(pool + c_.nextoffset_off);
  auto maxnext = mem.u32(pool + c_.maxnextoffset_off);
  if (!ref || !freeblock || !szidx || !nextoffset || !maxnext) {
    info.state = BlockState::kCannotTell;
    info.detail = fmt::format("pool header at {:#x} is unreadable", pool);
    return info;
  }
  const uint64_t size = (uint64_t{*szidx} + 1) * c_.alignment;
  if (*szidx >= 64 || *maxnext != c_.pool_size - size) {
    info.state = BlockState::kCannotTell;
    info.detail = fmt::format("pool header at {:#x} is implausible (szidx {}, maxnextoffset {})",
                              pool, *szidx, *maxnext);
    return info;
  }
  info.block_size = static_cast<uint32_t>(size);
  const uint64_t off = address - pool;
  if (off < c_.pool_header) {
    info.state = BlockState::kPoolHeader;
    return info;
  }
  info.block = pool + c_.pool_header + (off - c_.pool_header) / size * size;
  if (*ref == 0) {
    info.state = BlockState::kPoolEmpty;
    return info;
  }
  if (info.block - pool >= *nextoffset) {
    info.state = BlockState::kNeverAllocated;
    return info;
  }
  // The pool's free list: each free block's first word links to the next one.
  const uint64_t max_steps = (c_.pool_size - c_.pool_header) / size + 1;
  uint64_t p = *freeblock;
  for (uint64_t steps = 0; p != 0 && steps < max_steps; ++steps) {
    if (p == info.block) {
      info.state = BlockState::kFree;
      return info;
    }
    if (p < pool + c_.pool_header || p >= pool + c_.pool_size) {
      info.detail = fmt::format("the pool's free list leaves the pool at {:#x}", p);
      break;
    }
    auto next = mem.u64(p);
    if (!next) break;
    p = *next;
  }
  info.state = BlockState::kAllocated;
  return info;
}

}  // namespace pycore::heap
