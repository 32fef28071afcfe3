#include "synthetic_core.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace pycore::target::testing {
namespace {

template <class T>
void put(Bytes& out, const T& value) {
  // resize + memcpy rather than insert: GCC 12 at -O3 reports a false -Wstringop-overflow
  // for a range insert of a small object.
  size_t at = out.size();
  out.resize(at + sizeof value);
  std::memcpy(out.data() + at, &value, sizeof value);
}

template <class T>
void put_at(Bytes& out, size_t offset, const T& value) {
  if (out.size() < offset + sizeof value) out.resize(offset + sizeof value);
  std::memcpy(out.data() + offset, &value, sizeof value);
}

void pad4(Bytes& out) {
  while (out.size() % 4 != 0) out.push_back(std::byte{0});
}

Bytes encode_notes(const std::vector<NoteSpec>& notes) {
  Bytes out;
  for (const auto& note : notes) {
    put<uint32_t>(out, static_cast<uint32_t>(note.name.size() + 1));
    put<uint32_t>(out, static_cast<uint32_t>(note.desc.size()));
    put<uint32_t>(out, note.type);
    for (char c : note.name) out.push_back(static_cast<std::byte>(c));
    out.push_back(std::byte{0});
    pad4(out);
    out.insert(out.end(), note.desc.begin(), note.desc.end());
    pad4(out);
  }
  return out;
}

uint64_t headers_size(const SyntheticCore& core) {
  return sizeof(Elf64_Ehdr) + (1 + core.loads.size()) * sizeof(Elf64_Phdr);
}

}  // namespace

uint64_t SyntheticCore::note_offset() const {
  return headers_size(*this);
}

uint64_t SyntheticCore::load_offset(size_t i) const {
  uint64_t offset = note_offset() + encode_notes(notes).size();
  offset = (offset + 15) & ~uint64_t{15};
  for (size_t k = 0; k < i; ++k) offset += loads[k].data.size();
  return offset;
}

Bytes SyntheticCore::build() const {
  Bytes notes_bytes = encode_notes(notes);
  Bytes out;
  Elf64_Ehdr ehdr{};
  std::memcpy(ehdr.e_ident, ELFMAG, SELFMAG);
  ehdr.e_ident[EI_CLASS] = elf_class;
  ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
  ehdr.e_ident[EI_VERSION] = EV_CURRENT;
  ehdr.e_type = type;
  ehdr.e_machine = machine;
  ehdr.e_version = EV_CURRENT;
  ehdr.e_phoff = sizeof(Elf64_Ehdr);
  ehdr.e_ehsize = sizeof(Elf64_Ehdr);
  ehdr.e_phentsize = sizeof(Elf64_Phdr);
  ehdr.e_phnum = static_cast<uint16_t>(1 + loads.size());
  put(out, ehdr);

  Elf64_Phdr note{};
  note.p_type = PT_NOTE;
  note.p_offset = note_offset();
  note.p_filesz = notes_bytes.size();
  note.p_align = 4;
  put(out, note);
  for (size_t i = 0; i < loads.size(); ++i) {
    Elf64_Phdr ph{};
    ph.p_type = PT_LOAD;
    ph.p_flags = loads[i].flags;
    ph.p_offset = load_offset(i);
    ph.p_vaddr = loads[i].vaddr;
    ph.p_filesz = loads[i].data.size();
    ph.p_memsz = loads[i].memsz;
    ph.p_align = 4096;
    put(out, ph);
  }
  out.insert(out.end(), notes_bytes.begin(), notes_bytes.end());
  for (size_t i = 0; i < loads.size(); ++i) {
    out.resize(load_offset(i));
    out.insert(out.end(), loads[i].data.begin(), loads[i].data.end());
  }
  return out;
}

Bytes prstatus(int32_t tid, int16_t cursig, const std::array<uint64_t, 27>& regs) {
  Bytes out(336);
  put_at<int32_t>(out, 0, cursig);  // pr_info.si_signo
  put_at<int16_t>(out, 12, cursig);
  put_at<int32_t>(out, 32, tid);
  put_at<int32_t>(out, 36, 1);  // ppid
  for (size_t i = 0; i < regs.size(); ++i) put_at<uint64_t>(out, 112 + 8 * i, regs[i]);
  return out;
}

