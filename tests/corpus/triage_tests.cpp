// Triage features through the CLI: signatures, blame, compressed cores, batch mode.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "corpus.hpp"

using nlohmann::json;
using namespace pycore::test;

namespace {

// A second crash of a few scenarios, made by the corpus.repeat fixture.
const Corpus& repeats() {
  static const Corpus c = load_corpus(std::string(PYCORE_CORPUS_DIR) + "-repeat");
  return c;
}

bool analysable(const CorpusEntry& e) {
  return e.version.rfind("3.", 0) == 0 && !e.truth.contains("skipped");
}

json analyse(const CorpusEntry& e, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--json", "--no-heap"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(e.executable);
  args.push_back(e.core);
  auto r = run_analyzer(args);
  json doc = json::parse(r.out, nullptr, false);
  if (doc.is_discarded()) UNSCOPED_INFO("exit " << r.exit_code << ": " << r.err);
  return doc.is_discarded() ? json::object() : doc;
}

std::string signature_of(const CorpusEntry& e) {
  json doc = analyse(e);
  return doc.contains("signature") && doc["signature"].is_string()
             ? doc["signature"].get<std::string>()
             : std::string("(none)");
}

}  // namespace

TEST_CASE("two separate crashes of one scenario give the same signature", "[triage]") {
  REQUIRE(!repeats().ok.empty());
  size_t compared = 0;
  for (const auto& again : repeats().ok) {
    if (!analysable(again)) continue;
    for (const auto& first : corpus().ok) {
      if (first.interpreter != again.interpreter || first.scenario != again.scenario) continue;
      INFO(again.interpreter << "/" << again.scenario);
      CHECK(signature_of(first) == signature_of(again));
      ++compared;
    }
  }
  CHECK(compared > 0);
}

TEST_CASE("different scenarios give different signatures", "[triage]") {
  std::map<std::string, std::map<std::string, std::string>> by_interp;  // interp -> sig -> scen
  for (const auto& e : corpus().ok) {
    if (!analysable(e) || e.scenario == "bench_heap") continue;
    std::string sig = signature_of(e);
    INFO(e.interpreter << "/" << e.scenario << " signature " << sig);
    CHECK(sig.find("0x") == std::string::npos);  // no addresses
    auto [it, fresh] = by_interp[e.interpreter].emplace(sig, e.scenario);
    if (!fresh) FAIL_CHECK("same signature as " << it->second);
  }
  CHECK(!by_interp.empty());
}

TEST_CASE("the C-extension crash names the extension in summary, blame and signature", "[triage]") {
  size_t seen = 0;
  for (const auto& e : corpus().ok) {
    if (e.scenario != "cext_crash" || !analysable(e)) continue;
    ++seen;
    INFO(e.interpreter);
    json doc = analyse(e);
    REQUIRE(doc["crash"].is_object());
    const json& blame = doc["crash"]["blame"];
    REQUIRE(blame.is_object());
    CHECK(basename(blame["module"].get<std::string>()).rfind("crashmod", 0) == 0);
    CHECK(blame["function"] == "deref_null");
    CHECK(blame["build_id"].is_string());
    std::string summary = doc["crash"]["summary"];
    CHECK(summary.find("deref_null") != std::string::npos);
    CHECK(summary.find("crashmod") != std::string::npos);
    std::string sig = doc["signature"];
    CHECK(sig.find("deref_null@crashmod") != std::string::npos);
  }
  CHECK(seen > 0);
}

TEST_CASE("zstd, lz4 and xz cores give the same JSON as the raw core", "[triage][compressed]") {
  std::set<std::string> done;
  for (const auto& e : corpus().ok) {
    // One small core per interpreter family keeps this quick.
    if (e.scenario != "segv_deep" || !analysable(e) || done.size() >= 3) continue;
    done.insert(e.interpreter);
    INFO(e.interpreter);
    json raw = analyse(e);
    raw.erase("core");
    for (const auto& [tool, ext] : std::map<std::string, std::string>{
             {"zstd -q -c", ".zst"}, {"lz4 -q -c", ".lz4"}, {"xz -T2 -c", ".xz"}}) {
      std::string out = "/tmp/pycore-triage-" + std::to_string(getpid()) + ext;
      // run_command redirects stdout itself: the compressor's redirection needs its own shell.
      std::string compress = tool + " " + shell_quote(e.core) + " > " + shell_quote(out);
      REQUIRE(run_command("sh -c " + shell_quote(compress)).exit_code == 0);
      CorpusEntry compressed = e;
      compressed.core = out;
      json doc = analyse(compressed);
      doc.erase("core");
      CHECK(doc == raw);
      std::remove(out.c_str());
    }
  }
  CHECK(!done.empty());
}

TEST_CASE("a core that decompresses past the memory limit is refused", "[triage][compressed]") {
  const CorpusEntry* small = nullptr;
  for (const auto& e : corpus().ok)
    if (e.scenario == "segv_deep" && analysable(e)) small = &e;
  REQUIRE(small != nullptr);
  std::string out = "/tmp/pycore-bomb-" + std::to_string(getpid()) + ".zst";
  std::string compress = "zstd -q -c " + shell_quote(small->core) + " > " + shell_quote(out);
  REQUIRE(run_command("sh -c " + shell_quote(compress)).exit_code == 0);
  // The real limit is half the machine's memory: the test lowers it below the core's size.
  auto r = run_command("PYCORE_TEST_MAX_DECOMPRESSED_MB=1 " + shell_quote(PYCORE_ANALYZER) +
                       " --no-heap " + shell_quote(small->executable) + " " + shell_quote(out));
  std::remove(out.c_str());
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("decompresses to more than 1 MiB") != std::string::npos);
}

TEST_CASE("a batch over the corpus groups repeats and reports a garbage file", "[triage][batch]") {
  std::string garbage = "/tmp/pycore-triage-garbage-" + std::to_string(getpid());
  {
    std::ofstream f(garbage);
    f << "this is not a core\n";
  }
  auto r = run_analyzer({"--batch", "--no-heap", "--json", PYCORE_CORPUS_DIR,
                         std::string(PYCORE_CORPUS_DIR) + "-repeat", garbage});
  CHECK(r.exit_code == 4);  // the most severe code of the batch: the garbage file's
  std::map<std::string, int> counts;
  bool garbage_row = false;
  size_t lines = 0;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    json doc = json::parse(line, nullptr, false);
    REQUIRE(!doc.is_discarded());
    ++lines;
    if (doc["core"] == garbage) {
      garbage_row = true;
      CHECK(doc["exit_code"] == 4);
    } else if (doc["signature"].is_string()) {
      counts[doc["signature"]]++;
    }
  }
  CHECK(garbage_row);
  CHECK(lines > corpus().ok.size());
  // Every repeated crash lands in a group of at least two.
  for (const auto& again : repeats().ok) {
    if (!analysable(again)) continue;
    INFO(again.interpreter << "/" << again.scenario);
    CHECK(counts[signature_of(again)] >= 2);
  }
  auto table = run_analyzer({"--batch", "--no-heap", PYCORE_CORPUS_DIR,
                             std::string(PYCORE_CORPUS_DIR) + "-repeat", garbage});
  CHECK(table.out.find("distinct crashes") != std::string::npos);
  CHECK(table.out.find(garbage) != std::string::npos);
  std::remove(garbage.c_str());
}
