// The heap checks on real cores of every interpreter in the corpus: each corruption
// scenario's truth (addresses, parents, slots) must be found, and the clean scenarios must
// produce no error-severity finding.
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "pycore/heap/analyze.hpp"
#include "support.hpp"

using namespace pycore;

namespace {

struct Analysed {
  test::CorpusEntry entry;
  nlohmann::json truth;
  heap::HeapResult result;
};

// Every usable entry of `scenario`; failed entries fail the test, skipped ones are skipped.
std::vector<Analysed> analyse(const std::string& scenario, const heap::HeapOptions& options = {}) {
  std::vector<Analysed> out;
  auto manifest = test::read_manifest(test::corpus_dir());
  if (!manifest) {
    FAIL("no corpus manifest in " << test::corpus_dir() << " (run the corpus fixture)");
    return out;
  }
  for (const auto& e : *manifest) {
    if (e.scenario != scenario) continue;
    INFO(e.interpreter << " " << e.scenario);
    if (e.status == "skipped") continue;
    CHECK(e.status == "ok");
    if (e.status != "ok") continue;
    auto loaded = test::load_core(e.core, e.executable);
    CHECK(loaded->error == "");
    if (!loaded->error.empty()) continue;
    Analysed a{e, test::read_json(e.truth_path),
               heap::analyze_heap(loaded->memory, *loaded->layout, options)};
    out.push_back(std::move(a));
  }
  return out;
}

// The slot text the report uses for a truth referrer: [0] for sequences, ['key'] for dicts.
std::string slot_text(const nlohmann::json& slot) {
  if (slot.is_number_integer()) return fmt::format("[{}]", slot.get<int64_t>());
  return fmt::format("['{}']", slot.get<std::string>());
}

const report::Finding* finding_for(const heap::HeapResult& r, uint64_t address,
                                   std::initializer_list<std::string> checks) {
  for (const auto& f : r.findings)
    if (f.object.address == address &&
        std::find(checks.begin(), checks.end(), f.check) != checks.end())
      return &f;
  return nullptr;
}

bool has_parent(const report::Finding& f, const nlohmann::json& referrer) {
  for (const auto& p : f.parents)
    if (p.address == referrer["address"].get<uint64_t>() &&
        p.type == referrer["type"].get<std::string>() && p.slot == slot_text(referrer["slot"]) &&
        !p.conservative)
      return true;
  return false;
}

std::string describe(const heap::HeapResult& r) {
  std::string s;
  for (const auto& f : r.findings)
    s += fmt::format("\n  [{}] {}: {}", f.severity, f.check, f.message);
  return s;
}

void check_named(const std::string& scenario, std::initializer_list<std::string> checks) {
  auto all = analyse(scenario);
  CHECK_FALSE(all.empty());
  for (const auto& a : all) {
    INFO(a.entry.interpreter << " " << scenario << describe(a.result));
    const auto& corruption = a.truth["corruption"];
    REQUIRE(corruption["objects"].is_array());
    for (const auto& object : corruption["objects"]) {
      const uint64_t address = object["address"].get<uint64_t>();
      INFO(fmt::format("object {:#x}", address));
      const report::Finding* f = finding_for(a.result, address, checks);
      REQUIRE(f != nullptr);
      CHECK(f->severity == "error");
      for (const auto& referrer : object["referrers"]) {
        INFO("referrer " << referrer.dump());
        CHECK(has_parent(*f, referrer));
      }
    }
    CHECK_FALSE(a.result.headline.empty());
  }
}

}  // namespace

TEST_CASE("refcount underflow names the victim and its three referrers", "[corpus][heap]") {
  check_named("heap_refcount_underflow", {"refcount-underflow"});
  // The headline is the underflow sentence.
  for (const auto& a : analyse("heap_refcount_underflow")) {
    INFO(a.entry.interpreter);
    CHECK(a.result.headline.find("refcount of <Victim object at") == 0);
    CHECK(a.result.headline.find("but 3 objects refer to it") != std::string::npos);
  }
}

TEST_CASE("untracked objects (a str, an untracked tuple) are balanced too", "[corpus][heap]") {
  check_named("heap_untracked_underflow", {"refcount-underflow"});
  for (const auto& a : analyse("heap_untracked_underflow")) {
    INFO(a.entry.interpreter << describe(a.result));
    for (const auto& object : a.truth["corruption"]["objects"]) {
      const report::Finding* f =
          finding_for(a.result, object["address"].get<uint64_t>(), {"refcount-underflow"});
      REQUIRE(f != nullptr);
      CHECK(f->object.type == object["type"].get<std::string>());
      CHECK(f->object.refcount == 1);
      CHECK(f->count == 3);
      CHECK(f->message.find("but 3 objects refer to it") != std::string::npos);
    }
  }
}

