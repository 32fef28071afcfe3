// Bounds-checked access to untrusted bytes. Every offset and size read from a file is
// checked against the buffer without overflowing, so malformed input is a value, not UB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <type_traits>

namespace pycore::target::detail {

// [offset, offset + size) lies inside a buffer of `total` bytes.
constexpr bool fits(uint64_t offset, uint64_t size, uint64_t total) noexcept {
  return offset <= total && size <= total - offset;
}

// The part of [offset, offset + size) inside `bytes` (empty when offset is past the end).
inline std::span<const std::byte> clamp_slice(std::span<const std::byte> bytes, uint64_t offset,
                                              uint64_t size) noexcept {
  if (offset >= bytes.size()) return {};
  uint64_t room = bytes.size() - offset;
  return bytes.subspan(offset, size < room ? size : room);
}

// Exactly [offset, offset + size), or an empty span when it does not fit.
inline std::span<const std::byte> slice(std::span<const std::byte> bytes, uint64_t offset,
                                        uint64_t size) noexcept {
  if (!fits(offset, size, bytes.size())) return {};
  return bytes.subspan(offset, size);
}

template <class T>
std::optional<T> load(std::span<const std::byte> bytes, uint64_t offset) noexcept {
  static_assert(std::is_trivially_copyable_v<T>);
  if (!fits(offset, sizeof(T), bytes.size())) return std::nullopt;
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

// A fixed-size char field that may or may not be NUL-terminated.
inline std::string fixed_string(std::span<const std::byte> bytes) {
  const char* p = reinterpret_cast<const char*>(bytes.data());
  const void* nul = std::memchr(p, 0, bytes.size());
  return std::string(p, nul ? static_cast<const char*>(nul) - p : bytes.size());
}

constexpr uint64_t align_up(uint64_t value, uint64_t alignment, bool* overflow) noexcept {
  uint64_t rounded = value + (alignment - 1);
  if (rounded < value) {
    *overflow = true;
    return 0;
  }
  return rounded & ~(alignment - 1);
}

inline std::string hex(uint64_t value) {
  char buf[17];
  int n = 0;
  do {
    buf[n++] = "0123456789abcdef"[value & 15];
    value >>= 4;
  } while (value != 0);
  return std::string(std::make_reverse_iterator(buf + n), std::make_reverse_iterator(buf));
}

}  // namespace pycore::target::detail
