// Facts about code objects needed for every frame and traceback entry, read once per code
// object: names, file, decoded line table and the names/kinds of its fast locals.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pycore/python/linetable.hpp"
#include "pycore/python/objects.hpp"

namespace pycore::python {

// Kinds of fast-locals slots, as 3.11+ co_localspluskinds spells them; <= 3.10 slots get
// the same kinds synthesised from co_varnames / co_cellvars / co_freevars.
inline constexpr uint8_t kFastHidden = 0x10;
inline constexpr uint8_t kFastLocal = 0x20;
inline constexpr uint8_t kFastCell = 0x40;
inline constexpr uint8_t kFastFree = 0x80;

// Code flags (stable 3.6-3.13).
inline constexpr int kCoOptimized = 0x1;
inline constexpr int kCoNewLocals = 0x2;
inline constexpr int kCoGenerator = 0x20;
inline constexpr int kCoCoroutine = 0x80;
inline constexpr int kCoIterableCoroutine = 0x100;
inline constexpr int kCoAsyncGenerator = 0x200;

struct CodeSummary {
  uint64_t address = 0;
  std::string name;
  std::string qualname;  // 3.11+ co_qualname, else empty
  std::string filename;
  int firstlineno = 0;
  int flags = 0;
  std::vector<LineEntry> lines;  // sorted by start
  bool lines_read = false;
  std::vector<std::string> local_names;  // one per fast-locals slot
  std::vector<uint8_t> local_kinds;
  int firsttraceable = 0;      // 3.11+
  uint64_t code_adaptive = 0;  // 3.11+: address of the first code unit
};

class CodeCache {
 public:
  explicit CodeCache(const ObjectReader& reader, size_t max_entries = 1u << 16)
      : r_(reader), max_entries_(max_entries) {}

  // nullptr when `code` is not a readable code object.
  std::shared_ptr<const CodeSummary> get(uint64_t code);

  // PyCode_Addr2Line: the line of the instruction at `byte_offset` (negative: not started,
  // co_firstlineno); nullopt when it has none or the table is unreadable.
  static std::optional<int> line_at(const CodeSummary& code, int64_t byte_offset);

 private:
  std::shared_ptr<const CodeSummary> load(uint64_t code);
  const ObjectReader& r_;
  size_t max_entries_;
  std::unordered_map<uint64_t, std::shared_ptr<const CodeSummary>> cache_;
};

}  // namespace pycore::python
