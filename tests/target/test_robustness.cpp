// Garbage in never crashes: damaged cores go through the whole stage (core, modules,
// memory, unwinding) and come out as values. Run under -DPYCORE_SANITIZE=ON too.
#include <elf.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "pycore/target/address_space.hpp"
#include "pycore/target/native_stack.hpp"
#include "synthetic_core.hpp"

using namespace pycore;
using namespace pycore::target;
using namespace pycore::target::testing;
namespace fs = std::filesystem;

namespace {

// Everything the stage offers, on bytes that may be anything. Returns whether the bytes
// were accepted as a core. Symbol lookups read whole symbol tables: only when asked.
bool run_stage(Bytes bytes, bool symbols = true) {
  auto core = load_core(MappedFile::from_memory("damaged", std::move(bytes)));
  if (!core.ok()) {
    CHECK(core.error().code == ExitCode::kNotACore);
    return false;
  }
  auto modules = Modules::load(*core, {});
  if (!modules.ok()) return true;
  AddressSpace memory = AddressSpace::build(*core, *modules);
  for (const auto& thread : core->threads) {
    uint64_t sp = thread.regs.rsp();
    uint8_t buf[64];
    (void)memory.read(sp, buf, sizeof buf);
    (void)memory.cstring(sp, 100);
    if (symbols) (void)modules->symbolize(thread.regs.rip());
  }
  for (const auto& region : memory.regions()) {
    CHECK(region.bytes.size() == region.end - region.start);
    uint8_t last = 0;
    CHECK(memory.read(region.end - 1, &last, 1));
  }
  if (symbols) {
    (void)modules->find_symbol("main");
    auto threads = unwind_all_threads(*core, *modules, 64);
    CHECK(threads.size() >= core->threads.size());
  }
  return true;
}

std::string self_exe() {
  return fs::read_symlink("/proc/self/exe").string();
}

std::string temp_file(const Bytes& bytes) {
  char tmpl[] = "/tmp/pycore-target-input-XXXXXX";
  int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  close(fd);
  write_file(tmpl, bytes);
  return tmpl;
}

}  // namespace

TEST_CASE("files that are not cores are refused with the file's name", "[target][robust]") {
  for (const Bytes& bytes : {Bytes{}, pattern(4096, 1), Bytes{std::byte{0x7f}, std::byte{'E'}}}) {
    std::string path = temp_file(bytes);
    auto core = load_core(path);
    fs::remove(path);
    REQUIRE_FALSE(core.ok());
    CHECK(core.error().code == ExitCode::kNotACore);
    CHECK(core.error().message.find(path) != std::string::npos);
  }
  auto elf = load_core(self_exe());
  REQUIRE_FALSE(elf.ok());
  CHECK(elf.error().code == ExitCode::kNotACore);
  CHECK(elf.error().message.find("ET_CORE") != std::string::npos);
}

TEST_CASE("every prefix of a core is loaded or refused, never a crash", "[target][robust]") {
  FakeProcess fake{self_exe()};
  SyntheticCore spec = fake.build();
  Bytes full = spec.build();
  size_t accepted = 0;
  // Every length through the headers and notes, then 200 lengths spread over the segments.
  size_t dense = spec.load_offset(0) + 256;
  size_t step = std::max<size_t>(1, (full.size() - dense) / 200);
  size_t runs = 0;
  for (size_t size = 0; size <= full.size(); size += size < dense ? 1 : step) {
    bool ok = run_stage(Bytes(full.begin(), full.begin() + size), ++runs % 32 == 0);
    CHECK(ok == (size >= 64));
    accepted += ok;
  }
  CHECK(accepted > 0);
  // A prefix long enough for the notes but cut in the segments still has the thread.
  Bytes half(full.begin(), full.begin() + full.size() / 2);
  auto core = load_core(MappedFile::from_memory("half", half));
  REQUIRE(core.ok());
  CHECK(core->truncated);
  REQUIRE(core->threads.size() == 1);
  CHECK(core->threads[0].regs.rip() == core->auxv_value(AT_ENTRY));
}

TEST_CASE("randomly damaged cores never crash the stage", "[target][robust]") {
  FakeProcess fake{self_exe()};
  SyntheticCore spec = fake.build();
  const Bytes full = spec.build();
  const size_t headers = spec.load_offset(0);
  std::mt19937_64 rng(20240607);
  for (int round = 0; round < 300; ++round) {
    Bytes bytes = full;
    int flips = 1 + static_cast<int>(rng() % 16);
    for (int i = 0; i < flips; ++i) {
      // Mostly headers and notes, where the structure is; sometimes the segments.
      size_t limit = rng() % 4 == 0 ? bytes.size() : headers;
      size_t at = 16 + rng() % (limit - 16);  // keep the identification bytes
      bytes[at] = static_cast<std::byte>(rng());
    }
    if (rng() % 3 == 0) bytes.resize(rng() % bytes.size());
    run_stage(std::move(bytes), round % 8 == 0);
  }
}

TEST_CASE("random bytes after a valid ELF core header never crash", "[target][robust]") {
  SyntheticCore spec;
  spec.loads.push_back({0x1000, 0x1000, 6, pattern(0x1000, 1)});
  Bytes header = spec.build();
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    Bytes bytes(header.begin(), header.begin() + 64);  // a valid ELF header only
    size_t extra = rng() % 8192;
    for (size_t i = 0; i < extra; ++i) bytes.push_back(static_cast<std::byte>(rng()));
    CHECK(run_stage(std::move(bytes)));
  }
}
