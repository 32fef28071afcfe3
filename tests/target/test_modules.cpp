// Modules, build-ids, symbols and file-backed memory, on a fake process whose only module
// is this test executable (real ELF, real symbols, a core built around it).
#include <elf.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "pycore/target/address_space.hpp"
#include "pycore/target/native_stack.hpp"
#include "synthetic_core.hpp"

using namespace pycore::target;
using namespace pycore::target::testing;
namespace fs = std::filesystem;

// Symbols the tests look up in their own executable.
extern "C" [[gnu::noinline, gnu::used]] int pycore_target_test_marker(int x) {
  return x * 3 + 1;
}
namespace pycore_target_test {
[[gnu::noinline, gnu::used]] int mangled_marker(int x) {
  return x * 5 + 2;
}
thread_local int tls_marker = 7;
}  // namespace pycore_target_test
[[gnu::noinline, gnu::used]] static int local_marker(int x) {
  return x * 11 + 3;
}

namespace {

std::string self_exe() {
  return fs::read_symlink("/proc/self/exe").string();
}

// The ELF value of a function of this executable.
uint64_t elf_value(const void* function) {
  return reinterpret_cast<uint64_t>(function) - own_load_base();
}

struct Loaded {
  CoreFile core;
  Modules modules;
  AddressSpace memory;
};

Loaded load(const SyntheticCore& spec, const ModuleOptions& options = {}) {
  auto core = load_core(MappedFile::from_memory("fake-core", spec.build()));
  REQUIRE(core.ok());
  auto modules = Modules::load(*core, options);
  REQUIRE(modules.ok());
  AddressSpace memory = AddressSpace::build(*core, *modules);
  return {std::move(core.value()), std::move(modules.value()), std::move(memory)};
}

bool any_warning(const Modules& modules, const std::string& needle) {
  for (const auto& w : modules.warnings()) {
    if (w.find(needle) != std::string::npos) return true;
  }
  return false;
}

// A temporary directory removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/pycore-target-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("a module whose file matches the core's build-id is trusted", "[target][modules]") {
  FakeProcess fake{self_exe()};
  Loaded l = load(fake.build());
  REQUIRE(l.modules.list().size() >= 1);
  const Module* main = l.modules.main();
  REQUIRE(main != nullptr);
  CHECK(main->is_main);
  CHECK(main->name == self_exe());
  CHECK(main->file == self_exe());
  CHECK(main->status == BuildIdStatus::kMatch);
  CHECK(main->build_id.size() >= 16);
  CHECK(main->build_id == main->disk_build_id);
  CHECK(main->low == fake.base);
  CHECK(main->bias == fake.base);
  CHECK(main->has_symtab);
  CHECK(l.modules.warnings().empty());
  CHECK(find_executable(l.core) == self_exe());
  CHECK(l.modules.index_of(fake.base + 0x10) == main - l.modules.list().data());
  CHECK(l.modules.containing(fake.base - 1) == nullptr);

  SECTION("file-backed bytes fill what the core did not dump") {
    Bytes file = read_file(self_exe());
    uint8_t buf[64];
    // Past the dumped header page, inside the first mapping.
    ReadResult r = l.memory.read(fake.base + 5000, buf, sizeof buf);
    REQUIRE(r);
    CHECK(r.origin == Origin::kFile);
    CHECK(std::memcmp(buf, file.data() + 5000, sizeof buf) == 0);
    // Straddling the header page (core) and the rest (file).
    r = l.memory.read(fake.base + 4096 - 16, buf, 32);
    REQUIRE(r);
    CHECK(r.origin == Origin::kFile);
    CHECK(std::memcmp(buf, file.data() + 4096 - 16, 32) == 0);
    // The code of a function, exactly as in the file.
    uint64_t marker = elf_value(reinterpret_cast<const void*>(&pycore_target_test_marker));
    auto code = l.memory.view(fake.base + marker, 16);
    REQUIRE(code.size() == 16);
    CHECK(std::memcmp(code.data(), reinterpret_cast<const void*>(&pycore_target_test_marker), 16) ==
          0);
    bool from_file = false;
    for (const auto& region : l.memory.regions()) from_file |= region.origin == Origin::kFile;
    CHECK(from_file);
  }

