// Pieces of the core reader shared by its translation units (not a public API).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "pycore/target/core_file.hpp"

namespace pycore::target::detail {

// Decodes the notes of one PT_NOTE segment into `core`. `cut_short` says the segment's
// bytes end early because the file is truncated, so an incomplete last note is expected.
void decode_notes(std::span<const std::byte> notes, uint64_t alignment, bool cut_short,
                  CoreFile& core);

// Each decoder returns nullopt (and appends a warning) when the note is malformed.
std::optional<CoreThread> decode_prstatus(std::span<const std::byte> desc,
                                          std::vector<std::string>& warnings);
std::optional<SignalInfo> decode_siginfo(std::span<const std::byte> desc,
                                         std::vector<std::string>& warnings);
std::optional<ProcessInfo> decode_prpsinfo(std::span<const std::byte> desc,
                                           std::vector<std::string>& warnings);
std::vector<std::pair<uint64_t, uint64_t>> decode_auxv(std::span<const std::byte> desc,
                                                       std::vector<std::string>& warnings);
std::vector<FileMapping> decode_file_note(std::span<const std::byte> desc,
                                          std::vector<std::string>& warnings);

// Reads only bytes the core file holds (the available part of each PT_LOAD); for the
// loader itself, before there is an AddressSpace.
bool read_core_memory(const CoreFile& core, uint64_t address, void* out, size_t len) noexcept;
std::optional<std::string> read_core_cstring(const CoreFile& core, uint64_t address,
                                             size_t max_len);

}  // namespace pycore::target::detail
