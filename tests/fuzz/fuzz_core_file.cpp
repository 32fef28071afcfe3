// libFuzzer target: the ELF core reader (header, program headers, notes) and the
// AddressSpace built from what it decoded, on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "pycore/target/address_space.hpp"
#include "pycore/target/core_file.hpp"
#include "snapshot.hpp"

using namespace pycore;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto* p = reinterpret_cast<const std::byte*>(data);
  auto core = target::load_core(target::MappedFile::from_memory("fuzz", {p, p + size}));
  if (!core) return 0;
  auto memory = target::AddressSpace::build(*core, fuzz::empty_modules());
  // What the later stages ask of a fresh core: registers' targets, the auxv strings, the
  // segments' first and last bytes.
  uint64_t word = 0;
  for (const auto& thread : core->threads) {
    memory.read(thread.regs.rip(), &word, sizeof word);
    memory.read(thread.regs.rsp(), &word, sizeof word);
  }
  for (const auto& [type, value] : core->auxv) (void)memory.cstring(value, 256);
  for (const auto& seg : core->segments) {
    (void)memory.view(seg.vaddr, 16);
    memory.read(seg.vaddr + seg.memsz - 8, &word, sizeof word);
  }
  return 0;
}