  SECTION("symbols by address and by name") {
    uint64_t marker = elf_value(reinterpret_cast<const void*>(&pycore_target_test_marker));
    auto sym = l.modules.symbolize(fake.base + marker + 2);
    REQUIRE(sym);
    CHECK(sym->name == "pycore_target_test_marker");
    CHECK(sym->address == fake.base + marker);
    CHECK(sym->offset == 2);
    CHECK(sym->size > 0);
    CHECK(sym->module == l.modules.index_of(fake.base));

    auto found = l.modules.find_symbol("pycore_target_test_marker");
    REQUIRE(found);
    CHECK(found->address == fake.base + marker);

    uint64_t mangled =
        elf_value(reinterpret_cast<const void*>(&pycore_target_test::mangled_marker));
    auto demangled = l.modules.symbolize(fake.base + mangled);
    REQUIRE(demangled);
    CHECK(demangled->name == "pycore_target_test::mangled_marker(int)");
    CHECK(l.modules.find_symbol("pycore_target_test::mangled_marker(int)"));

    uint64_t local = elf_value(reinterpret_cast<const void*>(&local_marker));
    auto local_sym = l.modules.find_symbol("local_marker(int)");  // a static: .symtab only
    REQUIRE(local_sym);
    CHECK(local_sym->address == fake.base + local);

    auto tls = l.modules.find_symbol("pycore_target_test::tls_marker");
    REQUIRE(tls);
    CHECK(tls->tls);
    CHECK(tls->address < 0x100000);  // an offset in the TLS block, not an address

    CHECK_FALSE(l.modules.find_symbol("no_such_symbol_anywhere"));
    CHECK_FALSE(l.modules.find_symbol("pycore_target_test_marker", 99));
    CHECK_FALSE(l.modules.symbolize(0x10));
  }

  SECTION("the thread's pc is symbolized even without a stack to unwind") {
    auto threads = unwind_all_threads(l.core, l.modules);
    REQUIRE(threads.size() == 1);
    CHECK(threads[0].tid == 777);
    REQUIRE_FALSE(threads[0].frames.empty());
    CHECK(threads[0].frames[0].pc == l.core.threads[0].regs.rip());
    CHECK(threads[0].frames[0].activation);
    CHECK(threads[0].frames[0].function == "_start");
    CHECK(threads[0].frames[0].module == l.modules.index_of(fake.base));
    auto none = unwind_all_threads(l.core, l.modules, 0);
    REQUIRE(none.size() == 1);
    CHECK(none[0].frames.empty());
  }
}

TEST_CASE("a module whose file has another build-id is not trusted", "[target][modules]") {
  FakeProcess fake{self_exe()};
  fake.mapped_path = "/bin/true";
  Loaded l = load(fake.build());
  const Module* main = l.modules.main();
  REQUIRE(main != nullptr);
  CHECK(main->status == BuildIdStatus::kMismatch);
  CHECK(main->build_id != main->disk_build_id);
  CHECK(any_warning(l.modules, "/bin/true: build-id " + main->build_id + " in the core"));
  CHECK(l.modules.warnings().size() == 1);
  uint8_t buf[8];
  CHECK(l.memory.read(fake.base + 5000, buf, 8).fault == Fault::kNotDumped);
  CHECK(l.memory.read(fake.base + 16, buf, 8));  // the dumped header page is still there
  CHECK_FALSE(l.modules.symbolize(fake.base + 0x2000));
  CHECK_FALSE(l.modules.find_symbol("main"));
  CHECK(l.modules.trusted_file(0) == nullptr);
}

TEST_CASE("the executable given by the user is checked like any file", "[target][modules]") {
  FakeProcess fake{self_exe()};
  ModuleOptions options;
  options.executable = "/bin/true";
  Loaded l = load(fake.build(), options);
  REQUIRE(l.modules.main() != nullptr);
  CHECK(l.modules.main()->status == BuildIdStatus::kMismatch);
  CHECK(l.modules.main()->file == "/bin/true");
  CHECK(any_warning(l.modules, "/bin/true: build-id"));
  CHECK_FALSE(l.modules.find_symbol("pycore_target_test_marker"));
}

