// An ELF64 x86-64 core file, mapped read-only, with its notes decoded into plain data.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pycore/error.hpp"

namespace pycore::target {

// A read-only mapping of a whole file; the core is never copied.
class MappedFile {
 public:
  static Result<std::shared_ptr<const MappedFile>> open(const std::string& path);
  // Bytes that already live in memory (a decompressed core, a fuzzer input).
  static std::shared_ptr<const MappedFile> from_memory(std::string name,
                                                       std::vector<std::byte> bytes);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  std::string path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
  std::vector<std::byte> owned_;  // the bytes of from_memory()
  bool mapped_ = false;           // data_ comes from mmap and must be unmapped
};

// One PT_LOAD program header. Bytes [vaddr, vaddr + filesz) are in the core file at
// `offset` (unless the file is truncated); the rest up to memsz was not dumped.
struct Segment {
  uint64_t vaddr = 0;
  uint64_t memsz = 0;
  uint64_t offset = 0;
  uint64_t filesz = 0;
  uint32_t flags = 0;      // PF_R | PF_W | PF_X
  uint64_t available = 0;  // bytes of filesz actually present in the (maybe truncated) file
};

// x86-64 user_regs_struct order, as in NT_PRSTATUS.
struct Registers {
  std::array<uint64_t, 27> raw{};
  uint64_t rip() const { return raw[16]; }
  uint64_t rsp() const { return raw[19]; }
  uint64_t rbp() const { return raw[4]; }
  uint64_t fs_base() const { return raw[21]; }
};

struct CoreThread {
  int32_t tid = 0;             // LWP id (pr_pid)
  int32_t pending_signal = 0;  // pr_cursig: the signal this thread was stopped by
  Registers regs;
};

struct SignalInfo {
  int32_t signo = 0;
  int32_t code = 0;
  int32_t error = 0;
  uint64_t fault_address = 0;  // si_addr, meaningful for SIGSEGV/SIGBUS/SIGILL/SIGFPE
  int32_t sender_pid = 0;      // for signals sent by kill()/abort()
};

// One NT_FILE entry: [start, end) maps `path` from byte `file_offset`.
struct FileMapping {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t file_offset = 0;
  std::string path;
};

struct ProcessInfo {
  int32_t pid = 0;
  int32_t ppid = 0;
  uint32_t uid = 0;
  std::string name;          // pr_fname
  std::string command_line;  // pr_psargs (the kernel truncates it to 80 bytes)
};

struct CoreFile {
  std::shared_ptr<const MappedFile> file;
  std::vector<Segment> segments;     // sorted by vaddr
  std::vector<CoreThread> threads;   // NT_PRSTATUS order; the first one took the signal
  std::optional<SignalInfo> signal;  // NT_SIGINFO
  std::vector<std::pair<uint64_t, uint64_t>> auxv;
  std::vector<FileMapping> mappings;   // NT_FILE, sorted by start
  std::optional<ProcessInfo> process;  // NT_PRPSINFO
  std::optional<std::string> execfn;   // string at AT_EXECFN, when readable from the core
  bool truncated = false;              // the file is shorter than its program headers say
  uint64_t missing_bytes = 0;          // how much is missing when truncated
  std::vector<std::string> warnings;   // problems that did not stop decoding

  std::optional<uint64_t> auxv_value(uint64_t type) const;
};

// Decodes a core. Fails only when the file is not an x86-64 ELF core at all; damage
// inside (a truncated file, a bad note) is recorded in `truncated` and `warnings`.
Result<CoreFile> load_core(const std::string& path);
// Same, from bytes already in memory (decompressed cores, fuzzing).
Result<CoreFile> load_core(std::shared_ptr<const MappedFile> file);

}  // namespace pycore::target
