// The target stage on real cores of every interpreter the corpus generator found.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <map>
#include <sstream>

#include "gdb_backtrace.hpp"
#include "manifest.hpp"
#include "pycore/target/address_space.hpp"
#include "pycore/target/native_stack.hpp"
#include "synthetic_core.hpp"
#include "truth.hpp"

using namespace pycore;
using namespace pycore::target;
using namespace pycore::target::testing;
namespace fs = std::filesystem;
using test::CorpusEntry;
using Corpus = std::vector<CorpusEntry>;

namespace {

// The corpus; fails when it lists nothing. With `report`, every entry that is not usable
// is reported (once per run is enough: the first test case does it).
Corpus require_corpus(bool report = false) {
  auto corpus = test::read_manifest(PYCORE_CORPUS_DIR);
  INFO("corpus in " << PYCORE_CORPUS_DIR << " (CTest fixture `corpus`)");
  REQUIRE(corpus.has_value());
  // No interpreter found means nothing was tested: that is a failure, not a skip.
  REQUIRE_FALSE(corpus->empty());
  size_t ok = 0;
  for (const auto& e : *corpus) {
    if (e.status == "ok") {
      ++ok;
    } else if (report) {
      WARN(e.status << " " << e.interpreter << "/" << e.scenario << ": " << e.reason);
    }
  }
  REQUIRE(ok > 0);
  return *corpus;
}

std::vector<const CorpusEntry*> ok_entries(const Corpus& corpus) {
  std::vector<const CorpusEntry*> out;
  for (const auto& e : corpus) {
    if (e.status == "ok" && !e.core.empty()) out.push_back(&e);
  }
  return out;
}

// One crash core per interpreter, rotating through the preferred scenarios so that
// together they cover a segfault in C, abort(), a C extension and threads.
std::vector<const CorpusEntry*> one_per_interpreter(const Corpus& corpus) {
  static const std::vector<std::string> kPreferred = {"segv_deep", "abort_in_except", "cext_crash",
                                                      "threads"};
  std::map<std::string, std::vector<const CorpusEntry*>> by_interp;
  for (const auto* e : ok_entries(corpus)) {
    if (e->method != "gcore") by_interp[e->interpreter].push_back(e);
  }
  std::vector<const CorpusEntry*> chosen;
  size_t turn = 0;
  for (auto& [id, entries] : by_interp) {
    const CorpusEntry* pick = entries.front();
    for (size_t k = 0; k < kPreferred.size(); ++k) {
      const auto& want = kPreferred[(turn + k) % kPreferred.size()];
      auto it = std::find_if(entries.begin(), entries.end(),
                             [&](const CorpusEntry* e) { return e->scenario == want; });
      if (it != entries.end()) {
        pick = *it;
        break;
      }
    }
    chosen.push_back(pick);
    ++turn;
  }
  return chosen;
}

std::string real(const std::string& path) {
  std::error_code ec;
  auto p = fs::canonical(path, ec);
  return ec ? path : p.string();
}

// Compiler clones and parts keep their function's name before the first dot suffix;
// symbol versions are not part of the name.
std::string normalize(std::string name) {
  if (auto at = name.find('@'); at != std::string::npos && at > 0) name.resize(at);
  for (const char* suffix : {".lto_priv.", ".cold", ".constprop.", ".isra.", ".part."}) {
    if (auto at = name.find(suffix); at != std::string::npos && at > 0) name.resize(at);
  }
  return name;
}

// gdb names a frame by its DWARF function (and the functions inlined there); we name it by
// the ELF symbol. They agree when one of gdb's names is ours, or is an alias of ours.
bool names_agree(const NativeFrame& ours, const GdbFrame& gdb, const Modules& modules) {
  std::string mine = normalize(ours.function);
  for (const auto& name : gdb.names) {
    if (normalize(name) == mine) return true;
  }
  auto sym = modules.find_symbol(ours.function, ours.module);
  if (!sym) return false;
  for (const auto& name : gdb.names) {
    for (std::string candidate : {name, normalize(name)}) {
      auto alias = modules.find_symbol(candidate, ours.module);
      if (alias && alias->address == sym->address) return true;
    }
  }
  return false;
}

std::string describe(const std::vector<NativeFrame>& frames) {
  std::ostringstream out;
  for (size_t i = 0; i < frames.size() && i < 12; ++i) {
    out << "  #" << i << " 0x" << std::hex << frames[i].pc << std::dec << " "
        << (frames[i].function.empty() ? "??" : frames[i].function) << "\n";
  }
  return out.str();
}

struct Loaded {
  CoreFile core;
  Modules modules;
};

Loaded load(const std::string& core_path, const ModuleOptions& options = {}) {
  auto core = load_core(core_path);
  REQUIRE(core.ok());
  auto modules = Modules::load(*core, options);
  REQUIRE(modules.ok());
  return {std::move(core.value()), std::move(modules.value())};
}

}  // namespace