TEST_CASE("a debug build's own GC assertion: the same victim, mid-collection", "[corpus][heap]") {
  // Only debug interpreters run this scenario; release ones record it as skipped.
  auto all = analyse("heap_gc_assert");
  for (const auto& a : all) {
    INFO(a.entry.interpreter << describe(a.result));
    for (const auto& object : a.truth["corruption"]["objects"]) {
      const report::Finding* f =
          finding_for(a.result, object["address"].get<uint64_t>(), {"refcount-underflow"});
      REQUIRE(f != nullptr);
      for (const auto& referrer : object["referrers"]) CHECK(has_parent(*f, referrer));
    }
  }
}

TEST_CASE("a list slot pointing at a freed object", "[corpus][heap]") {
  check_named("heap_freed_in_list", {"freed-object", "dangling-reference"});
}

TEST_CASE("objects whose ob_type is not a type", "[corpus][heap]") {
  check_named("heap_bad_type", {"bad-type"});
}

TEST_CASE("5000 leaked references are one leak-candidate finding", "[corpus][heap]") {
  auto all = analyse("heap_leak_5000");
  CHECK_FALSE(all.empty());
  for (const auto& a : all) {
    INFO(a.entry.interpreter << describe(a.result));
    const auto& corruption = a.truth["corruption"];
    const report::Finding* leak = nullptr;
    for (const auto& f : a.result.findings)
      if (f.check == "leak-candidate" && f.object.type == corruption["type"].get<std::string>())
        leak = &f;
    REQUIRE(leak != nullptr);
    CHECK(leak->severity == "warning");
    CHECK(leak->count == corruption["count"].get<int64_t>());
    REQUIRE_FALSE(leak->examples.empty());
    const auto& addresses = corruption["addresses"];
    for (uint64_t example : leak->examples)
      CHECK(std::find(addresses.begin(), addresses.end(), example) != addresses.end());
    for (const auto& f : a.result.findings) CHECK(f.severity != "error");
    // The summary's bytes of the leaked class: GC head and the 3.11+ pre-header included.
    const report::GcTypeStat* row = nullptr;
    for (const auto& t : a.result.summary.types)
      if (t.type == corruption["type"].get<std::string>()) row = &t;
    REQUIRE(row != nullptr);
    CHECK(row->count == corruption["count"].get<int64_t>());
    CHECK(row->bytes == row->count * corruption["instance_bytes"].get<int64_t>());
    // A class with only a managed weakref list before its GC head (3.12+).
    const auto& slotted = corruption["slotted"];
    row = nullptr;
    for (const auto& t : a.result.summary.types)
      if (t.type == slotted["type"].get<std::string>()) row = &t;
    REQUIRE(row != nullptr);
    CHECK(row->count == slotted["count"].get<int64_t>());
    CHECK(row->bytes == row->count * slotted["instance_bytes"].get<int64_t>());
  }
}

TEST_CASE("clean crashes have no error-severity heap finding", "[corpus][heap]") {
  for (const char* scenario :
       {"segv_deep", "abort_in_except", "threads", "cext_crash", "exc_chain", "asyncio_crash",
        "generator_crash", "recursion_500", "deadlock_gcore"}) {
    auto all = analyse(scenario);
    CHECK_FALSE(all.empty());
    for (const auto& a : all) {
      INFO(a.entry.interpreter << " " << scenario << describe(a.result));
      CHECK(a.result.summary.objects > 1000);
      for (const auto& f : a.result.findings) CHECK(f.severity != "error");
    }
  }
}

TEST_CASE("3.12+ static types' dicts are roots, not leak candidates", "[corpus][heap]") {
  // 3.12+ keeps the __dict__ of every static builtin type in interp->types, not in tp_dict;
  // unless those are roots, about 200 dicts have no referrer. A low threshold for builtin
  // types must not report them (the few left are C module state, as in older versions).
  heap::HeapOptions options;
  options.leak_min_count_builtin = 50;
  for (const char* scenario : {"segv_deep", "threads", "asyncio_crash"}) {
    for (const auto& a : analyse(scenario, options)) {
      INFO(a.entry.interpreter << " " << scenario << describe(a.result));
      for (const auto& f : a.result.findings) CHECK(f.check != "leak-candidate");
    }
  }
}

TEST_CASE("the summary counts objects by type and generation", "[corpus][heap]") {
  for (const auto& a : analyse("heap_refcount_underflow")) {
    INFO(a.entry.interpreter);
    const report::GcSummary& s = a.result.summary;
    int64_t by_type = 0, by_generation = 0, bytes = 0;
    for (const auto& t : s.types) {
      by_type += t.count;
      bytes += t.bytes;
    }
    for (const auto& g : s.generations) by_generation += g.objects;
    CHECK(by_type == s.objects);
    CHECK(by_generation == s.objects);
    CHECK(bytes == s.bytes);
    CHECK(s.generations.size() >= 3);
    // Largest types first (the last row may fold the smallest ones together).
    for (size_t i = 1; i + 1 < s.types.size(); ++i) CHECK(s.types[i - 1].bytes >= s.types[i].bytes);
  }
}
