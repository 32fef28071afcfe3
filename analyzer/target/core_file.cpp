// The ELF layer of a core: header, program headers, segments and the notes they point to.
// Only the header decides whether this is a core at all; everything after it is trusted
// no further than the file's size and recorded as warnings when damaged.
#include "pycore/target/core_file.hpp"

#include <elf.h>

#include <algorithm>

#include "bytes.hpp"
#include "core_internal.hpp"
#include "pycore/target/core_input.hpp"

namespace pycore::target {
namespace {

using detail::fits;
using detail::load;

Error not_a_core(const std::string& path, const std::string& why) {
  return Error{ExitCode::kNotACore, path + ": " + why};
}

std::optional<Error> check_header(const std::string& path, std::span<const std::byte> bytes) {
  auto ehdr = load<Elf64_Ehdr>(bytes, 0);
  if (bytes.size() < SELFMAG || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0) {
    return not_a_core(path, "not an ELF file");
  }
  if (!ehdr)
    return not_a_core(path, "ELF header cut short (" + std::to_string(bytes.size()) + " bytes)");
  if (ehdr->e_ident[EI_CLASS] != ELFCLASS64) {
    return not_a_core(path, "not a 64-bit ELF file (ELFCLASS64 expected)");
  }
  if (ehdr->e_ident[EI_DATA] != ELFDATA2LSB) {
    return not_a_core(path, "not a little-endian ELF file");
  }
  if (ehdr->e_machine != EM_X86_64) {
    return not_a_core(path, "ELF machine " + std::to_string(ehdr->e_machine) + " is not x86-64");
  }
  if (ehdr->e_type != ET_CORE) {
    return not_a_core(path,
                      "ELF type " + std::to_string(ehdr->e_type) + " is not a core dump (ET_CORE)");
  }
  return std::nullopt;
}

// e_phnum == PN_XNUM moves the real count to section header 0's sh_info (cores with more
// than 65534 mappings).
uint64_t program_header_count(const Elf64_Ehdr& ehdr, std::span<const std::byte> bytes,
                              std::vector<std::string>& warnings) {
  if (ehdr.e_phnum != PN_XNUM) return ehdr.e_phnum;
  auto shdr0 = load<Elf64_Shdr>(bytes, ehdr.e_shoff);
  if (!shdr0) {
    warnings.push_back("e_phnum is PN_XNUM but section header 0 is not in the file");
    return 0;
  }
  return shdr0->sh_info;
}

struct Extent {
  uint64_t expected_end = 0;  // how long the file should be according to its headers
  void cover(uint64_t offset, uint64_t size) {
    uint64_t end = offset + size < offset ? UINT64_MAX : offset + size;
    expected_end = std::max(expected_end, end);
  }
};

void read_segments(const Elf64_Ehdr& ehdr, std::span<const std::byte> bytes, CoreFile& core,
                   Extent& extent, std::vector<Elf64_Phdr>& notes) {
  auto& warnings = core.warnings;
  uint64_t count = program_header_count(ehdr, bytes, warnings);
  if (count == 0) return;
  if (ehdr.e_phentsize < sizeof(Elf64_Phdr)) {
    warnings.push_back("e_phentsize " + std::to_string(ehdr.e_phentsize) +
                       " is smaller than an ELF64 program header; no segments read");
    return;
  }
  extent.cover(ehdr.e_phoff, count * ehdr.e_phentsize);  // < 2^48: no overflow
  uint64_t readable = 0;
  if (ehdr.e_phoff < bytes.size()) {
    readable = std::min<uint64_t>(count, (bytes.size() - ehdr.e_phoff) / ehdr.e_phentsize);
  }
  if (readable < count) {
    warnings.push_back("only " + std::to_string(readable) + " of " + std::to_string(count) +
                       " program headers are in the file");
  }
  uint64_t bad = 0;
  for (uint64_t i = 0; i < readable; ++i) {
    auto ph = *load<Elf64_Phdr>(bytes, ehdr.e_phoff + i * ehdr.e_phentsize);
    if (ph.p_type == PT_NOTE) {
      extent.cover(ph.p_offset, ph.p_filesz);
      notes.push_back(ph);
      continue;
    }
    if (ph.p_type != PT_LOAD) continue;
    extent.cover(ph.p_offset, ph.p_filesz);
    if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr || ph.p_filesz > ph.p_memsz) {
      ++bad;  // wraps around the address space, or claims more file than memory
      continue;
    }
    Segment seg;
    seg.vaddr = ph.p_vaddr;
    seg.memsz = ph.p_memsz;
    seg.offset = ph.p_offset;
    seg.filesz = ph.p_filesz;
    seg.flags = ph.p_flags;
    seg.available = detail::clamp_slice(bytes, ph.p_offset, ph.p_filesz).size();
    core.segments.push_back(seg);
  }
  if (bad > 0) {
    warnings.push_back(std::to_string(bad) + " PT_LOAD headers with impossible sizes ignored");
  }
  std::stable_sort(core.segments.begin(), core.segments.end(),
                   [](const Segment& a, const Segment& b) { return a.vaddr < b.vaddr; });
  for (size_t i = 1; i < core.segments.size(); ++i) {
    const Segment& prev = core.segments[i - 1];
    if (prev.vaddr + prev.memsz > core.segments[i].vaddr) {
      warnings.push_back("PT_LOAD segments overlap at 0x" + detail::hex(core.segments[i].vaddr) +
                         "; the first one wins");
    }
  }
}

}  // namespace

std::optional<uint64_t> CoreFile::auxv_value(uint64_t type) const {
  for (const auto& [t, v] : auxv) {
    if (t == type) return v;
  }
  return std::nullopt;
}

Result<CoreFile> load_core(const std::string& path) {
  auto file = open_core_input(path);
  if (!file) return file.error();
  return load_core(std::move(file.value()));
}

Result<CoreFile> load_core(std::shared_ptr<const MappedFile> file) {
  if (!file) return Error{ExitCode::kInternal, "load_core: no file"};
  auto bytes = file->bytes();
  if (auto err = check_header(file->path(), bytes)) return *err;
  auto ehdr = *load<Elf64_Ehdr>(bytes, 0);

  CoreFile core;
  core.file = file;
  Extent extent;
  extent.cover(0, sizeof ehdr);
  std::vector<Elf64_Phdr> notes;
  read_segments(ehdr, bytes, core, extent, notes);

  for (const auto& ph : notes) {
    auto present = detail::clamp_slice(bytes, ph.p_offset, ph.p_filesz);
    bool cut_short = present.size() < ph.p_filesz;
    detail::decode_notes(present, ph.p_align == 8 ? 8 : 4, cut_short, core);
  }
  if (core.threads.empty()) core.warnings.push_back("no NT_PRSTATUS note: no thread registers");

  if (extent.expected_end > bytes.size()) {
    core.truncated = true;
    core.missing_bytes = extent.expected_end - bytes.size();
    core.warnings.push_back("core file is truncated: " + std::to_string(bytes.size()) +
                            " bytes of " + std::to_string(extent.expected_end) + " expected");
  }
  if (auto execfn = core.auxv_value(AT_EXECFN)) {
    core.execfn = detail::read_core_cstring(core, *execfn, 4096);
  }
  return core;
}

}  // namespace pycore::target