TEST_CASE("every corpus core loads, unwinds and agrees with its truth", "[target][integration]") {
  Corpus corpus = require_corpus(true);
  for (const CorpusEntry* e : ok_entries(corpus)) {
    INFO(e->interpreter << "/" << e->scenario << ": " << e->core);
    REQUIRE_FALSE(e->executable.empty());
    Loaded l = load(e->core);
    CHECK_FALSE(l.core.truncated);
    REQUIRE_FALSE(l.core.threads.empty());
    REQUIRE_FALSE(l.core.mappings.empty());

    // The executable, found from NT_FILE alone, is the interpreter that ran.
    CHECK(find_executable(l.core) == real(e->executable));
    const Module* main = l.modules.main();
    REQUIRE(main != nullptr);
    CHECK(main->file == real(e->executable));
    CHECK(main->status == BuildIdStatus::kMatch);
    CHECK(l.modules.warnings().empty());
    CHECK(l.modules.find_symbol("PyObject_GetAttr"));

    auto threads = unwind_all_threads(l.core, l.modules);
    REQUIRE(threads.size() == l.core.threads.size());
    const NativeThread& crashed = threads.front();
    INFO("crashing thread:\n" << describe(crashed.frames) << crashed.error);
    CHECK(crashed.tid == l.core.threads.front().tid);
    REQUIRE_FALSE(crashed.frames.empty());
    CHECK(crashed.frames[0].pc == l.core.threads.front().regs.rip());
    CHECK(crashed.frames[0].activation);
    CHECK_FALSE(crashed.frames[0].function.empty());

    Truth truth = read_truth(e->truth_path);
    for (int tid : truth.tids) {
      bool present = std::any_of(threads.begin(), threads.end(),
                                 [&](const NativeThread& t) { return t.tid == tid; });
      CHECK(present);
    }
    if (e->method == "gcore") continue;  // a live snapshot: no signal
    // The crashing thread is the thread that took the signal.
    REQUIRE(l.core.signal);
    CHECK(l.core.threads.front().pending_signal == l.core.signal->signo);
    if (truth.signal) CHECK(l.core.signal->signo == *truth.signal);
    if (truth.crashed_tid) CHECK(crashed.tid == *truth.crashed_tid);
    CHECK(crashed.frames.size() >= 5);
  }
}

