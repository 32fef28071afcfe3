// The python stage on every corpus core: threads, stacks, exceptions and locals must
// equal the truth the crashing script recorded about itself.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <sstream>

#include "corpus_support.hpp"
#include "pycore/python/analyze.hpp"

using namespace pycore;
using nlohmann::json;

namespace {

std::string frame_text(const std::string& function, const std::string& file,
                       std::optional<int> line) {
  return function + " (" + test::basename(file) + ":" + (line ? std::to_string(*line) : "?") + ")";
}

std::string stack_text(const std::vector<report::PythonFrameInfo>& frames) {
  std::ostringstream s;
  for (const auto& f : frames) s << "\n    " << frame_text(f.function, f.file, f.line);
  return s.str();
}

std::string truth_stack_text(const json& stack) {
  std::ostringstream s;
  for (const auto& f : stack)
    s << "\n    "
      << frame_text(
             f["function"], f["file"],
             f["line"].is_number() ? std::optional<int>(f["line"].get<int>()) : std::nullopt);
  return s.str();
}

bool same_frame(const std::string& function, const std::string& file, std::optional<int> line,
                const json& truth) {
  std::optional<int> tline;
  if (truth["line"].is_number()) tline = truth["line"].get<int>();
  return function == truth["function"].get<std::string>() &&
         test::basename(file) == test::basename(truth["file"].get<std::string>()) && line == tline;
}

// Tallies per interpreter and scenario for the summary printed at the end.
struct Tally {
  int checks = 0;
  int failures = 0;
  std::vector<std::string> notes;
};

struct Checker {
  Tally& tally;
  bool expect(bool ok, const std::string& what) {
    ++tally.checks;
    if (!ok) {
      ++tally.failures;
      tally.notes.push_back(what);
    }
    return ok;
  }
};

void compare_exception(Checker& c, const report::ExceptionInfo* got, const json& truth,
                       const std::string& where, int depth) {
  if (truth.is_null()) {
    c.expect(got == nullptr, where + ": unexpected exception " + (got ? got->type : ""));
    return;
  }
  if (!c.expect(got != nullptr, where + ": missing " + truth["type"].get<std::string>())) return;
  c.expect(got->type == truth["type"].get<std::string>(),
           where + ": type " + got->type + " != " + truth["type"].get<std::string>());
  if (truth["message"].is_string())
    c.expect(got->message == truth["message"].get<std::string>(),
             where + ": message '" + got->message + "' != '" + truth["message"].get<std::string>() +
                 "'");
  c.expect(got->suppress_context == truth.value("suppress_context", false),
           where + ": suppress_context");
  const json& tb = truth["traceback"];
  bool tb_ok = got->traceback.size() == tb.size();
  for (size_t i = 0; tb_ok && i < tb.size(); ++i)
    tb_ok = same_frame(got->traceback[i].function, got->traceback[i].file, got->traceback[i].line,
                       tb[i]);
  std::ostringstream tbs;
  for (const auto& e : got->traceback) tbs << " " << frame_text(e.function, e.file, e.line);
  c.expect(tb_ok, where + ": traceback differs; got" + tbs.str() + " want" + truth_stack_text(tb));
  if (depth < 16) {
    compare_exception(c, got->context.get(), truth["context"], where + ".__context__", depth + 1);
    compare_exception(c, got->cause.get(), truth["cause"], where + ".__cause__", depth + 1);
  }
}

void compare_entry(const test::CorpusEntry& entry, const json& truth,
                   const python::PythonResult& result, Tally& tally) {
  Checker c{tally};
  bool snapshot = truth.value("kind", "") == "snapshot";
  // Threads: every truth thread is found, with its name, crash flag and stack.
  for (const auto& t : truth["threads"]) {
    if (!t["tid"].is_number()) continue;
    int64_t tid = t["tid"];
    auto it = std::find_if(result.threads.begin(), result.threads.end(),
                           [&](const report::ThreadInfo& ti) { return ti.tid == tid; });
    std::string where = "thread " + std::to_string(tid);
    if (!c.expect(it != result.threads.end(), where + ": not found")) continue;
    c.expect(it->thread_state != 0, where + ": no thread state");
    if (t["name"].is_string())
      c.expect(
          it->name.value_or("<none>") == t["name"].get<std::string>(),
          where + ": name " + it->name.value_or("<none>") + " != " + t["name"].get<std::string>());
    c.expect(it->crashed == (t.value("crashed", false) && !snapshot), where + ": crashed flag");
    const json& stack = t["stack"];
    bool ok = it->python_frames.size() == stack.size();
    for (size_t i = 0; ok && i < stack.size(); ++i)
      ok = same_frame(it->python_frames[i].function, it->python_frames[i].file,
                      it->python_frames[i].line, stack[i]);
    c.expect(ok, where + ": stack differs; got" + stack_text(it->python_frames) + "\n  want" +
                     truth_stack_text(stack));
    // Merged with the native stack: every Python frame is placed on an evaluator frame,
    // unless a warning says why not (a native stack cut short by the frame limit).
    std::string merge_warning = "thread " + std::to_string(tid) + ": native stack has";
    bool warned = std::any_of(result.warnings.begin(), result.warnings.end(),
                              [&](const std::string& w) { return w.rfind(merge_warning, 0) == 0; });
    int merged = 0;
    for (const auto& n : it->native_frames) merged += n.python_frames_here;
    c.expect(warned || merged == static_cast<int>(it->python_frames.size()),
             where + ": " + std::to_string(merged) + " of " +
                 std::to_string(it->python_frames.size()) + " Python frames merged, no warning");
  }
  if (!snapshot && truth["crashed_tid"].is_number()) {
    int64_t crashed_tid = truth["crashed_tid"];
    c.expect(!result.threads.empty() && result.threads[0].crashed &&
                 result.threads[0].tid == crashed_tid,
             "crashed thread is not " + std::to_string(crashed_tid));
  }
  const report::ThreadInfo* crashed =
      !result.threads.empty() && result.threads[0].crashed ? &result.threads[0] : nullptr;
  // The crashed thread's exception (raised, or handled by the crashing frame) and those of
  // other threads listed in "thread_exceptions"; no other thread may show a raised one.
  auto exception_in = [](const report::ThreadInfo& t,
                         const std::string& state) -> const report::ExceptionInfo* {
    for (const auto& e : t.exceptions)
      if (e.state == state) return &e;  // the topmost of that state
    return nullptr;
  };
  std::map<int64_t, const json*> expected;
  if (!snapshot && truth["crashed_tid"].is_number() && truth.contains("exception") &&
      truth["exception"].is_object())
    expected[truth["crashed_tid"].get<int64_t>()] = &truth["exception"];
  if (crashed && truth.contains("exception") && truth["exception"].is_null())
    compare_exception(c, exception_in(*crashed, "handled"), truth["exception"], "exception", 0);
  if (truth.contains("thread_exceptions"))  // pointers into truth itself, not into a copy
    for (const auto& te : truth["thread_exceptions"])
      expected[te["tid"].get<int64_t>()] = &te["exception"];
  for (const auto& t : result.threads) {
    auto it = expected.find(t.tid);
    std::string where = "thread " + std::to_string(t.tid) + " exception";
    if (it != expected.end()) {
      std::string state = it->second->value("state", "handled");
      compare_exception(c, exception_in(t, state), *it->second, where + " (" + state + ")", 0);
      if (state == "raised") continue;
    }
    const report::ExceptionInfo* raised = exception_in(t, "raised");
    c.expect(raised == nullptr, where + ": unexpected raised " + (raised ? raised->type : ""));
  }
  // Locals of the crashing frame, for the kinds whose repr we promise to equal Python's.
  if (crashed && truth["locals"].is_object() && truth.contains("crash")) {
    size_t index = truth["crash"].value("locals_frame", 0);
    if (c.expect(index < crashed->python_frames.size(), "no frame for locals")) {
      const auto& frame = crashed->python_frames[index];
      for (const auto& [name, repr] : truth["locals"].items()) {
        std::string type = truth["local_types"].value(name, "");
        if (type != "int" && type != "str" && type != "list" && type != "dict" && type != "float" &&
            type != "bool" && type != "tuple" && type != "NoneType")
          continue;
        auto it = std::find_if(frame.locals.begin(), frame.locals.end(),
                               [&name = name](const auto& kv) { return kv.first == name; });
        if (!c.expect(it != frame.locals.end(), "local " + name + " missing")) continue;
        // Containers holding instances: their elements' own __repr__ is Python code we
        // do not run (threading.Thread's), so only the builtin-only ones are compared.
        if (it->second.find(" object at 0x") != std::string::npos) continue;
        c.expect(it->second == repr.get<std::string>(),
                 "local " + name + ": " + it->second + " != " + repr.get<std::string>());
      }
    }
  }
  (void)entry;
}

}  // namespace

