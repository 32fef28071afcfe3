// Integration tests over the corpus's real cores (PYCORE_CORPUS_DIR/manifest.json).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "compare.hpp"
#include "pycore/layout/describe.hpp"
#include "pycore/layout/layout.hpp"
#include "pycore/layout/sources.hpp"
#include "pycore/target/address_space.hpp"
#include "pycore/target/core_file.hpp"
#include "pycore/target/modules.hpp"

using namespace pycore;
using namespace pycore::layout;
namespace fs = std::filesystem;

namespace {

struct CoreCase {
  std::string interpreter;  // manifest id, "pyenv-3.11.7"
  std::string version;      // "3.11.7"
  bool debug = false;
  std::string core;
};

// One crash core per interpreter: the plainest scenario each has.
std::vector<CoreCase> corpus_cores() {
  std::ifstream in(PYCORE_CORPUS_DIR "/manifest.json");
  REQUIRE(in);
  nlohmann::json manifest = nlohmann::json::parse(in);
  std::map<std::string, nlohmann::json> interps;
  for (const auto& i : manifest["interpreters"]) interps[i["id"].get<std::string>()] = i;
  std::map<std::string, CoreCase> chosen;
  for (const auto& e : manifest["entries"]) {
    if (e["status"] != "ok" || !e["core"].is_string()) continue;
    std::string scenario = e["scenario"];
    if (scenario != "segv_deep" && scenario != "py2_segv") continue;
    std::string id = e["interpreter"];
    const nlohmann::json& i = interps[id];
    chosen[id] = CoreCase{id, i["version"], i["debug"], e["core"]};
  }
  std::vector<CoreCase> out;
  for (auto& [id, c] : chosen) out.push_back(c);
  return out;
}

struct Process {
  target::CoreFile core;
  target::Modules modules;
  target::AddressSpace memory;
};

std::unique_ptr<Process> open_core(const std::string& path, target::ModuleOptions options = {}) {
  Result<target::CoreFile> core = target::load_core(path);
  REQUIRE(core.ok());
  Result<target::Modules> modules = target::Modules::load(*core, options);
  REQUIRE(modules.ok());
  target::AddressSpace memory = target::AddressSpace::build(*core, *modules);
  return std::unique_ptr<Process>(
      new Process{std::move(core).value(), std::move(modules).value(), std::move(memory)});
}

LayoutOptions only(bool debug_offsets, bool dwarf, bool builtin, std::string cache = "-") {
  LayoutOptions o;
  o.use_debug_offsets = debug_offsets;
  o.use_dwarf = dwarf;
  o.use_builtin = builtin;
  o.cache_dir = std::move(cache);
  return o;
}

bool is_python3(const CoreCase& c) {
  return c.version.rfind("3.", 0) == 0;
}

std::string temp_cache_dir(const std::string& tag) {
  fs::path p =
      fs::temp_directory_path() / ("pycore-layout-" + tag + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p.string();
}

}  // namespace

TEST_CASE("every core: DWARF-only and built-in-only layouts agree", "[corpus]") {
  std::vector<CoreCase> cases = corpus_cores();
  size_t checked = 0;
  for (const CoreCase& c : cases) {
    if (!is_python3(c)) continue;
    INFO(c.interpreter << " " << c.core);
    std::unique_ptr<Process> p = open_core(c.core);
    Result<Layout> dwarf = resolve_layout(p->memory, p->modules, only(false, true, false));
    Result<Layout> table = resolve_layout(p->memory, p->modules, only(false, false, true));
    if (!dwarf.ok() || !table.ok()) {
      WARN("skipped " << c.interpreter << ": "
                      << (dwarf.ok() ? table.error().message : dwarf.error().message));
      continue;
    }
    INFO(describe_layout(*dwarf));
    CHECK(dwarf->build.version_string == c.version);
    CHECK(dwarf->build.debug == c.debug);
    CHECK(dwarf->main_source() == Source::kDwarf);
    CHECK(table->main_source() == Source::kBuiltin);
    std::vector<std::string> diff =
        testing::compare_fields(dwarf->fields, "DWARF", table->fields, "built-in");
    for (const std::string& d : diff) UNSCOPED_INFO(c.interpreter << ": " << d);
    CHECK(diff.empty());

    // Roots every later stage needs.
    const Roots& r = dwarf->roots;
    CHECK(r.type_type != 0);
    CHECK(r.code_type != 0);
    CHECK(r.none != 0);
    CHECK(r.set_dummy != 0);
    if (dwarf->build.minor >= 7)
      CHECK(r.runtime != 0);
    else
      CHECK(r.tstate_current_symbol != 0);
    ++checked;
  }
  CHECK(checked > 0);
}

TEST_CASE("DWARF layouts are cached by build-id: cold and warm timings", "[corpus]") {
  for (const CoreCase& c : corpus_cores()) {
    if (!is_python3(c)) continue;
    INFO(c.interpreter);
    std::unique_ptr<Process> p = open_core(c.core);
    std::string cache = temp_cache_dir("timing");
    auto time = [&](Result<Layout>& out) {
      auto start = std::chrono::steady_clock::now();
      out = resolve_layout(p->memory, p->modules, only(true, true, true, cache));
      return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
          .count();
    };
    Result<Layout> cold = Error{}, warm = Error{};
    double cold_ms = time(cold);
    double warm_ms = time(warm);
    REQUIRE(cold.ok());
    REQUIRE(warm.ok());
    bool cached = false;
    for (const std::string& n : warm->notes) cached |= n.find("cached layout") != std::string::npos;
    CHECK(cached);
    std::vector<std::string> diff =
        testing::compare_fields(cold->fields, "cold", warm->fields, "warm");
    CHECK(diff.empty());
    std::printf("timing: %-16s resolve_layout cold %7.1f ms, warm %6.2f ms\n",
                c.interpreter.c_str(), cold_ms, warm_ms);
    fs::remove_all(cache);
  }
}

TEST_CASE("Debian python3.11: separate debug info and the built-in table agree", "[corpus]") {
  bool found = false;
  for (const CoreCase& c : corpus_cores()) {
    if (c.interpreter != "debian-3.11") continue;
    found = true;
    std::unique_ptr<Process> with = open_core(c.core);
    Result<Layout> dwarf = resolve_layout(with->memory, with->modules, only(false, true, false));
    REQUIRE(dwarf.ok());
    INFO(describe_layout(*dwarf));
    CHECK(dwarf->main_source() == Source::kDwarf);
    CHECK_FALSE(dwarf->build.shared_libpython);

    target::ModuleOptions hidden;
    hidden.debug_dirs = {"/nonexistent"};
    std::unique_ptr<Process> without = open_core(c.core, hidden);
    Result<Layout> fallback =
        resolve_layout(without->memory, without->modules, only(true, true, true));
    REQUIRE(fallback.ok());
    INFO(describe_layout(*fallback));
    CHECK(fallback->main_source() == Source::kBuiltin);
    bool noted = false;
    for (const std::string& n : fallback->notes)
      noted |= n.find("debug info not found") != std::string::npos;
    CHECK(noted);
    CHECK(fallback->build.version_string == "3.11.2");
    std::vector<std::string> diff =
        testing::compare_fields(dwarf->fields, "separate DWARF", fallback->fields, "built-in");
    for (const std::string& d : diff) UNSCOPED_INFO(d);
    CHECK(diff.empty());
  }
  if (!found) WARN("skipped: no core of Debian's /usr/bin/python3.11 in the corpus");
}

TEST_CASE("3.13: every _Py_DebugOffsets value agrees with DWARF", "[corpus]") {
  bool found = false;
  for (const CoreCase& c : corpus_cores()) {
    if (c.version.rfind("3.13.", 0) != 0) continue;
    found = true;
    INFO(c.interpreter);
    std::unique_ptr<Process> p = open_core(c.core);
    Result<Layout> offsets = resolve_layout(p->memory, p->modules, only(true, false, false));
    Result<Layout> dwarf = resolve_layout(p->memory, p->modules, only(false, true, false));
    REQUIRE(offsets.ok());
    REQUIRE(dwarf.ok());
    INFO(describe_layout(*offsets));
    CHECK(offsets->build.identified_by == "_Py_DebugOffsets");
    size_t used = 0;
    for (const FieldLoc& f : offsets->fields) used += f.source == Source::kDebugOffsets;
    CHECK(used >= 50);
    std::vector<std::string> diff = testing::compare_fields(
        offsets->fields, "debug-offsets", dwarf->fields, "DWARF", /*only_present_in_a=*/true);
    for (const std::string& d : diff) UNSCOPED_INFO(d);
    CHECK(diff.empty());
  }
  if (!found) WARN("skipped: no 3.13 core in the corpus");
}

TEST_CASE("a Python 2.7 core is reported as unsupported, naming the version", "[corpus]") {
  bool found = false;
  for (const CoreCase& c : corpus_cores()) {
    if (c.version.rfind("2.", 0) != 0) continue;
    found = true;
    std::unique_ptr<Process> p = open_core(c.core);
    Result<Layout> l = resolve_layout(p->memory, p->modules);
    REQUIRE_FALSE(l.ok());
    CHECK(l.error().code == ExitCode::kUnsupportedPython);
    CHECK(l.error().message.find(c.version) != std::string::npos);
    CHECK(l.error().message.find("libpython2.7") != std::string::npos);
  }
  if (!found) WARN("skipped: no Python 2 core in the corpus");
}

TEST_CASE("a core of a process without Python gives kNoPython", "[core]") {
  // Made on the spot: a crashed `sleep`. Needs core_pattern to write a plain file.
  fs::path dir = temp_cache_dir("nopython");
  fs::create_directories(dir);
  std::string cmd = "cd '" + dir.string() +
                    "' && sh -c 'ulimit -c unlimited; sleep 5 & p=$!; sleep 0.3; "
                    "kill -SEGV $p; wait $p' >/dev/null 2>&1";
  (void)std::system(cmd.c_str());
  std::string core;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("core", 0) == 0) core = e.path().string();
  if (core.empty()) {
    WARN("skipped: no core written (core_pattern is not a plain file name?)");
    fs::remove_all(dir);
    return;
  }
  std::unique_ptr<Process> p = open_core(core);
  Result<Layout> l = resolve_layout(p->memory, p->modules);
  REQUIRE_FALSE(l.ok());
  CHECK(l.error().code == ExitCode::kNoPython);
  fs::remove_all(dir);
}