TEST_CASE("the crashing thread's native frames agree with gdb", "[target][integration][gdb]") {
  Corpus corpus = require_corpus();
  auto chosen = one_per_interpreter(corpus);
  REQUIRE_FALSE(chosen.empty());
  // gdb takes a second or two per core: run two at once.
  std::vector<std::string> outputs(chosen.size());
  for (size_t i = 0; i < chosen.size(); i += 2) {
    std::vector<std::future<std::string>> running;
    for (size_t k = i; k < chosen.size() && k < i + 2; ++k) {
      std::string exe = chosen[k]->executable;
      running.push_back(std::async(std::launch::async, run_gdb_backtrace, exe, chosen[k]->core,
                                   std::string(PYCORE_TARGET_GDB_CACHE)));
    }
    for (size_t k = 0; k < running.size(); ++k) outputs[i + k] = running[k].get();
  }

  constexpr size_t kCompared = 5;
  for (size_t i = 0; i < chosen.size(); ++i) {
    const CorpusEntry* e = chosen[i];
    Loaded l = load(e->core);
    auto threads = unwind_all_threads(l.core, l.modules);
    REQUIRE_FALSE(threads.empty());
    const auto& frames = threads.front().frames;
    auto gdb = parse_gdb_backtrace(outputs[i]);
    INFO(e->interpreter << "/" << e->scenario << "\nours:\n"
                        << describe(frames) << "gdb:\n"
                        << outputs[i].substr(outputs[i].find("\n#0") == std::string::npos
                                                 ? 0
                                                 : outputs[i].find("\n#0")));
    REQUIRE(gdb.size() >= 2);
    size_t named = 0;
    for (size_t f = 0; f < frames.size() && f < kCompared; ++f) {
      INFO("frame #" << f);
      const GdbFrame* match = nullptr;
      if (f == 0) {
        match = &gdb.front();
      } else {
        for (const auto& g : gdb) {
          if (g.pc == frames[f].pc) match = &g;
        }
      }
      REQUIRE(match != nullptr);  // gdb unwound to the same return address
      // gdb's "<signal handler called>" is the kernel's trampoline (__restore_rt for us).
      bool gdb_named = std::any_of(match->names.begin(), match->names.end(), [](const auto& n) {
        return n != "??" && n != "<signal handler called>";
      });
      if (!gdb_named) continue;
      CHECK(names_agree(frames[f], *match, l.modules));
      ++named;
    }
    CHECK(named >= 3);
  }
}

TEST_CASE("a core cut to half its size still has modules and registers", "[target][integration]") {
  Corpus corpus = require_corpus();
  bool on_disk = false;
  for (const CorpusEntry* e : one_per_interpreter(corpus)) {
    INFO(e->interpreter << "/" << e->scenario);
    Loaded full = load(e->core);
    Bytes bytes = read_file(e->core);
    bytes.resize(bytes.size() / 2);
    Result<CoreFile> half = [&]() -> Result<CoreFile> {
      if (on_disk) return load_core(MappedFile::from_memory(e->core + " (half)", bytes));
      // Once through a real file, as `head -c` would leave it.
      on_disk = true;
      std::string path = fs::temp_directory_path() / ("pycore-half-" + e->interpreter);
      write_file(path, bytes);
      auto core = load_core(path);
      fs::remove(path);
      return core;
    }();
    REQUIRE(half.ok());
    CHECK(half->truncated);
    CHECK(half->missing_bytes == full.core.file->bytes().size() - bytes.size());
    REQUIRE(half->threads.size() == full.core.threads.size());
    CHECK(half->threads[0].regs.raw == full.core.threads[0].regs.raw);
    auto modules = Modules::load(*half, {});
    REQUIRE(modules.ok());
    REQUIRE(modules->main() != nullptr);
    CHECK(modules->main()->file == full.modules.main()->file);
    CHECK(modules->list().size() >= full.modules.list().size() / 2);
    AddressSpace memory = AddressSpace::build(*half, *modules);
    auto threads = unwind_all_threads(*half, *modules);
    REQUIRE_FALSE(threads.empty());
    REQUIRE_FALSE(threads[0].frames.empty());
    CHECK(threads[0].frames[0].pc == full.core.threads[0].regs.rip());
  }
}

