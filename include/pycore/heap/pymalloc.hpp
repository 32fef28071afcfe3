// pymalloc, read from the outside: is an address inside a pymalloc pool, which block holds
// it, and is that block allocated or free?
//
// "Inside pymalloc" follows CPython's own address_in_range(): the arena table (<= 3.9) or
// the arena radix tree (3.10: 48-bit, 3.11+: 64-bit keys). Their roots are local symbols
// up to 3.11 (usedpools, arenas, maxarenas, arena_map_root) and per-interpreter state from
// 3.12 (inline in 3.12, a pointer in 3.13). When a root is missing (stripped binary without
// debug info) every answer is kCannotTell: an unverified pool header is never trusted.
//
// Also here: the debug allocator's fill patterns (PYMEM_DEADBYTE 0xDD, FORBIDDENBYTE 0xFD,
// CLEANBYTE 0xCD), which answer "freed?" without pymalloc's bookkeeping.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pycore/heap/memory.hpp"
#include "pycore/layout/layout.hpp"

namespace pycore::heap {

enum class BlockState : uint8_t {
  kCannotTell,      // pymalloc's roots are unknown (or its bookkeeping unreadable)
  kNotPymalloc,     // outside every arena: system malloc, a static, a stack, ...
  kAllocated,       // a block that is handed out (live or leaked)
  kFree,            // on its pool's free list
  kNeverAllocated,  // beyond the pool's nextoffset: never handed out since the pool was set up
  kPoolEmpty,       // the whole pool is free (ref.count == 0)
  kPoolHeader,      // the address is inside the pool header, not in a block
};
std::string_view to_string(BlockState s);
inline bool is_free(BlockState s) {
  return s == BlockState::kFree || s == BlockState::kNeverAllocated || s == BlockState::kPoolEmpty;
}

struct BlockInfo {
  BlockState state = BlockState::kCannotTell;
  uint64_t pool = 0;        // pool header address (when inside pymalloc)
  uint64_t block = 0;       // start of the block that contains the address
  uint32_t block_size = 0;  // bytes per block in this pool's size class
  std::string detail;       // why kCannotTell, or what looked wrong
};

// How pymalloc's address check works in this build.
enum class ArenaIndex : uint8_t {
  kNone,     // roots unknown: cannot tell
  kTable,    // <= 3.9: arenas[pool->arenaindex]
  kRadix48,  // 3.10: radix tree over the low 48 address bits
  kRadix64,  // 3.11+: radix tree over all 64 bits
};

class Pymalloc {
 public:
  // `main_interp` locates the 3.12+ per-interpreter state; 0 when unknown.
  static Pymalloc locate(const Memory& memory, const layout::Layout& layout, uint64_t main_interp);

  bool available() const { return index_ != ArenaIndex::kNone; }
  const std::string& unavailable_reason() const { return why_; }
  ArenaIndex index() const { return index_; }

  // Bounded: at most one pool header, one arena-table entry or three radix nodes, and a
  // free-list walk of at most the pool's block count.
  BlockInfo classify(const Memory& memory, uint64_t address) const;

  // Test seam: a fully specified instance.
  struct Config {
    ArenaIndex index = ArenaIndex::kNone;
    uint64_t pool_size = 0, arena_size = 0, alignment = 16;
    uint64_t arenas = 0;     // kTable: address of the arena_object array
    uint32_t maxarenas = 0;  // kTable
    uint64_t arena_object_size = 48, arena_address_off = 0;
    uint64_t map_root = 0;  // kRadix*: address of arena_map_root (array of mid pointers)
    // Pool header fields.
    uint64_t pool_header = 48, ref_off = 0, freeblock_off = 8, arenaindex_off = 32, szidx_off = 36,
             nextoffset_off = 40, maxnextoffset_off = 44;
  };
  explicit Pymalloc(Config c, std::string why = {})
      : c_(c), index_(c.index), why_(std::move(why)) {}
  Pymalloc() = default;

 private:
  bool in_arena(const Memory& memory, uint64_t address, uint64_t pool, BlockInfo& info) const;

  Config c_;
  ArenaIndex index_ = ArenaIndex::kNone;
  std::string why_ = "pymalloc was not located";
};

// Debug-allocator fill patterns in an 8-byte word.
inline constexpr uint64_t kDeadWord = 0xDDDDDDDDDDDDDDDDull;       // freed memory
inline constexpr uint64_t kForbiddenWord = 0xFDFDFDFDFDFDFDFDull;  // guard bytes
inline constexpr uint64_t kCleanWord = 0xCDCDCDCDCDCDCDCDull;      // allocated, never written
// CPython's _PyMem_IsPtrFreed: pointers that the debug hooks would call freed.
inline bool is_debug_fill_pointer(uint64_t p) {
  return p == kDeadWord || p == kForbiddenWord || p == kCleanWord;
}

}  // namespace pycore::heap
