// A memory snapshot: a resolved Layout, some object addresses and regions of target memory,
// in one byte string that libFuzzer can mutate. Made from real corpus cores by make_seeds;
// read back by the repr and heap fuzzers, which rebuild an AddressSpace from it.
//
// Format (little-endian):
//   "PYCSNAP1"
//   u32 text_size, text        lines: "build ...", "roots HEX...", "field ID OFFSET SIZE SOURCE",
//                              "object HEX", and last "check HEX" (FNV-1a of the lines above)
//   then regions until the end: u64 start, u32 size, u8 flags (1 writable, 2 zero-filled:
//                              no bytes follow), size bytes
//
// The layout is what the layout stage resolved from trusted sources, so the fuzzers keep it
// fixed: a text whose checksum does not match is rejected, and mutations land in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pycore/layout/layout.hpp"
#include "pycore/target/address_space.hpp"
#include "pycore/target/core_file.hpp"
#include "pycore/target/modules.hpp"

namespace pycore::fuzz {

struct SnapshotRegion {
  uint64_t start = 0;
  bool writable = false;
  bool zero = false;             // all bytes zero (stored without them)
  std::vector<std::byte> bytes;  // empty when zero
  uint64_t zero_size = 0;        // size when zero
  uint64_t size() const { return zero ? zero_size : bytes.size(); }
};

struct Snapshot {
  layout::Layout layout;
  std::vector<uint64_t> objects;  // what the repr fuzzer prints
  std::vector<SnapshotRegion> regions;
};

std::vector<std::byte> encode_snapshot(const Snapshot& snapshot);
// nullopt when the header or the layout text is damaged; regions are read as far as they go.
std::optional<Snapshot> decode_snapshot(std::span<const uint8_t> data);

// The snapshot's memory as the target stage sees a core: an in-memory ELF core with one
// PT_LOAD per region, decoded by load_core and turned into an AddressSpace. Regions past
// `max_bytes` in total are dropped.
struct SnapshotMemory {
  std::optional<target::CoreFile> core;
  target::AddressSpace memory;
};
std::unique_ptr<SnapshotMemory> snapshot_memory(const Snapshot& snapshot,
                                                uint64_t max_bytes = uint64_t{256} << 20);

// Modules of an empty core. AddressSpace::build consults the modules only for NT_FILE
// mappings, so this one serves every core that has none, or whose file pages we skip.
const target::Modules& empty_modules();

}  // namespace pycore::fuzz
