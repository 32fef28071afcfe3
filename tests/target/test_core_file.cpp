// The ELF layer on synthetic cores: every field decoded, damage recorded, never trusted.
#include <elf.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "pycore/target/core_file.hpp"
#include "synthetic_core.hpp"

using namespace pycore;
using namespace pycore::target;
using namespace pycore::target::testing;

namespace {

std::array<uint64_t, 27> registers(uint64_t base) {
  std::array<uint64_t, 27> regs{};
  for (size_t i = 0; i < regs.size(); ++i) regs[i] = base + i;
  return regs;
}

constexpr uint64_t kStack = 0x7ffd0000;
constexpr uint64_t kText = 0x400000;

// Two threads, every note the loader decodes, a stack page holding the AT_EXECFN string,
// and a text segment of which only the first page was dumped.
SyntheticCore standard_core() {
  SyntheticCore core;
  core.notes.push_back({"CORE", NT_PRSTATUS, prstatus(4242, SIGSEGV, registers(0x1000))});
  core.notes.push_back(
      {"CORE", NT_PRPSINFO, prpsinfo(4242, 1, 1000, "python3.11", "python3.11 -c crash()")});
  core.notes.push_back({"CORE", NT_SIGINFO, siginfo(SIGSEGV, SEGV_MAPERR, 0, 0xdeadbeef)});
  core.notes.push_back({"CORE", NT_AUXV,
                        auxv({{AT_PHDR, kText + 64},
                              {AT_ENTRY, kText + 0x1100},
                              {AT_PAGESZ, 4096},
                              {AT_EXECFN, kStack + 16}})});
  core.notes.push_back({"CORE", NT_FILE,
                        file_note(4096, {{kText + 0x1000, kText + 0x3000, 1, "/usr/bin/python3.11"},
                                         {kText, kText + 0x1000, 0, "/usr/bin/python3.11"}})});
  core.notes.push_back({"LINUX", 0x202, Bytes(64)});  // NT_X86_XSTATE: skipped
  core.notes.push_back({"CORE", NT_PRSTATUS, prstatus(4243, 0, registers(0x2000))});
  Bytes stack = pattern(4096, 3);
  const char execfn[] = "/usr/bin/python3.11";
  std::memcpy(stack.data() + 16, execfn, sizeof execfn);
  core.loads.push_back({kText, 0x3000, PF_R | PF_X, pattern(4096, 1)});
  core.loads.push_back({kStack, 0x1000, PF_R | PF_W, stack});
  return core;
}

CoreFile load(const Bytes& bytes) {
  auto core = load_core(MappedFile::from_memory("synthetic", bytes));
  REQUIRE(core.ok());
  return std::move(core.value());
}

bool any_warning(const CoreFile& core, const std::string& needle) {
  for (const auto& w : core.warnings) {
    if (w.find(needle) != std::string::npos) return true;
  }
  return false;
}

template <class T>
void poke(Bytes& bytes, uint64_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof value);
}

}  // namespace

TEST_CASE("every field of a synthetic core is decoded", "[target][core]") {
  CoreFile core = load(standard_core().build());
  CHECK_FALSE(core.truncated);
  CHECK(core.missing_bytes == 0);
  CHECK(core.warnings.empty());

  REQUIRE(core.threads.size() == 2);
  CHECK(core.threads[0].tid == 4242);
  CHECK(core.threads[0].pending_signal == SIGSEGV);
  CHECK(core.threads[0].regs.rip() == 0x1000 + 16);
  CHECK(core.threads[0].regs.rsp() == 0x1000 + 19);
  CHECK(core.threads[0].regs.rbp() == 0x1000 + 4);
  CHECK(core.threads[0].regs.fs_base() == 0x1000 + 21);
  CHECK(core.threads[1].tid == 4243);
  CHECK(core.threads[1].pending_signal == 0);
  CHECK(core.threads[1].regs.raw[26] == 0x2000 + 26);

  REQUIRE(core.signal);
  CHECK(core.signal->signo == SIGSEGV);
  CHECK(core.signal->code == SEGV_MAPERR);
  CHECK(core.signal->error == 0);
  CHECK(core.signal->fault_address == 0xdeadbeef);
  CHECK(core.signal->sender_pid == 0);

  REQUIRE(core.process);
  CHECK(core.process->pid == 4242);
  CHECK(core.process->ppid == 1);
  CHECK(core.process->uid == 1000);
  CHECK(core.process->name == "python3.11");
  CHECK(core.process->command_line == "python3.11 -c crash()");

  REQUIRE(core.auxv.size() == 4);
  CHECK(core.auxv_value(AT_ENTRY) == kText + 0x1100);
  CHECK(core.auxv_value(AT_PAGESZ) == 4096u);
  CHECK_FALSE(core.auxv_value(AT_BASE));
  CHECK(core.execfn == "/usr/bin/python3.11");

  REQUIRE(core.mappings.size() == 2);  // sorted by start
  CHECK(core.mappings[0].start == kText);
  CHECK(core.mappings[0].end == kText + 0x1000);
  CHECK(core.mappings[0].file_offset == 0);
  CHECK(core.mappings[1].start == kText + 0x1000);
  CHECK(core.mappings[1].file_offset == 0x1000);
  CHECK(core.mappings[1].path == "/usr/bin/python3.11");

  REQUIRE(core.segments.size() == 2);  // sorted by vaddr
  const Segment& text = core.segments[0];
  CHECK(text.vaddr == kText);
  CHECK(text.memsz == 0x3000);
  CHECK(text.filesz == 4096);
  CHECK(text.available == 4096);
  CHECK(text.flags == (PF_R | PF_X));
  CHECK(core.segments[1].vaddr == kStack);
  CHECK(core.segments[1].flags == (PF_R | PF_W));
}

