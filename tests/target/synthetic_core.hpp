// Builds tiny ELF cores in memory, with exactly the segments and notes a test wants.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pycore::target::testing {

using Bytes = std::vector<std::byte>;

struct LoadSpec {
  uint64_t vaddr = 0;
  uint64_t memsz = 0;
  uint32_t flags = 4;  // PF_R
  Bytes data;          // filesz = data.size()
};

struct NoteSpec {
  std::string name;
  uint32_t type = 0;
  Bytes desc;
};

struct MappingSpec {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t page_offset = 0;  // in pages, as the kernel writes it
  std::string path;
};

struct SyntheticCore {
  std::vector<LoadSpec> loads;
  std::vector<NoteSpec> notes;
  uint16_t machine = 62;  // EM_X86_64
  uint16_t type = 4;      // ET_CORE
  uint8_t elf_class = 2;  // ELFCLASS64

  Bytes build() const;
  // Where build() puts things, for tests that damage a core on purpose.
  uint64_t note_offset() const;          // file offset of the PT_NOTE contents
  uint64_t load_offset(size_t i) const;  // file offset of loads[i].data
};

Bytes prstatus(int32_t tid, int16_t cursig, const std::array<uint64_t, 27>& regs);
Bytes siginfo(int32_t signo, int32_t code, int32_t error, uint64_t field);  // si_addr or si_pid
Bytes prpsinfo(int32_t pid, int32_t ppid, uint32_t uid, const std::string& fname,
               const std::string& args);
Bytes auxv(const std::vector<std::pair<uint64_t, uint64_t>>& entries);  // AT_NULL appended
Bytes file_note(uint64_t page_size, const std::vector<MappingSpec>& mappings);

Bytes pattern(size_t size, uint8_t seed);  // recognisable segment contents
Bytes read_file(const std::string& path);
void write_file(const std::string& path, const Bytes& bytes);

}  // namespace pycore::target::testing

namespace pycore::target::testing {

// A core of a process that mapped the ELF file `exe` at `base` the way the kernel does
// (one mapping per PT_LOAD), dumped with the default coredump_filter: the ELF header page
// and the writable segment are in the core, the rest only in the file. NT_FILE names
// `mapped_path` (default: exe), so tests can point it at a missing or different file.
// One thread whose registers hold rip = base + e_entry.
struct FakeProcess {
  explicit FakeProcess(std::string exe_path) : exe(std::move(exe_path)) {}
  std::string exe;
  uint64_t base = 0x555500000000;
  std::string mapped_path;
  SyntheticCore build() const;
};

// The runtime load base of this test executable, and the ELF value of one of its
// symbols: address - base.
uint64_t own_load_base();

}  // namespace pycore::target::testing