TEST_CASE("a core paired with the wrong executable is a build-id mismatch",
          "[target][integration]") {
  Corpus corpus = require_corpus();
  auto chosen = one_per_interpreter(corpus);
  for (size_t i = 0; i < chosen.size(); ++i) {
    const CorpusEntry* e = chosen[i];
    std::string own = real(e->executable);
    std::string wrong;
    for (const auto& other : corpus) {
      if (real(other.executable) != own && fs::exists(other.executable)) wrong = other.executable;
    }
    if (wrong.empty()) {
      WARN("no second interpreter to pair " << e->interpreter << " with");
      continue;
    }
    INFO(e->interpreter << " core with " << wrong);
    ModuleOptions options;
    options.executable = wrong;
    Loaded l = load(e->core, options);
    REQUIRE(l.modules.main() != nullptr);
    CHECK(l.modules.main()->status == BuildIdStatus::kMismatch);
    CHECK(l.modules.main()->file == wrong);
    REQUIRE(l.modules.warnings().size() == 1);
    CHECK(l.modules.warnings()[0].find(wrong + ": build-id") == 0);
    CHECK(l.modules.warnings()[0].find("ignoring the file's contents") != std::string::npos);
  }
}

// The symbol cache stores a name-sorted index that warm runs search instead of hashing
// every name: it must answer each name exactly as a fresh read of the symbol table does.
TEST_CASE("a warm symbol cache finds every name like a fresh read", "[target][integration]") {
  Corpus corpus = require_corpus();
  fs::path cache = fs::temp_directory_path() / ("pycore-symcache-" + std::to_string(getpid()));
  for (const CorpusEntry* e : one_per_interpreter(corpus)) {
    INFO(e->interpreter << "/" << e->scenario);
    ModuleOptions fresh_options, warm_options;
    fresh_options.cache_dir = "-";
    warm_options.cache_dir = cache.string();
    Loaded fresh = load(e->core, fresh_options);
    load(e->core, warm_options).modules.find_symbol("Py_Initialize");  // fills the cache
    // The warm load must really read cached tables, or this compares two fresh reads.
    size_t cached = 0;
    for (const auto& f : fs::directory_iterator(cache))
      if (f.path().string().ends_with(".v2.symtab")) ++cached;
    REQUIRE(cached > 0);
    Loaded warm = load(e->core, warm_options);
    size_t names = 0;
    for (size_t m = 0; m < fresh.modules.list().size(); ++m) {
      const Module& module = fresh.modules.list()[m];
      if (module.file.empty()) continue;
      // Names as nm sees them in the module's own file (.symtab or .dynsym), and the
      // source names of LTO-renamed statics.
      std::string listing;
      for (const char* flags : {"--defined-only", "-D --defined-only"}) {
        std::string cmd =
            std::string("nm ") + flags + " --format=just-symbols '" + module.file + "' 2>/dev/null";
        if (FILE* p = popen(cmd.c_str(), "r")) {
          char buf[4096];
          size_t n;
          while ((n = fread(buf, 1, sizeof buf, p)) > 0) listing.append(buf, n);
          pclose(p);
        }
      }
      std::istringstream lines(listing);
      std::string name;
      while (std::getline(lines, name)) {
        if (auto at = name.find('@'); at != std::string::npos) name.resize(at);
        std::vector<std::string> keys = {name};
        if (auto lto = name.find(".lto_priv."); lto != std::string::npos)
          keys.push_back(name.substr(0, lto));
        for (const auto& key : keys) {
          auto a = fresh.modules.find_symbol(key, static_cast<int>(m));
          auto b = warm.modules.find_symbol(key, static_cast<int>(m));
          ++names;
          REQUIRE(a.has_value() == b.has_value());
          if (a) {
            INFO(key);
            CHECK(a->address == b->address);
            CHECK(a->name == b->name);
            CHECK(a->tls == b->tls);
          }
        }
      }
    }
    CHECK(names > 1000);
  }
  std::error_code ec;
  fs::remove_all(cache, ec);
}

