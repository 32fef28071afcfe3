// End-to-end: `pycore-analyze --json` on every corpus core, compared with the truth that
// the crashing script wrote about itself.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "corpus.hpp"

using nlohmann::json;
using namespace pycore::test;

namespace {

// Python 2 cores are only there to be refused (layout tests); every other crash has truth.
bool is_analysable(const CorpusEntry& e) {
  return e.truth.is_object() && e.version.rfind("2.", 0) != 0 && !e.truth.contains("skipped");
}

// One analysis per core, shared by the test cases below.
const json& report_for(const CorpusEntry& e) {
  static std::map<std::string, json> cache;
  auto it = cache.find(e.core);
  if (it != cache.end()) return it->second;
  auto run = run_analyzer({"--json", "--no-heap", "--locals", e.executable, e.core});
  json doc = json::parse(run.out, nullptr, false);
  if (doc.is_discarded()) {
    UNSCOPED_INFO("pycore-analyze exit " << run.exit_code << " stderr: " << run.err);
    doc = json::object();
  }
  return cache.emplace(e.core, doc).first->second;
}

std::string frame_text(const json& f) {
  auto line = f.contains("line") && f["line"].is_number() ? std::to_string(f["line"].get<int>())
                                                          : std::string("?");
  return f.value("function", std::string("?")) + " (" + basename(f.value("file", std::string())) +
         ":" + line + ")";
}

std::vector<std::string> stack_text(const json& frames) {
  std::vector<std::string> out;
  if (!frames.is_array()) return out;
  for (const auto& f : frames) out.push_back(frame_text(f));
  return out;
}

const json* thread_by_tid(const json& report, int64_t tid) {
  if (!report.contains("threads")) return nullptr;
  for (const auto& t : report["threads"])
    if (t.value("tid", int64_t{-1}) == tid) return &t;
  return nullptr;
}

}  // namespace

TEST_CASE("the corpus has cores from at least one interpreter", "[corpus]") {
  for (const auto& s : corpus().skipped) WARN("skipped: " << s);
  for (const auto& f : corpus().failed) FAIL_CHECK("corpus generation failed: " << f);
  REQUIRE(!corpus().ok.empty());
}

TEST_CASE("signal and crashing thread match the truth", "[corpus][crash]") {
  for (const auto& e : corpus().ok) {
    if (!is_analysable(e)) continue;
    INFO(e.interpreter << "/" << e.scenario << " core " << e.core);
    const json& r = report_for(e);
    REQUIRE(r.contains("crash"));
    if (e.truth["signal"].is_null()) {
      CHECK(r["crash"].is_null());
      continue;
    }
    REQUIRE(r["crash"].is_object());
    CHECK(r["crash"]["signal"] == e.truth["signal"]);
    CHECK(r["crash"]["thread"] == e.truth["crashed_tid"]);
  }
}

TEST_CASE("every thread's Python stack matches the truth", "[corpus][python]") {
  for (const auto& e : corpus().ok) {
    if (!is_analysable(e)) continue;
    INFO(e.interpreter << "/" << e.scenario << " core " << e.core);
    const json& r = report_for(e);
    for (const auto& truth_thread : e.truth["threads"]) {
      int64_t tid = truth_thread["tid"];
      INFO("thread " << tid << " " << truth_thread.value("name", std::string()));
      const json* t = thread_by_tid(r, tid);
      REQUIRE(t != nullptr);
      CHECK((*t)["crashed"] == truth_thread.value("crashed", false));
      if (truth_thread.contains("name") && truth_thread["name"].is_string())
        CHECK((*t)["name"] == truth_thread["name"]);
      CHECK(stack_text((*t)["python_frames"]) == stack_text(truth_thread["stack"]));
    }
  }
}

namespace {

void check_exception(const json& got, const json& want, int depth) {
  INFO("exception chain depth " << depth);
  REQUIRE(got.is_object());
  CHECK(got["type"] == want["type"]);
  CHECK(got["message"] == want["message"]);
  for (const char* link : {"context", "cause"}) {
    bool want_link = want.contains(link) && want[link].is_object();
    INFO(link);
    if (!want_link) {
      CHECK((!got.contains(link) || got[link].is_null()));
    } else if (depth < 8) {
      check_exception(got[link], want[link], depth + 1);
    }
  }
}

}  // namespace

