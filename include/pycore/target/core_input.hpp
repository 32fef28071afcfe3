// Opening a core however it is stored: a plain file (mmapped), a compressed file (zstd,
// lz4 frame, xz — as systemd-coredump stores them), or standard input ("-").
#pragma once

#include <memory>
#include <span>
#include <string>

#include "pycore/error.hpp"
#include "pycore/target/core_file.hpp"

namespace pycore::target {

enum class Compression { kNone, kZstd, kLz4, kXz };

// Detected from magic bytes, never from the file name.
Compression detect_compression(std::span<const std::byte> head);

// The core's bytes: mmapped when plain; decompressed into memory (no temporary file)
// otherwise. kNotACore for a corrupt compressed stream, kInputUnreadable for I/O errors.
Result<std::shared_ptr<const MappedFile>> open_core_input(const std::string& path);

}  // namespace pycore::target