TEST_CASE("a signal sent by another process names its sender", "[target][core]") {
  SyntheticCore spec = standard_core();
  spec.notes[2] = {"CORE", NT_SIGINFO, siginfo(SIGABRT, SI_TKILL, 0, 4242)};
  CoreFile core = load(spec.build());
  REQUIRE(core.signal);
  CHECK(core.signal->signo == SIGABRT);
  CHECK(core.signal->sender_pid == 4242);
  CHECK(core.signal->fault_address == 0);
}

TEST_CASE("a core cut inside a segment is truncated, not rejected", "[target][core]") {
  SyntheticCore spec = standard_core();
  Bytes full = spec.build();
  uint64_t cut = spec.load_offset(1) + 100;  // 100 bytes into the stack
  CoreFile core = load(Bytes(full.begin(), full.begin() + cut));
  CHECK(core.truncated);
  CHECK(core.missing_bytes == full.size() - cut);
  CHECK(any_warning(core, "truncated"));
  REQUIRE(core.segments.size() == 2);
  CHECK(core.segments[0].available == 4096);
  CHECK(core.segments[1].filesz == 4096);
  CHECK(core.segments[1].available == 100);
  CHECK(core.threads.size() == 2);
  CHECK(core.execfn == "/usr/bin/python3.11");  // 16 + 20 bytes < 100
}

TEST_CASE("a core cut inside its notes keeps the notes before the cut", "[target][core]") {
  SyntheticCore spec = standard_core();
  Bytes full = spec.build();
  // Just past the first NT_PRSTATUS (12-byte header, "CORE\0" padded to 8, 336 bytes).
  uint64_t cut = spec.note_offset() + 12 + 8 + 336 + 30;
  CoreFile core = load(Bytes(full.begin(), full.begin() + cut));
  CHECK(core.truncated);
  CHECK(any_warning(core, "cut short"));
  REQUIRE(core.threads.size() == 1);
  CHECK(core.threads[0].tid == 4242);
  CHECK_FALSE(core.process);
  CHECK(core.segments.size() == 2);
  CHECK(core.segments[0].available == 0);
}

TEST_CASE("a core cut right after its headers has segments but no bytes", "[target][core]") {
  SyntheticCore spec = standard_core();
  Bytes full = spec.build();
  CoreFile core = load(Bytes(full.begin(), full.begin() + spec.note_offset()));
  CHECK(core.truncated);
  CHECK(core.threads.empty());
  REQUIRE(core.segments.size() == 2);
  for (const auto& s : core.segments) CHECK(s.available == 0);
  CHECK_FALSE(core.execfn);
}

TEST_CASE("sizes that overflow are rejected without trusting them", "[target][core]") {
  SyntheticCore spec = standard_core();
  Bytes bytes = spec.build();
  const uint64_t ph = sizeof(Elf64_Ehdr);  // the PT_NOTE header, then the loads
  const uint64_t text_ph = ph + sizeof(Elf64_Phdr);
  const uint64_t stack_ph = ph + 2 * sizeof(Elf64_Phdr);

  SECTION("segment offset near 2^64") {
    poke<uint64_t>(bytes, text_ph + offsetof(Elf64_Phdr, p_offset), UINT64_MAX - 10);
    CoreFile core = load(bytes);
    CHECK(core.truncated);
    CHECK(core.segments[0].available == 0);
  }
  SECTION("filesz larger than memsz") {
    poke<uint64_t>(bytes, text_ph + offsetof(Elf64_Phdr, p_filesz), UINT64_MAX);
    CoreFile core = load(bytes);
    CHECK(core.segments.size() == 1);
    CHECK(any_warning(core, "impossible sizes"));
  }
  SECTION("segment wrapping around the address space") {
    poke<uint64_t>(bytes, stack_ph + offsetof(Elf64_Phdr, p_vaddr), UINT64_MAX - 0x10);
    CoreFile core = load(bytes);
    CHECK(core.segments.size() == 1);
  }
  SECTION("program headers far past the end") {
    poke<uint64_t>(bytes, offsetof(Elf64_Ehdr, e_phoff), UINT64_MAX - 100);
    CoreFile core = load(bytes);
    CHECK(core.segments.empty());
    CHECK(core.truncated);
    CHECK(any_warning(core, "program headers"));
  }
  SECTION("PN_XNUM with no section header") {
    poke<uint16_t>(bytes, offsetof(Elf64_Ehdr, e_phnum), PN_XNUM);
    poke<uint64_t>(bytes, offsetof(Elf64_Ehdr, e_shoff), UINT64_MAX - 8);
    CoreFile core = load(bytes);
    CHECK(core.segments.empty());
    CHECK(any_warning(core, "PN_XNUM"));
  }
  SECTION("program header entries too small") {
    poke<uint16_t>(bytes, offsetof(Elf64_Ehdr, e_phentsize), 8);
    CoreFile core = load(bytes);
    CHECK(core.segments.empty());
    CHECK(any_warning(core, "e_phentsize"));
  }
  SECTION("note descriptor size near 2^32") {
    poke<uint32_t>(bytes, spec.note_offset() + 4, UINT32_MAX);
    CoreFile core = load(bytes);
    CHECK(core.threads.empty());
    CHECK(any_warning(core, "malformed"));
  }
  SECTION("note name size near 2^32") {
    poke<uint32_t>(bytes, spec.note_offset(), UINT32_MAX - 2);
    CoreFile core = load(bytes);
    CHECK(core.threads.empty());
  }
}