TEST_CASE("corpus: python stage matches every core's truth", "[corpus]") {
  auto dir = test::corpus_dir();
  auto manifest = test::read_manifest(dir);
  REQUIRE(manifest.has_value());
  REQUIRE(!manifest->empty());
  std::map<std::string, std::map<std::string, Tally>> tallies;  // interpreter -> scenario
  std::vector<double> millis;
  std::pair<double, std::string> slowest{0.0, ""};
  int analysed = 0;
  for (const auto& entry : *manifest) {
    if (entry.status != "ok") {
      WARN("skipped " << entry.interpreter << "/" << entry.scenario << ": " << entry.reason);
      continue;
    }
    Tally& tally = tallies[entry.interpreter][entry.scenario];
    json truth = test::read_json(entry.truth_path);
    if (!truth.is_object() || truth.contains("skipped")) {
      WARN("no usable truth for " << entry.interpreter << "/" << entry.scenario);
      continue;
    }
    auto loaded = test::load_core(entry.core, entry.executable);
    if (!loaded->error.empty() && truth["python"].value("version", "").rfind("2.", 0) == 0) {
      WARN(entry.interpreter << "/" << entry.scenario
                             << ": Python 2 is out of scope: " << loaded->error);
      continue;
    }
    if (!loaded->error.empty()) {
      tally.checks++;
      tally.failures++;
      tally.notes.push_back(loaded->error);
      continue;
    }
    python::PythonOptions options;
    auto start = std::chrono::steady_clock::now();
    auto result = python::analyze_python(*loaded->core, loaded->memory, *loaded->modules,
                                         *loaded->layout, loaded->native, options);
    millis.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    if (millis.back() > slowest.first)
      slowest = {millis.back(), entry.interpreter + "/" + entry.scenario};
    ++analysed;
    compare_entry(entry, truth, result, tally);
  }
  int failures = 0;
  std::ostringstream summary;
  for (const auto& [interp, scenarios] : tallies) {
    summary << "\n" << interp << ":";
    for (const auto& [scenario, t] : scenarios) {
      summary << " " << scenario << (t.failures ? "=FAIL" : "=ok");
      failures += t.failures;
      for (size_t i = 0; i < t.notes.size() && i < 8; ++i)
        WARN(interp << "/" << scenario << ": " << t.notes[i]);
    }
  }
  std::sort(millis.begin(), millis.end());
  if (!millis.empty())
    summary << "\nanalyze_python: median " << millis[millis.size() / 2] << " ms, max "
            << millis.back() << " ms (" << slowest.second << ") over " << millis.size() << " cores";
  WARN(summary.str());
  CHECK(analysed > 0);
  CHECK(failures == 0);
}
