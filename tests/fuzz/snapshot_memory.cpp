// A snapshot's regions turned into target memory through the real ELF core reader.
#include <elf.h>

#include <cstring>

#include "pycore/target/modules.hpp"
#include "snapshot.hpp"

namespace pycore::fuzz {
namespace {

// An x86-64 ELF core header whose `phnum` program headers follow it directly.
Elf64_Ehdr core_header(size_t phnum) {
  Elf64_Ehdr ehdr{};
  std::memcpy(ehdr.e_ident, ELFMAG, SELFMAG);
  ehdr.e_ident[EI_CLASS] = ELFCLASS64;
  ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
  ehdr.e_ident[EI_VERSION] = EV_CURRENT;
  ehdr.e_type = ET_CORE;
  ehdr.e_machine = EM_X86_64;
  ehdr.e_version = EV_CURRENT;
  ehdr.e_phoff = phnum ? sizeof ehdr : 0;
  ehdr.e_ehsize = sizeof ehdr;
  ehdr.e_phentsize = sizeof(Elf64_Phdr);
  ehdr.e_phnum = static_cast<uint16_t>(phnum);
  return ehdr;
}

}  // namespace

const target::Modules& empty_modules() {
  static const target::Modules modules = [] {
    Elf64_Ehdr ehdr = core_header(0);
    std::vector<std::byte> bytes(sizeof ehdr);
    std::memcpy(bytes.data(), &ehdr, sizeof ehdr);
    auto core = target::load_core(target::MappedFile::from_memory("empty", std::move(bytes)));
    target::ModuleOptions options;
    options.cache_dir = "-";
    auto loaded = target::Modules::load(core.value(), options);
    return std::move(loaded.value());
  }();
  return modules;
}

std::unique_ptr<SnapshotMemory> snapshot_memory(const Snapshot& snapshot, uint64_t max_bytes) {
  std::vector<const SnapshotRegion*> regions;
  uint64_t total = 0;
  for (const auto& r : snapshot.regions) {
    if (r.size() == 0 || r.size() > max_bytes - total) continue;
    total += r.size();
    regions.push_back(&r);
  }
  Elf64_Ehdr ehdr = core_header(std::min<size_t>(regions.size(), PN_XNUM - 1));
  regions.resize(ehdr.e_phnum);

  uint64_t offset = sizeof ehdr + regions.size() * sizeof(Elf64_Phdr);
  std::vector<std::byte> bytes(offset + total);
  std::memcpy(bytes.data(), &ehdr, sizeof ehdr);
  for (size_t i = 0; i < regions.size(); ++i) {
    const SnapshotRegion& r = *regions[i];
    Elf64_Phdr ph{};
    ph.p_type = PT_LOAD;
    ph.p_flags = PF_R | (r.writable ? PF_W : 0);
    ph.p_offset = offset;
    ph.p_vaddr = r.start;
    ph.p_filesz = ph.p_memsz = r.size();
    ph.p_align = 1;
    std::memcpy(bytes.data() + sizeof ehdr + i * sizeof ph, &ph, sizeof ph);
    if (!r.zero) std::memcpy(bytes.data() + offset, r.bytes.data(), r.bytes.size());
    offset += r.size();
  }
  auto out = std::make_unique<SnapshotMemory>();
  auto core = target::load_core(target::MappedFile::from_memory("snapshot", std::move(bytes)));
  if (!core) return out;
  out->core = std::move(core.value());
  out->memory = target::AddressSpace::build(*out->core, empty_modules());
  return out;
}

}  // namespace pycore::fuzz