TEST_CASE("malformed notes are warnings", "[target][core]") {
  SyntheticCore spec = standard_core();
  SECTION("NT_FILE claiming more entries than it holds") {
    Bytes note = file_note(4096, {{kText, kText + 0x1000, 0, "/x"}});
    poke<uint64_t>(note, 0, uint64_t{1} << 60);
    spec.notes[4].desc = note;
    CoreFile core = load(spec.build());
    CHECK(core.mappings.empty());
    CHECK(any_warning(core, "NT_FILE"));
  }
  SECTION("NT_FILE with an overflowing page offset") {
    spec.notes[4].desc = file_note(4096, {{kText, kText + 0x1000, uint64_t{1} << 60, "/x"},
                                          {kText + 0x1000, kText + 0x2000, 1, "/y"}});
    CoreFile core = load(spec.build());
    REQUIRE(core.mappings.size() == 1);
    CHECK(core.mappings[0].path == "/y");
    CHECK(any_warning(core, "overflowing"));
  }
  SECTION("NT_FILE with names missing") {
    Bytes note = file_note(
        4096, {{kText, kText + 0x1000, 0, "/x"}, {kText + 0x1000, kText + 0x2000, 1, "/y"}});
    note.resize(note.size() - 3);  // "/y\0" gone
    spec.notes[4].desc = note;
    CoreFile core = load(spec.build());
    CHECK(core.mappings.size() == 1);
    CHECK(any_warning(core, "names for only 1"));
  }
  SECTION("short NT_PRSTATUS, NT_SIGINFO, NT_PRPSINFO") {
    spec.notes[0].desc.resize(100);
    spec.notes[1].desc.resize(20);
    spec.notes[2].desc.resize(10);
    CoreFile core = load(spec.build());
    CHECK(core.threads.size() == 1);
    CHECK_FALSE(core.signal);
    CHECK_FALSE(core.process);
    CHECK(core.warnings.size() == 3);
  }
  SECTION("auxv without AT_NULL") {
    Bytes note = auxv({{AT_PAGESZ, 4096}});
    note.resize(16);
    spec.notes[3].desc = note;
    CoreFile core = load(spec.build());
    CHECK(core.auxv.size() == 1);
    CHECK(any_warning(core, "AT_NULL"));
  }
  SECTION("AT_EXECFN pointing outside the core") {
    spec.notes[3].desc = auxv({{AT_EXECFN, 0x1234}});
    CoreFile core = load(spec.build());
    CHECK_FALSE(core.execfn);
  }
}

TEST_CASE("what is not an x86-64 ELF core is refused", "[target][core]") {
  auto refused = [](Bytes bytes) {
    auto core = load_core(MappedFile::from_memory("input", std::move(bytes)));
    REQUIRE_FALSE(core.ok());
    CHECK(core.error().code == ExitCode::kNotACore);
    CHECK(core.error().message.find("input") != std::string::npos);
  };
  SECTION("empty") {
    refused({});
  }
  SECTION("random bytes") {
    refused(pattern(1000, 9));
  }
  SECTION("an ELF header cut short") {
    Bytes b = standard_core().build();
    b.resize(40);
    refused(b);
  }
  SECTION("32-bit") {
    SyntheticCore c = standard_core();
    c.elf_class = ELFCLASS32;
    refused(c.build());
  }
  SECTION("another machine") {
    SyntheticCore c = standard_core();
    c.machine = EM_AARCH64;
    refused(c.build());
  }
  SECTION("an executable") {
    SyntheticCore c = standard_core();
    c.type = ET_EXEC;
    refused(c.build());
  }
}

TEST_CASE("files that cannot be read are input errors", "[target][core]") {
  auto missing = load_core("/nonexistent/core");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ExitCode::kInputUnreadable);
  CHECK(missing.error().message.find("/nonexistent/core") != std::string::npos);
  auto dir = load_core("/tmp");
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.error().code == ExitCode::kInputUnreadable);
  auto exe = load_core("/proc/self/exe");
  REQUIRE_FALSE(exe.ok());
  CHECK(exe.error().code == ExitCode::kNotACore);
}