Bytes siginfo(int32_t signo, int32_t code, int32_t error, uint64_t field) {
  Bytes out(128);
  put_at<int32_t>(out, 0, signo);
  put_at<int32_t>(out, 4, error);
  put_at<int32_t>(out, 8, code);
  put_at<uint64_t>(out, 16, field);
  return out;
}

Bytes prpsinfo(int32_t pid, int32_t ppid, uint32_t uid, const std::string& fname,
               const std::string& args) {
  Bytes out(136);
  put_at<uint32_t>(out, 16, uid);
  put_at<int32_t>(out, 24, pid);
  put_at<int32_t>(out, 28, ppid);
  std::memcpy(out.data() + 40, fname.data(), std::min<size_t>(fname.size(), 16));
  std::memcpy(out.data() + 56, args.data(), std::min<size_t>(args.size(), 80));
  return out;
}

Bytes auxv(const std::vector<std::pair<uint64_t, uint64_t>>& entries) {
  Bytes out;
  for (const auto& [type, value] : entries) {
    put<uint64_t>(out, type);
    put<uint64_t>(out, value);
  }
  put<uint64_t>(out, AT_NULL);
  put<uint64_t>(out, 0);
  return out;
}

Bytes file_note(uint64_t page_size, const std::vector<MappingSpec>& mappings) {
  Bytes out;
  put<uint64_t>(out, mappings.size());
  put<uint64_t>(out, page_size);
  for (const auto& m : mappings) {
    put<uint64_t>(out, m.start);
    put<uint64_t>(out, m.end);
    put<uint64_t>(out, m.page_offset);
  }
  for (const auto& m : mappings) {
    for (char c : m.path) out.push_back(static_cast<std::byte>(c));
    out.push_back(std::byte{0});
  }
  return out;
}

Bytes pattern(size_t size, uint8_t seed) {
  Bytes out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>((i * 7 + seed) & 0xff);
  return out;
}

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Bytes out(chars.size());
  std::memcpy(out.data(), chars.data(), chars.size());
  return out;
}

void write_file(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace pycore::target::testing

#include <sys/auxv.h>

namespace pycore::target::testing {

SyntheticCore FakeProcess::build() const {
  Bytes file = read_file(exe);
  Elf64_Ehdr ehdr;
  std::memcpy(&ehdr, file.data(), sizeof ehdr);
  SyntheticCore core;
  std::vector<MappingSpec> mappings;
  std::array<uint64_t, 27> regs{};
  regs[16] = base + ehdr.e_entry;
  bool first = true;
  for (size_t i = 0; i < ehdr.e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, file.data() + ehdr.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type != PT_LOAD) continue;
    uint64_t start = base + (ph.p_vaddr & ~uint64_t{0xfff});
    uint64_t end = base + ((ph.p_vaddr + ph.p_memsz + 0xfff) & ~uint64_t{0xfff});
    uint64_t page_offset = ph.p_offset & ~uint64_t{0xfff};
    LoadSpec load{start, end - start, ph.p_flags, {}};
    auto file_bytes = [&](uint64_t n) {
      Bytes out(n);
      uint64_t avail = page_offset < file.size() ? file.size() - page_offset : 0;
      std::memcpy(out.data(), file.data() + page_offset, std::min(n, avail));
      return out;
    };
    if (ph.p_flags & PF_W) {
      load.data = file_bytes(end - start);  // written to: dumped whole (bss zero-filled)
    } else if (first) {
      load.data = file_bytes(4096);  // coredump_filter bit 4: the ELF header page
    }
    first = false;
    core.loads.push_back(std::move(load));
    mappings.push_back({start, end, page_offset / 4096, mapped_path.empty() ? exe : mapped_path});
  }
  core.notes.push_back({"CORE", NT_PRSTATUS, prstatus(777, 11, regs)});
  core.notes.push_back(
      {"CORE", NT_AUXV, auxv({{AT_PHDR, base + ehdr.e_phoff}, {AT_ENTRY, base + ehdr.e_entry}})});
  core.notes.push_back({"CORE", NT_FILE, file_note(4096, mappings)});
  return core;
}

uint64_t own_load_base() {
  Elf64_Ehdr ehdr;
  Bytes file = read_file("/proc/self/exe");
  std::memcpy(&ehdr, file.data(), sizeof ehdr);
  return getauxval(AT_PHDR) - ehdr.e_phoff;  // a PIE's first PT_LOAD has vaddr 0
}

}  // namespace pycore::target::testing
