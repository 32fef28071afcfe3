// Does a pointer lead to a live object? The checks behind bad-type, bad-refcount,
// freed-object and dangling-reference, for pointers into untracked memory and for the
// headers of tracked objects alike.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "pycore/heap/memory.hpp"
#include "pycore/heap/pymalloc.hpp"
#include "referents.hpp"
#include "types.hpp"

namespace pycore::heap {

enum class Verdict : uint8_t {
  kOk,
  kCode,        // a live code object (not tracked; an auxiliary source)
  kTypeObject,  // a live static type object (an auxiliary source)
  kNotDumped,   // mapped, but the bytes are not in the core: cannot tell
  kDeferred,    // its type is not in the type table yet: checked again single-threaded
  kImmortal,    // a live 3.12+ immortal object: its refcount counts nothing
  // Errors:
  kMisaligned,    // not 8-aligned: not an object pointer
  kUnmapped,      // no mapping covers it
  kFillPointer,   // the pointer itself is a debug fill pattern (0xDD.., 0xCD.., 0xFD..)
  kDeadBytes,     // the object's bytes are the debug allocator's 0xDD: freed
  kFreeBlock,     // a free pymalloc block
  kPoolHeader,    // inside a pymalloc pool header
  kZeroRefcount,  // refcount 0: deallocated (or on a type's free list)
  kBadRefcount,   // negative or implausibly large
  kBadType,       // ob_type is not a type object
  kStorage,       // a container's own storage (item array, keys) is unreadable
};
std::string_view to_string(Verdict v);
inline bool is_error(Verdict v) {
  return v >= Verdict::kMisaligned;
}
// "freed-object" vs "dangling-reference" vs "bad-refcount" vs "bad-type".
std::string_view check_name(Verdict v);

// 3.12+ immortal objects keep their refcount in the low 32 bits with the sign bit set and
// never touch the high half; before 3.12 any positive count up to a bound is plausible.
struct RefcountRules {
  bool immortal_model = false;
  bool immortal(int64_t rc) const {
    return immortal_model && (static_cast<uint64_t>(rc) >> 32) == 0 &&
           static_cast<int32_t>(static_cast<uint32_t>(rc)) < 0;
  }
  // Verdict for a refcount alone: kOk, kZeroRefcount or kBadRefcount.
  Verdict judge(int64_t rc) const {
    if (rc == 0) return Verdict::kZeroRefcount;
    if (rc < 0) return Verdict::kBadRefcount;
    if (immortal_model)
      return (static_cast<uint64_t>(rc) >> 32) == 0 ? Verdict::kOk : Verdict::kBadRefcount;
    return rc <= (int64_t{1} << 40) ? Verdict::kOk : Verdict::kBadRefcount;
  }
};

class ExternalChecker {
 public:
  ExternalChecker(const Memory& memory, const Offsets& off, const TypeTable& types,
                  const Pymalloc& pymalloc, RefcountRules rules)
      : m_(memory), o_(off), types_(types), pymalloc_(pymalloc), rules_(rules) {}

  // For a pointer found in a container (not a tracked object). Cached per address.
  Verdict check(uint64_t p) {
    Entry& e = cache_[(p >> 3) & (kCacheSize - 1)];
    if (e.address == p) return e.verdict;
    Verdict v = check_uncached(p);
    if (v != Verdict::kDeferred) e = Entry{p, v};
    return v;
  }
  Verdict check_uncached(uint64_t p) const;
  // check_uncached() with a shortcut for what most pointers lead to: an object of the
  // same ordinary type (no code object, no type object) as the last live one checked here,
  // with a plausible refcount. For checking many addresses in address order, where
  // neighbours are mostly of one type.
  Verdict check_like_last(uint64_t p) {
    if (last_live_type_ != 0 && o_.refcnt >= 0 && o_.type >= 0) {
      const std::byte* rc = m_.at(p + static_cast<uint64_t>(o_.refcnt), 8);
      const std::byte* tp = m_.at(p + static_cast<uint64_t>(o_.type), 8);
      if (rc != nullptr && tp != nullptr && (p & 7) == 0 && !is_debug_fill_pointer(p) &&
          load<uint64_t>(tp) == last_live_type_ &&
          rules_.judge(load<int64_t>(rc)) == Verdict::kOk && !rules_.immortal(load<int64_t>(rc)))
        return Verdict::kOk;
    }
    const Verdict v = check_uncached(p);
    if (v == Verdict::kOk)
      if (auto tp = m_.u64(p + static_cast<uint64_t>(o_.type))) last_live_type_ = *tp;
    return v;
  }

  // For the header of a tracked object (found on a GC list).
  Verdict check_header(uint64_t p, int64_t refcount, const HeapType& type) const;

  // Was the memory at p freed? kFreeBlock / kDeadBytes / kPoolHeader, or kOk when nothing
  // says so (including "cannot tell").
  Verdict freed(uint64_t p) const;

 private:
  Verdict unreadable(uint64_t p) const;
  // TypeTable::find through a small direct-mapped cache: a handful of types cover most
  // pointers.
  uint32_t type_index(uint64_t type) const {
    TypeEntry& e = type_cache_[(type >> 4) & (kTypeCacheSize - 1)];
    if (e.address == type && e.index != UINT32_MAX) return e.index;
    uint32_t i = types_.find(type);
    if (i != UINT32_MAX) e = TypeEntry{type, i};
    return i;
  }

  static constexpr size_t kCacheSize = 8192;
  static constexpr size_t kTypeCacheSize = 64;
  struct TypeEntry {
    uint64_t address = 0;
    uint32_t index = UINT32_MAX;
  };
  mutable std::array<TypeEntry, kTypeCacheSize> type_cache_{};
  struct Entry {
    uint64_t address = 0;
    Verdict verdict = Verdict::kOk;
  };
  const Memory& m_;
  const Offsets& o_;
  const TypeTable& types_;
  const Pymalloc& pymalloc_;
  RefcountRules rules_;
  std::array<Entry, kCacheSize> cache_{};
  uint64_t last_live_type_ = 0;  // check_like_last(): an ordinary type, 0 before the first
};

}  // namespace pycore::heap
