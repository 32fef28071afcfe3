#include "build_id.hpp"

#include <elf.h>
#include <elfutils/libdwelf.h>
#include <libelf.h>

#include <vector>

#include "core_internal.hpp"
#include "note_iterator.hpp"

namespace pycore::target::detail {
namespace {

constexpr uint64_t kMaxPhnum = 4096;       // real modules have a dozen
constexpr uint64_t kMaxNoteBytes = 65536;  // build-id notes are tens of bytes

std::optional<std::string> build_id_in_notes(std::span<const std::byte> notes, uint64_t alignment) {
  std::optional<std::string> id;
  for_each_note(notes, alignment, [&](const Note& note) {
    if (note.name == "GNU" && note.type == NT_GNU_BUILD_ID && !note.desc.empty()) {
      id = to_hex(note.desc);
      return false;
    }
    return true;
  });
  return id;
}

}  // namespace

std::string to_hex(std::span<const std::byte> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::byte b : bytes) {
    out.push_back(kDigits[static_cast<uint8_t>(b) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(b) & 15]);
  }
  return out;
}

std::optional<std::string> build_id_in_core(const CoreFile& core, uint64_t base) {
  Elf64_Ehdr ehdr;
  if (!read_core_memory(core, base, &ehdr, sizeof ehdr)) return std::nullopt;
  if (std::memcmp(ehdr.e_ident, ELFMAG, SELFMAG) != 0 || ehdr.e_ident[EI_CLASS] != ELFCLASS64 ||
      ehdr.e_phentsize < sizeof(Elf64_Phdr) || ehdr.e_phnum > kMaxPhnum) {
    return std::nullopt;
  }
  std::vector<Elf64_Phdr> phdrs(ehdr.e_phnum);
  for (size_t i = 0; i < phdrs.size(); ++i) {
    uint64_t at = base + ehdr.e_phoff + i * ehdr.e_phentsize;
    if (!read_core_memory(core, at, &phdrs[i], sizeof(Elf64_Phdr))) return std::nullopt;
  }
  // The image at `base` starts at file offset 0 of the first PT_LOAD; that fixes the bias
  // between the file's addresses and the process's.
  const Elf64_Phdr* first = nullptr;
  for (const auto& ph : phdrs) {
    if (ph.p_type == PT_LOAD) {
      first = &ph;
      break;
    }
  }
  if (first == nullptr) return std::nullopt;
  uint64_t bias = base - (first->p_vaddr - first->p_offset);
  for (const auto& ph : phdrs) {
    if (ph.p_type != PT_NOTE || ph.p_filesz == 0) continue;
    std::vector<std::byte> notes(std::min(ph.p_filesz, kMaxNoteBytes));
    if (!read_core_memory(core, ph.p_vaddr + bias, notes.data(), notes.size())) continue;
    if (auto id = build_id_in_notes(notes, ph.p_align == 8 ? 8 : 4)) return id;
  }
  return std::nullopt;
}

FileIdentity identify_file(std::span<const std::byte> file) {
  FileIdentity identity;
  if (file.size() < SELFMAG || std::memcmp(file.data(), ELFMAG, SELFMAG) != 0) return identity;
  elf_version(EV_CURRENT);
  // ELF_C_READ on a memory image never writes to it; the mapping is read-only anyway.
  Elf* elf = elf_memory(const_cast<char*>(reinterpret_cast<const char*>(file.data())), file.size());
  if (elf == nullptr) return identity;
  identity.is_elf = elf_kind(elf) == ELF_K_ELF;
  const void* bits = nullptr;
  ssize_t len = identity.is_elf ? dwelf_elf_gnu_build_id(elf, &bits) : -1;
  if (len > 0) {
    identity.build_id = to_hex({static_cast<const std::byte*>(bits), static_cast<size_t>(len)});
  }
  elf_end(elf);
  return identity;
}

}  // namespace pycore::target::detail