namespace {

// The report's exception of thread `tid` in the state ("raised"/"handled") `want` has.
void check_thread_exception(const json& report, int64_t tid, const json& want) {
  INFO("thread " << tid << " " << want.value("state", std::string()) << " exception");
  const json* t = thread_by_tid(report, tid);
  REQUIRE(t != nullptr);
  const json* got = nullptr;
  for (const auto& x : (*t)["exceptions"])
    if (x.value("state", std::string()) == want["state"]) {
      got = &x;
      break;
    }
  REQUIRE(got != nullptr);
  check_exception(*got, want, 0);
  CHECK((*got)["traceback"].size() == want["traceback"].size());
}

}  // namespace

TEST_CASE("the exception being handled or raised matches the truth", "[corpus][exceptions]") {
  size_t raised = 0, raising_scenarios = 0;
  for (const auto& e : corpus().ok) {
    if (!is_analysable(e)) continue;
    if (e.scenario == "raised_in_cext") ++raising_scenarios;
    INFO(e.interpreter << "/" << e.scenario << " core " << e.core);
    const json& r = report_for(e);
    // Threads the truth says are raising (the crashed one via "exception", others via
    // "thread_exceptions"); every other thread must show no raised exception.
    std::map<int64_t, const json*> expected;
    if (e.truth.contains("exception") && e.truth["exception"].is_object())
      expected[e.truth["crashed_tid"].get<int64_t>()] = &e.truth["exception"];
    if (e.truth.contains("thread_exceptions"))
      for (const auto& te : e.truth["thread_exceptions"])
        expected[te["tid"].get<int64_t>()] = &te["exception"];
    for (const auto& [tid, want] : expected) {
      check_thread_exception(r, tid, *want);
      if ((*want)["state"] == "raised") ++raised;
    }
    for (const auto& t : r.value("threads", json::array())) {
      auto it = expected.find(t.value("tid", int64_t{-1}));
      bool raising = it != expected.end() && (*it->second)["state"] == "raised";
      if (raising) continue;
      INFO("thread " << t.value("tid", int64_t{-1}));
      for (const auto& x : t["exceptions"]) CHECK(x.value("state", std::string()) != "raised");
    }
  }
  // The raised path must have been exercised on a real core: raised_in_cext is a default
  // scenario, so its absence is a failure unless the generator recorded why it skipped it
  // (already reported above).
  bool skip_recorded = std::any_of(
      corpus().skipped.begin(), corpus().skipped.end(),
      [](const std::string& s) { return s.find("/raised_in_cext:") != std::string::npos; });
  if (!skip_recorded) CHECK(raising_scenarios > 0);
  CHECK(raised >= raising_scenarios);
}

TEST_CASE("locals of the crashing frame match the truth", "[corpus][locals]") {
  for (const auto& e : corpus().ok) {
    if (!is_analysable(e) || !e.truth.contains("locals") || !e.truth["locals"].is_object())
      continue;
    INFO(e.interpreter << "/" << e.scenario << " core " << e.core);
    const json& r = report_for(e);
    const json* t = thread_by_tid(r, e.truth["crashed_tid"].get<int64_t>());
    REQUIRE(t != nullptr);
    // The scenario's crashing frame may sit below a Python callee (ctypes.string_at).
    size_t index = 0;
    if (e.truth.contains("crash") && e.truth["crash"].is_object())
      index = e.truth["crash"].value("locals_frame", 0);
    REQUIRE((*t)["python_frames"].size() > index);
    const json& locals = (*t)["python_frames"][index]["locals"];
    REQUIRE(locals.is_object());
    const json& types = e.truth.value("local_types", json::object());
    for (const auto& [name, value] : e.truth["locals"].items()) {
      // ints, strs, lists, dicts, floats, bools, None: values whose repr the analyzer rebuilds.
      std::string type = types.value(name, std::string());
      if (type != "int" && type != "str" && type != "list" && type != "dict" && type != "float" &&
          type != "bool" && type != "NoneType")
        continue;
      // A container of instances shows their __repr__, Python code the analyzer cannot run.
      if (value.get<std::string>().find('<') != std::string::npos) continue;
      INFO("local " << name << " (" << type << ")");
      REQUIRE(locals.contains(name));
      CHECK(locals[name] == value);
    }
  }
}
