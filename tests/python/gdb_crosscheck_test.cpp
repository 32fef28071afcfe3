// Cross-check with gdb's own CPython extension (python-gdb.py, `py-bt`): wherever gdb
// prints a Python frame, our stack of the same thread has it too, in the same order,
// with the same function, file and line.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <sstream>

#include "corpus_support.hpp"
#include "interpreters.hpp"
#include "pycore/python/analyze.hpp"

using namespace pycore;
namespace fs = std::filesystem;

namespace {

struct GdbFrame {
  std::string file, function;
  int line = 0;
};

// python-gdb.py of an interpreter: pyenv keeps it next to the executable, Debian under
// /usr/share/gdb/auto-load.
std::string gdb_extension(const std::string& executable) {
  std::error_code ec;
  fs::path exe = fs::canonical(executable, ec);
  if (ec) return {};
  for (const fs::path& candidate :
       {fs::path(exe.string() + "-gdb.py"),
        fs::path("/usr/share/gdb/auto-load") / exe.relative_path().concat("-gdb.py")}) {
    if (fs::exists(candidate)) return candidate.string();
  }
  return {};
}

// LWP id -> frames (innermost first) from `thread apply all py-bt`.
std::map<int64_t, std::vector<GdbFrame>> gdb_stacks(const std::string& executable,
                                                    const std::string& extension,
                                                    const std::string& core) {
  std::string command =
      "gdb -batch -nx -iex 'set debuginfod enabled off' "
      "-iex 'add-auto-load-safe-path /' -ex 'source " +
      extension + "' -ex 'thread apply all py-bt' '" + executable + "' '" + core + "' 2>/dev/null";
  std::istringstream out(test::run_command(command));
  std::map<int64_t, std::vector<GdbFrame>> stacks;
  // "Thread 2 (Thread 0x7f... (LWP 13881)):" and '  File "f.py", line 12, in fn'.
  std::string line;
  std::vector<GdbFrame>* current = nullptr;
  while (std::getline(out, line)) {
    if (line.rfind("Thread ", 0) == 0) {
      size_t lwp = line.find("LWP ");
      if (lwp != std::string::npos) current = &stacks[std::atoll(line.c_str() + lwp + 4)];
      continue;
    }
    size_t file = line.find("File \"");
    if (!current || file == std::string::npos || line.find_first_not_of(' ') != file) continue;
    size_t file_end = line.find("\", line ", file + 6);
    if (file_end == std::string::npos) continue;
    size_t in = line.find(", in ", file_end + 8);
    if (in == std::string::npos) continue;
    GdbFrame f;
    f.file = line.substr(file + 6, file_end - file - 6);
    f.line = std::atoi(line.c_str() + file_end + 8);
    f.function = line.substr(in + 5);
    current->push_back(std::move(f));
  }
  return stacks;
}

}  // namespace

TEST_CASE("corpus: stacks agree with gdb's py-bt", "[corpus][gdb]") {
  if (test::run_command("gdb --version").empty()) {
    WARN("gdb not found; cross-check skipped");
    return;
  }
  auto manifest = test::read_manifest(test::corpus_dir());
  REQUIRE(manifest.has_value());
  REQUIRE(!manifest->empty());
  int cores = 0, compared_frames = 0, mismatches = 0, gdb_errors = 0;
  for (const auto& entry : *manifest) {
    if (entry.status != "ok" || entry.version.rfind("3.", 0) != 0) continue;
    std::string extension = gdb_extension(entry.executable);
    if (extension.empty()) {
      WARN("no python-gdb.py for " << entry.executable);
      continue;
    }
    auto loaded = test::load_core(entry.core, entry.executable);
    if (!loaded->error.empty()) {
      FAIL_CHECK(entry.interpreter << "/" << entry.scenario << ": " << loaded->error);
      continue;
    }
    auto result = python::analyze_python(*loaded->core, loaded->memory, *loaded->modules,
                                         *loaded->layout, loaded->native, {});
    auto stacks = gdb_stacks(entry.executable, extension, entry.core);
    auto truth = test::read_json(entry.truth_path);
    ++cores;
    for (const auto& [lwp, frames] : stacks) {
      auto thread = std::find_if(result.threads.begin(), result.threads.end(),
                                 [lwp = lwp](const report::ThreadInfo& t) { return t.tid == lwp; });
      if (frames.empty()) continue;
      INFO(entry.interpreter << "/" << entry.scenario << " thread " << lwp);
      REQUIRE(thread != result.threads.end());
      // gdb may leave frames out (unreadable ones); the ones it shows must appear in ours,
      // in order. When gdb's line differs from ours, the truth recorded by the crashing
      // process decides (python-gdb.py of 3.8 reads co_lnotab's line deltas unsigned).
      nlohmann::json truth_stack = nlohmann::json::array();
      for (const auto& t : truth["threads"])
        if (t["tid"].is_number() && t["tid"].get<int64_t>() == lwp) truth_stack = t["stack"];
      size_t ours = 0;
      for (const GdbFrame& g : frames) {
        size_t at = ours;
        while (at < thread->python_frames.size() &&
               !(thread->python_frames[at].function == g.function &&
                 thread->python_frames[at].file == g.file &&
                 thread->python_frames[at].line == g.line))
          ++at;
        ++compared_frames;
        if (at < thread->python_frames.size()) {
          ours = at + 1;
          continue;
        }
        const auto* mine =
            ours < thread->python_frames.size() ? &thread->python_frames[ours] : nullptr;
        bool gdb_wrong = mine && mine->function == g.function && mine->file == g.file &&
                         ours < truth_stack.size() && truth_stack[ours]["line"].is_number() &&
                         mine->line == truth_stack[ours]["line"].get<int>();
        if (gdb_wrong) {
          ++gdb_errors;
          WARN("gdb says " << g.function << " line " << g.line << ", we and the truth say "
                           << *mine->line);
          ++ours;
          continue;
        }
        ++mismatches;
        FAIL_CHECK("gdb frame " << g.function << " (" << g.file << ":" << g.line
                                << ") not found in our stack at or after position " << ours);
        break;
      }
    }
  }
  WARN("gdb cross-check: " << cores << " cores, " << compared_frames << " frames compared, "
                           << mismatches << " mismatches, " << gdb_errors
                           << " frames where gdb's line is wrong (the truth agrees with us)");
  CHECK(cores > 0);
  CHECK(mismatches == 0);
}
