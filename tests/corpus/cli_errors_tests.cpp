// Bad input through the CLI: each case gives a one-line message, its documented exit code,
// and never a crash (a signal shows up as an exit code >= 128).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "corpus.hpp"

using nlohmann::json;
using namespace pycore::test;

namespace {

// One segv_deep core per interpreter (3.x only).
std::vector<const CorpusEntry*> segv_cores() {
  std::vector<const CorpusEntry*> out;
  for (const auto& e : corpus().ok)
    if (e.scenario == "segv_deep" && e.version.rfind("3.", 0) == 0) out.push_back(&e);
  return out;
}

std::string temp_path(const std::string& tag) {
  return std::string("/tmp/pycore-cli-") + tag + "-" + std::to_string(getpid());
}

}  // namespace

TEST_CASE("usage errors exit 2", "[cli]") {
  CHECK(run_analyzer({}).exit_code == 2);
  CHECK(run_analyzer({"a", "b", "c"}).exit_code == 2);
  CHECK(run_analyzer({"--format", "xml", "core"}).exit_code == 2);
  auto help = run_analyzer({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("Exit codes") != std::string::npos);
}

TEST_CASE("a missing core exits 3 and names the file", "[cli]") {
  auto r = run_analyzer({"/nonexistent/core.123"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("/nonexistent/core.123") != std::string::npos);
}

TEST_CASE("a file that is not a core exits 4", "[cli]") {
  std::string garbage = temp_path("garbage");
  {
    std::ofstream f(garbage, std::ios::binary);
    for (int i = 0; i < 4096; ++i) f.put(static_cast<char>((i * 7919) & 0xff));
  }
  auto r = run_analyzer({garbage});
  CHECK(r.exit_code == 4);
  CHECK(r.err.find(garbage) != std::string::npos);
  // An ELF that is not a core: the analyzer itself.
  auto elf = run_analyzer({PYCORE_ANALYZER});
  CHECK(elf.exit_code == 4);
  std::remove(garbage.c_str());
}

TEST_CASE("a core cut to half its size gives a partial report and exit 6", "[cli][corpus]") {
  auto cores = segv_cores();
  REQUIRE(!cores.empty());
  for (const auto* e : cores) {
    INFO(e->interpreter << " " << e->core);
    std::string cut = temp_path("half");
    auto size = run_command("stat -c %s " + shell_quote(e->core));
    long half = std::stol(size.out) / 2;
    std::string cut_cmd =
        "head -c " + std::to_string(half) + " " + shell_quote(e->core) + " > " + shell_quote(cut);
    REQUIRE(run_command("sh -c " + shell_quote(cut_cmd)).exit_code == 0);
    auto r = run_analyzer({"--json", e->executable, cut});
    CHECK(r.exit_code == 6);
    json doc = json::parse(r.out, nullptr, false);
    REQUIRE(!doc.is_discarded());
    bool warned = false;
    for (const auto& w : doc["warnings"])
      warned |= w.get<std::string>().find("truncated") != std::string::npos;
    CHECK(warned);
    // The crashing thread's registers are in the notes at the start of the file.
    REQUIRE(doc["crash"].is_object());
    CHECK(doc["crash"]["thread"] == e->truth["crashed_tid"]);
    std::remove(cut.c_str());
  }
}

TEST_CASE("a core paired with the wrong executable exits 7 and names it", "[cli][corpus]") {
  auto cores = segv_cores();
  REQUIRE(!cores.empty());
  if (cores.size() < 2) {
    WARN("only one interpreter: no wrong executable to pair with");
    return;
  }
  for (size_t i = 0; i < cores.size(); ++i) {
    const auto* e = cores[i];
    const auto* other = cores[(i + 1) % cores.size()];
    INFO(e->interpreter << " core with " << other->executable);
    auto r = run_analyzer({"--json", other->executable, e->core});
    CHECK(r.exit_code == 7);
    json doc = json::parse(r.out, nullptr, false);
    REQUIRE(!doc.is_discarded());
    bool named = false;
    for (const auto& w : doc["warnings"])
      named |= w.get<std::string>().find("build-id") != std::string::npos;
    CHECK(named);
  }
}

TEST_CASE("a Python 2.7 core is refused with exit 5", "[cli][corpus]") {
  bool seen = false;
  for (const auto& e : corpus().ok) {
    if (e.version.rfind("2.", 0) != 0) continue;
    seen = true;
    INFO(e.core);
    auto r = run_analyzer({e.executable, e.core});
    CHECK(r.exit_code == 5);
    CHECK(r.out.find("2.7") != std::string::npos);
  }
  if (!seen) WARN("no Python 2 interpreter in the corpus: refusal not exercised");
}

TEST_CASE("exit 0 for a clean crash, 1 when the heap check finds corruption", "[cli][corpus]") {
  size_t clean = 0, corrupt = 0;
  for (const auto& e : corpus().ok) {
    if (e.version.rfind("3.", 0) != 0) continue;
    INFO(e.interpreter << "/" << e.scenario);
    if (e.scenario == "segv_deep") {
      CHECK(run_analyzer({e.executable, e.core}).exit_code == 0);
      ++clean;
    } else if (e.scenario == "heap_refcount_underflow") {
      CHECK(run_analyzer({e.executable, e.core}).exit_code == 1);
      ++corrupt;
    }
  }
  CHECK(clean > 0);
  CHECK(corrupt > 0);
}

TEST_CASE("Debian's static python3.11 gives the same stacks without its debug info",
          "[cli][corpus]") {
  size_t seen = 0;
  for (const auto& e : corpus().ok) {
    if (e.interpreter != "debian-3.11" || e.truth.contains("skipped")) continue;
    ++seen;
    INFO(e.scenario);
    auto with = run_analyzer({"--json", "--no-heap", "--no-cache", e.executable, e.core});
    auto without = run_analyzer(
        {"--json", "--no-heap", "--no-cache", "--debug-dir", "/nonexistent", e.executable, e.core});
    json a = json::parse(with.out, nullptr, false), b = json::parse(without.out, nullptr, false);
    REQUIRE(!a.is_discarded());
    REQUIRE(!b.is_discarded());
    CHECK(a["python"]["layout_source"] == "dwarf");
    CHECK(b["python"]["layout_source"] == "builtin");
    REQUIRE(a["threads"].size() == b["threads"].size());
    for (size_t i = 0; i < a["threads"].size(); ++i) {
      CHECK(a["threads"][i]["tid"] == b["threads"][i]["tid"]);
      CHECK(a["threads"][i]["name"] == b["threads"][i]["name"]);
      CHECK(a["threads"][i]["python_frames"] == b["threads"][i]["python_frames"]);
      CHECK(a["threads"][i]["exceptions"] == b["threads"][i]["exceptions"]);
    }
  }
  if (seen == 0) WARN("Debian's /usr/bin/python3.11 is not in the corpus: not exercised");
}

TEST_CASE("an internal error exits 70 with a one-line message", "[cli]") {
  auto r = run_command("PYCORE_TEST_FAULT=internal " + shell_quote(PYCORE_ANALYZER) + " core");
  CHECK(r.exit_code == 70);
  CHECK(r.err.find("internal error") != std::string::npos);
}

TEST_CASE("a core of a process without Python exits 8 with its native report", "[cli]") {
  // A real crash of a non-Python program: sleep, killed with SIGSEGV.
  std::string dir = "/tmp/pycore-nopython-" + std::to_string(getpid());
  std::string script = "mkdir -p " + dir + " && cd " + dir +
                       " && ulimit -c unlimited && (sleep 30 & pid=$!; sleep 0.2; "
                       "kill -SEGV $pid; wait $pid; true)";
  run_command("bash -c " + shell_quote(script));
  std::string core = dir + "/core";
  if (run_command("test -s " + shell_quote(core)).exit_code != 0) {
    WARN("no core written for sleep (core_pattern is not a plain file name here): not exercised");
    return;
  }
  auto r = run_analyzer({"--json", "--no-heap", core});
  CHECK(r.exit_code == 8);
  json doc = json::parse(r.out, nullptr, false);
  REQUIRE(!doc.is_discarded());
  CHECK(doc["python"]["version"].is_null());
  REQUIRE(doc["threads"].size() >= 1);
  CHECK(!doc["threads"][0]["native_frames"].empty());
  run_command("rm -rf " + shell_quote(dir));
}
