// Helpers shared by the ObjectReader implementation files: field reads by layout id.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "pycore/layout/layout.hpp"
#include "pycore/python/objects.hpp"

namespace pycore::python::detail {

// tp_flags fast-subclass bit for type objects (Py_TPFLAGS_TYPE_SUBCLASS), every version.
inline constexpr uint64_t kTpflagsTypeSubclass = 1ull << 31;

// Entry layouts of dict keys tables; identical 3.6-3.13 (hash, key, value) and
// 3.11+ unicode entries (key, value).
inline constexpr uint64_t kEntryKeyOffset = 8;
inline constexpr uint64_t kEntryValueOffset = 16;
inline constexpr uint64_t kUnicodeEntryKeyOffset = 0;
inline constexpr uint64_t kUnicodeEntryValueOffset = 8;

inline std::optional<uint64_t> field_addr(const ObjectReader& r, uint64_t obj, layout::F f) {
  if (obj == 0 || !r.layout().has(f)) return std::nullopt;
  return obj + static_cast<uint64_t>(r.layout().off(f));
}

template <class T>
std::optional<T> read_field(const ObjectReader& r, uint64_t obj, layout::F f) {
  auto a = field_addr(r, obj, f);
  if (!a) return std::nullopt;
  return r.memory().read_as<T>(*a);
}

inline std::optional<uint64_t> read_u64(const ObjectReader& r, uint64_t obj, layout::F f) {
  return read_field<uint64_t>(r, obj, f);
}
inline std::optional<int64_t> read_i64(const ObjectReader& r, uint64_t obj, layout::F f) {
  return read_field<int64_t>(r, obj, f);
}
inline std::optional<int32_t> read_i32(const ObjectReader& r, uint64_t obj, layout::F f) {
  return read_field<int32_t>(r, obj, f);
}
inline std::optional<uint8_t> read_u8(const ObjectReader& r, uint64_t obj, layout::F f) {
  return read_field<uint8_t>(r, obj, f);
}

// Size of a struct from the layout, or a fallback when the layout does not know it.
inline uint64_t size_or(const ObjectReader& r, layout::F f, uint64_t fallback) {
  return r.layout().has(f) && r.layout().off(f) > 0 ? static_cast<uint64_t>(r.layout().off(f))
                                                    : fallback;
}

std::vector<MemberInfo> read_members(const ObjectReader& r, uint64_t members);

}  // namespace pycore::python::detail
