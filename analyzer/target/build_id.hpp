// GNU build-ids: the one recorded in a process's memory and the one of a file on disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "pycore/target/core_file.hpp"

namespace pycore::target::detail {

std::string to_hex(std::span<const std::byte> bytes);

// The build-id note of the ELF image loaded at `base`, read from the core's own bytes
// (the kernel dumps the first page of each ELF mapping, which holds the note). nullopt
// when those pages were not dumped or hold no build-id.
std::optional<std::string> build_id_in_core(const CoreFile& core, uint64_t base);

struct FileIdentity {
  bool is_elf = false;
  std::string build_id;  // hex; empty when the file has none
};
// Reads the build-id note of an ELF file mapped in memory.
FileIdentity identify_file(std::span<const std::byte> file);

}  // namespace pycore::target::detail
