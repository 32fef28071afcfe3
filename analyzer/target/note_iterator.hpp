// Walks the ELF notes in a buffer (a core's PT_NOTE, a module's build-id note).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "bytes.hpp"

namespace pycore::target::detail {

struct Note {
  std::string_view name;  // without its NUL padding
  uint32_t type = 0;
  std::span<const std::byte> desc;
};

enum class NotesEnd { kComplete, kPartialHeader, kOverrun };

// Calls `fn(const Note&)` for each complete note while it returns true. Stops at the first
// note that does not fit in the buffer and says so.
template <class Fn>
NotesEnd for_each_note(std::span<const std::byte> notes, uint64_t alignment, Fn&& fn) {
  uint64_t pos = 0;
  while (pos < notes.size()) {
    auto namesz = load<uint32_t>(notes, pos);
    auto descsz = load<uint32_t>(notes, pos + 4);
    auto type = load<uint32_t>(notes, pos + 8);
    if (!namesz || !descsz || !type) return NotesEnd::kPartialHeader;
    bool overflow = false;
    uint64_t name_at = pos + 12;
    uint64_t desc_at = align_up(name_at + *namesz, alignment, &overflow);
    uint64_t next = align_up(desc_at + *descsz, alignment, &overflow);
    if (overflow || !fits(desc_at, *descsz, notes.size())) return NotesEnd::kOverrun;
    auto* name = reinterpret_cast<const char*>(notes.data() + name_at);
    size_t name_len = *namesz;
    while (name_len > 0 && name[name_len - 1] == '\0') --name_len;
    if (!fn(Note{{name, name_len}, *type, notes.subspan(desc_at, *descsz)})) break;
    pos = next;  // > pos: a note header alone is 12 bytes
  }
  return NotesEnd::kComplete;
}

}  // namespace pycore::target::detail