TEST_CASE("debug directories decide what a stripped python offers", "[target][integration]") {
  Corpus corpus = require_corpus();
  const CorpusEntry* debian = nullptr;
  for (const auto* e : ok_entries(corpus)) {
    if (e->interpreter == "debian-3.11" && e->method != "gcore") debian = e;
  }
  if (debian == nullptr) {
    WARN("no core of Debian's /usr/bin/python3.11 in the corpus");
    return;
  }
  Loaded with = load(debian->core);
  const Module* main = with.modules.main();
  REQUIRE(main != nullptr);
  if (main->debug_file.empty()) {
    WARN("python3.11-dbg is not installed: no separate debug file for " << main->file);
    return;
  }
  CHECK(main->has_symtab);
  CHECK(main->has_dwarf);
  auto pools = with.modules.find_symbol("usedpools");  // a static, renamed by LTO
  REQUIRE(pools);
  CHECK(pools->name.rfind("usedpools", 0) == 0);
  CHECK(pools->module == with.modules.index_of(pools->address));

  ModuleOptions hidden;
  hidden.debug_dirs = {"/nonexistent/pycore-debug"};
  Loaded without = load(debian->core, hidden);
  REQUIRE(without.modules.main() != nullptr);
  CHECK(without.modules.main()->debug_file.empty());
  CHECK_FALSE(without.modules.main()->has_symtab);
  CHECK_FALSE(without.modules.find_symbol("usedpools"));
  auto runtime = without.modules.find_symbol("_PyRuntime");  // exported: in .dynsym
  REQUIRE(runtime);
  CHECK(runtime->address == with.modules.find_symbol("_PyRuntime")->address);
}

TEST_CASE("3.6's interp_head, a static, is found", "[target][integration]") {
  Corpus corpus = require_corpus();
  const CorpusEntry* old = nullptr;
  for (const auto* e : ok_entries(corpus)) {
    if (e->interpreter.find("-3.6.") != std::string::npos) old = e;
  }
  if (old == nullptr) {
    WARN("no Python 3.6 core in the corpus");
    return;
  }
  Loaded l = load(old->core);
  auto head = l.modules.find_symbol("interp_head");
  REQUIRE(head);
  AddressSpace memory = AddressSpace::build(l.core, l.modules);
  auto value = memory.u64(head->address);  // .bss of libpython: dumped
  REQUIRE(value);
  CHECK(*value != 0);
  CHECK(memory.readable(*value, 8));
}

TEST_CASE("real cores cut after their headers or inside their notes still load",
          "[target][integration]") {
  Corpus corpus = require_corpus();
  auto chosen = one_per_interpreter(corpus);
  REQUIRE_FALSE(chosen.empty());
  const CorpusEntry* e = chosen.front();
  Loaded full = load(e->core);
  Bytes bytes = read_file(e->core);
  // The notes follow the program headers; the first PT_LOAD's bytes follow the notes.
  uint64_t headers = 64 + 56 * (full.core.segments.size() + 1);
  uint64_t first_load = bytes.size();
  for (const auto& s : full.core.segments) {
    if (s.filesz > 0) first_load = std::min(first_load, s.offset);
  }
  for (uint64_t cut : {headers, (headers + first_load) / 2, first_load - 1}) {
    INFO(e->interpreter << "/" << e->scenario << " cut at " << cut);
    auto core =
        load_core(MappedFile::from_memory("cut", Bytes(bytes.begin(), bytes.begin() + cut)));
    REQUIRE(core.ok());
    CHECK(core->truncated);
    CHECK(core->segments.size() == full.core.segments.size());
    CHECK(core->threads.size() <= full.core.threads.size());
    auto modules = Modules::load(*core, {});
    REQUIRE(modules.ok());
    AddressSpace memory = AddressSpace::build(*core, *modules);
    uint64_t sp = full.core.threads[0].regs.rsp();
    uint64_t word = 0;
    CHECK(memory.read(sp, &word, 8).fault == Fault::kTruncated);
    auto threads = unwind_all_threads(*core, *modules);
    CHECK(threads.size() == core->threads.size());
  }
}
