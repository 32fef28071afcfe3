// Decoders for the Linux x86-64 core notes. Offsets are those of the kernel's wire format
// (struct elf_prstatus, elf_prpsinfo, siginfo_t on x86-64), not of the host's structs.
#include <elf.h>
#include <signal.h>
#if defined(__x86_64__)
#include <sys/procfs.h>
#endif

#include <algorithm>
#include <string_view>

#include "bytes.hpp"
#include "core_internal.hpp"
#include "note_iterator.hpp"

namespace pycore::target::detail {
namespace {

// struct elf_prstatus
constexpr uint64_t kPrCursig = 12;
constexpr uint64_t kPrPid = 32;
constexpr uint64_t kPrReg = 112;
constexpr uint64_t kPrRegSize = 27 * 8;

// struct elf_prpsinfo
constexpr uint64_t kPsUid = 16;
constexpr uint64_t kPsPid = 24;
constexpr uint64_t kPsPpid = 28;
constexpr uint64_t kPsFname = 40;
constexpr uint64_t kPsFnameSize = 16;
constexpr uint64_t kPsArgs = 56;
constexpr uint64_t kPsArgsSize = 80;

// siginfo_t
constexpr uint64_t kSiSigno = 0;
constexpr uint64_t kSiErrno = 4;
constexpr uint64_t kSiCode = 8;
constexpr uint64_t kSiFields = 16;  // the union: si_pid for kill(), si_addr for faults

#if defined(__x86_64__)
// On an x86-64 host the wire format is the host's: check the constants against glibc.
static_assert(offsetof(elf_prstatus, pr_cursig) == kPrCursig);
static_assert(offsetof(elf_prstatus, pr_pid) == kPrPid);
static_assert(offsetof(elf_prstatus, pr_reg) == kPrReg);
static_assert(sizeof(elf_gregset_t) == kPrRegSize);
static_assert(offsetof(elf_prpsinfo, pr_uid) == kPsUid);
static_assert(offsetof(elf_prpsinfo, pr_pid) == kPsPid);
static_assert(offsetof(elf_prpsinfo, pr_ppid) == kPsPpid);
static_assert(offsetof(elf_prpsinfo, pr_fname) == kPsFname);
static_assert(offsetof(elf_prpsinfo, pr_psargs) == kPsArgs);
#endif

bool is_fault_signal(int32_t signo) {
  return signo == SIGSEGV || signo == SIGBUS || signo == SIGILL || signo == SIGFPE ||
         signo == SIGTRAP;
}

}  // namespace

std::optional<CoreThread> decode_prstatus(std::span<const std::byte> desc,
                                          std::vector<std::string>& warnings) {
  if (desc.size() < kPrReg + kPrRegSize) {
    warnings.push_back("NT_PRSTATUS note of " + std::to_string(desc.size()) +
                       " bytes is too short for the registers; thread skipped");
    return std::nullopt;
  }
  CoreThread thread;
  thread.tid = *load<int32_t>(desc, kPrPid);
  thread.pending_signal = *load<int16_t>(desc, kPrCursig);
  std::memcpy(thread.regs.raw.data(), desc.data() + kPrReg, kPrRegSize);
  return thread;
}

std::optional<SignalInfo> decode_siginfo(std::span<const std::byte> desc,
                                         std::vector<std::string>& warnings) {
  if (desc.size() < kSiFields + 8) {
    warnings.push_back("NT_SIGINFO note of " + std::to_string(desc.size()) +
                       " bytes is too short; ignored");
    return std::nullopt;
  }
  SignalInfo info;
  info.signo = *load<int32_t>(desc, kSiSigno);
  info.error = *load<int32_t>(desc, kSiErrno);
  info.code = *load<int32_t>(desc, kSiCode);
  // si_code <= 0 (SI_USER, SI_TKILL, SI_QUEUE, ...) means another process sent it; a
  // positive code on a fault signal means the kernel raised it for a faulting access.
  if (info.code <= 0) {
    info.sender_pid = *load<int32_t>(desc, kSiFields);
  } else if (is_fault_signal(info.signo)) {
    info.fault_address = *load<uint64_t>(desc, kSiFields);
  }
  return info;
}

std::optional<ProcessInfo> decode_prpsinfo(std::span<const std::byte> desc,
                                           std::vector<std::string>& warnings) {
  if (desc.size() < kPsArgs + kPsArgsSize) {
    warnings.push_back("NT_PRPSINFO note of " + std::to_string(desc.size()) +
                       " bytes is too short; ignored");
    return std::nullopt;
  }
  ProcessInfo info;
  info.uid = *load<uint32_t>(desc, kPsUid);
  info.pid = *load<int32_t>(desc, kPsPid);
  info.ppid = *load<int32_t>(desc, kPsPpid);
  info.name = fixed_string(desc.subspan(kPsFname, kPsFnameSize));
  info.command_line = fixed_string(desc.subspan(kPsArgs, kPsArgsSize));
  while (!info.command_line.empty() && info.command_line.back() == ' ') {
    info.command_line.pop_back();  // the kernel pads the joined argv with spaces
  }
  return info;
}

std::vector<std::pair<uint64_t, uint64_t>> decode_auxv(std::span<const std::byte> desc,
                                                       std::vector<std::string>& warnings) {
  std::vector<std::pair<uint64_t, uint64_t>> auxv;
  bool terminated = false;
  for (uint64_t pos = 0; pos + 16 <= desc.size(); pos += 16) {
    uint64_t type = *load<uint64_t>(desc, pos);
    if (type == AT_NULL) {
      terminated = true;
      break;
    }
    auxv.emplace_back(type, *load<uint64_t>(desc, pos + 8));
  }
  if (!terminated) warnings.push_back("NT_AUXV note has no AT_NULL terminator");
  return auxv;
}

std::vector<FileMapping> decode_file_note(std::span<const std::byte> desc,
                                          std::vector<std::string>& warnings) {
  std::vector<FileMapping> mappings;
  auto count = load<uint64_t>(desc, 0);
  auto page_size = load<uint64_t>(desc, 8);
  if (!count || !page_size) {
    warnings.push_back("NT_FILE note too short for its header; ignored");
    return mappings;
  }
  constexpr uint64_t kEntry = 24;  // start, end, file offset in pages
  if (*count > (desc.size() - 16) / kEntry) {
    warnings.push_back("NT_FILE note claims " + std::to_string(*count) +
                       " mappings but has room for " + std::to_string((desc.size() - 16) / kEntry) +
                       "; ignored");
    return mappings;
  }
  uint64_t names = 16 + *count * kEntry;
  uint64_t bad = 0;
  for (uint64_t i = 0; i < *count; ++i) {
    if (names >= desc.size()) {
      warnings.push_back("NT_FILE note has names for only " + std::to_string(i) + " of " +
                         std::to_string(*count) + " mappings");
      break;
    }
    auto rest = desc.subspan(names);
    auto* p = reinterpret_cast<const char*>(rest.data());
    auto* nul = static_cast<const char*>(std::memchr(p, 0, rest.size()));
    size_t len = nul ? static_cast<size_t>(nul - p) : rest.size();
    names += len + 1;

    uint64_t base = 16 + i * kEntry;
    FileMapping m;
    m.start = *load<uint64_t>(desc, base);
    m.end = *load<uint64_t>(desc, base + 8);
    uint64_t pages = *load<uint64_t>(desc, base + 16);
    m.path.assign(p, len);
    if (m.end <= m.start || __builtin_mul_overflow(pages, *page_size, &m.file_offset)) {
      ++bad;
      continue;
    }
    mappings.push_back(std::move(m));
  }
  if (bad > 0) {
    warnings.push_back("NT_FILE note: " + std::to_string(bad) +
                       " mappings with an empty range or an overflowing offset ignored");
  }
  std::stable_sort(mappings.begin(), mappings.end(),
                   [](const FileMapping& a, const FileMapping& b) { return a.start < b.start; });
  return mappings;
}

void decode_notes(std::span<const std::byte> notes, uint64_t alignment, bool cut_short,
                  CoreFile& core) {
  auto& warnings = core.warnings;
  uint32_t last_type = 0;
  NotesEnd end = for_each_note(notes, alignment, [&](const Note& note) {
    last_type = note.type;
    if (note.name != "CORE") return true;  // "LINUX" notes hold extended register sets
    switch (note.type) {
      case NT_PRSTATUS:
        if (auto t = decode_prstatus(note.desc, warnings)) core.threads.push_back(*t);
        break;
      case NT_PRPSINFO:
        if (!core.process) core.process = decode_prpsinfo(note.desc, warnings);
        break;
      case NT_SIGINFO:
        if (!core.signal) core.signal = decode_siginfo(note.desc, warnings);
        break;
      case NT_AUXV:
        if (core.auxv.empty()) core.auxv = decode_auxv(note.desc, warnings);
        break;
      case NT_FILE:
        if (core.mappings.empty()) core.mappings = decode_file_note(note.desc, warnings);
        break;
      default:
        break;  // floating-point registers and the like: not needed
    }
    return true;
  });
  if (end == NotesEnd::kComplete) return;
  if (cut_short) {
    warnings.push_back("core notes cut short by the truncated file");
  } else {
    warnings.push_back(std::string("core notes end with a malformed note") +
                       (last_type ? " after a note of type " + std::to_string(last_type) : ""));
  }
}

}  // namespace pycore::target::detail