TEST_CASE("a module whose file is missing is reported, not fatal", "[target][modules]") {
  FakeProcess fake{self_exe()};
  fake.mapped_path = "/nonexistent/pycore/prog";
  Loaded l = load(fake.build());
  const Module* main = l.modules.main();
  REQUIRE(main != nullptr);
  CHECK(main->name == "/nonexistent/pycore/prog");
  CHECK(main->status == BuildIdStatus::kFileMissing);
  CHECK(main->file.empty());
  CHECK(any_warning(l.modules, "/nonexistent/pycore/prog: not found"));
  CHECK(find_executable(l.core).empty());
  uint8_t buf[8];
  CHECK(l.memory.read(fake.base + 5000, buf, 8).fault == Fault::kNotDumped);
  auto threads = unwind_all_threads(l.core, l.modules);
  REQUIRE(threads.size() == 1);
  CHECK(threads[0].frames.size() == 1);
}

TEST_CASE("paths the core names are looked up under the sysroot", "[target][modules]") {
  TempDir root;
  fs::create_directories(root.path / "opt/pycore-test");
  fs::create_symlink(self_exe(), root.path / "opt/pycore-test/prog");
  FakeProcess fake{self_exe()};
  fake.mapped_path = "/opt/pycore-test/prog";
  SyntheticCore spec = fake.build();
  ModuleOptions options;
  options.sysroot = root.path.string() + "/";
  Loaded l = load(spec, options);
  std::string expected = root.path.string() + "/opt/pycore-test/prog";
  CHECK(find_executable(l.core, options.sysroot) == expected);
  REQUIRE(l.modules.main() != nullptr);
  CHECK(l.modules.main()->file == expected);
  CHECK(l.modules.main()->status == BuildIdStatus::kMatch);
  CHECK(l.modules.find_symbol("pycore_target_test_marker"));
}

TEST_CASE("a module whose header page was lost is found from NT_FILE", "[target][modules]") {
  FakeProcess fake{self_exe()};
  SyntheticCore spec = fake.build();
  spec.loads[0].data.clear();  // as with a coredump_filter without bit 4
  Loaded l = load(spec);
  const Module* main = l.modules.main();
  REQUIRE(main != nullptr);
  CHECK(main->name == self_exe());
  CHECK(main->status == BuildIdStatus::kUnknown);  // the core cannot tell which build it was
  CHECK(main->build_id == main->disk_build_id);
  CHECK(main->bias == fake.base);
  uint8_t buf[4];
  REQUIRE(l.memory.read(fake.base, buf, 4));
  CHECK(std::memcmp(buf, ELFMAG, SELFMAG) == 0);
  CHECK(l.modules.find_symbol("pycore_target_test_marker"));
}

TEST_CASE("mapped files that are not ELF modules never back memory", "[target][modules]") {
  TempDir dir;
  auto data = dir.path / "data.bin";
  write_file(data.string(), pattern(8192, 5));
  SyntheticCore spec;
  spec.loads.push_back({0x70000000, 0x2000, PF_R, {}});
  spec.notes.push_back(
      {"CORE", NT_FILE, file_note(4096, {{0x70000000, 0x70002000, 0, data.string()}})});
  Loaded l = load(spec);
  CHECK(l.modules.list().empty());
  uint8_t buf[4];
  CHECK(l.memory.read(0x70000010, buf, 4).fault == Fault::kNotDumped);
}

TEST_CASE("a file missing at its path is found by build-id in a debug directory",
          "[target][modules]") {
  // First learn the build-id the fake core records.
  FakeProcess fake{self_exe()};
  fake.mapped_path = "/nonexistent/pycore/prog";
  SyntheticCore spec = fake.build();
  std::string id = load(spec).modules.main()->build_id;
  REQUIRE(id.size() > 2);

  TempDir store;
  fs::create_directories(store.path / ".build-id" / id.substr(0, 2));
  fs::path stored = store.path / ".build-id" / id.substr(0, 2) / id.substr(2);
  fs::create_symlink(self_exe(), stored);
  ModuleOptions options;
  options.debug_dirs = {store.path.string()};
  Loaded l = load(spec, options);
  const Module* main = l.modules.main();
  REQUIRE(main != nullptr);
  CHECK(main->status == BuildIdStatus::kMatch);
  CHECK(main->file == stored.string());
  CHECK(l.modules.warnings().empty());
  CHECK(l.modules.find_symbol("pycore_target_test_marker"));
  uint8_t buf[8];
  CHECK(l.memory.read(fake.base + 5000, buf, 8));
}
