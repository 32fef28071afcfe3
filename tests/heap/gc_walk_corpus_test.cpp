// The segmented GC list walk (gc_segments.hpp) against the ordinary walk on every corpus
// core: every interpreter, every scenario, the corruption scenarios and the core taken
// during a collection included. The segmented walk is forced on (corpus heaps are below its
// size threshold) and must give exactly the ordinary walk's result, also when an object
// limit cuts the walk short.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <set>

#include "pycore/heap/gc_lists.hpp"
#include "support.hpp"

using namespace pycore;
using namespace pycore::heap;

namespace {

// Everything a walk says, as text, so a difference shows where it is.
std::string describe(const GcWalk& w) {
  std::string s =
      fmt::format("objects={} truncated={} timed_out={} not_walked={} next_only={}\n",
                  w.objects.size(), w.truncated, w.timed_out, w.lists_not_walked, w.next_only);
  for (size_t i = 0; i < w.per_list.size(); ++i)
    s += fmt::format("list {}: {}\n", i, w.per_list[i]);
  for (const GcListBreak& b : w.breaks)
    s += fmt::format("break list={} at={:#x} last_good={:#x} backwards={} unreadable={}: {}\n",
                     b.list, b.at, b.last_good, b.backwards, b.unreadable, b.what);
  for (const std::string& n : w.notes) s += "note: " + n + "\n";
  return s;
}

// The first index where the object or generation arrays differ; their size when none does.
size_t first_difference(const GcWalk& a, const GcWalk& b) {
  const size_t n = std::min(a.objects.size(), b.objects.size());
  for (size_t i = 0; i < n; ++i)
    if (a.objects[i] != b.objects[i] || a.generation[i] != b.generation[i]) return i;
  return n;
}

void require_same(const GcWalk& segmented, const GcWalk& ordinary) {
  CHECK(describe(segmented) == describe(ordinary));
  REQUIRE(segmented.objects.size() == ordinary.objects.size());
  REQUIRE(segmented.generation.size() == segmented.objects.size());
  CHECK(first_difference(segmented, ordinary) == ordinary.objects.size());
}

// Every scenario of a Python 3 interpreter (the analyzer does not read Python 2 heaps).
std::vector<std::string> every_scenario() {
  std::set<std::string> names;
  if (auto manifest = test::read_manifest(test::corpus_dir()))
    for (const auto& e : *manifest)
      if (e.interpreter.find("-2.") == std::string::npos) names.insert(e.scenario);
  return {names.begin(), names.end()};
}

}  // namespace

TEST_CASE("the segmented GC list walk gives the ordinary walk's result on every core",
          "[corpus][heap][gc_lists]") {
  size_t with_lists = 0, segmented_runs = 0, runs = 0;
  std::set<std::string> fell_back;
  const size_t cores = test::for_each_core(every_scenario(), [&](const test::CorpusEntry& e,
                                                                 test::LoadedCore& core) {
    if (core.layout->build.free_threaded) return;  // no GC lists to walk
    const Memory memory(core.memory);
    const GcHeadCodec codec = GcHeadCodec::from(*core.layout);
    const GcListsLocation lists = locate_gc_lists(memory, *core.layout);
    if (lists.lists.empty()) return;
    ++with_lists;

    GcWalkLimits ordinary;
    ordinary.min_core_bytes_for_segments = UINT64_MAX;
    const GcWalk reference = walk_gc_lists(memory, codec, lists.lists, ordinary);
    CHECK(reference.segments == 0);
    const size_t all = reference.objects.size();

    // No limit, then object limits at, just below and well below the list's length.
    std::vector<size_t> max_objects = {ordinary.max_objects, all + 1, all};
    if (all > 1) max_objects.push_back(all - 1);
    if (all > 10) max_objects.push_back(all / 3);
    for (size_t max : max_objects) {
      GcWalkLimits one = ordinary;
      one.max_objects = max;
      const GcWalk expected = walk_gc_lists(memory, codec, lists.lists, one);
      for (unsigned threads : {1u, 2u}) {
        INFO("max_objects " << max << " (" << all << " on the lists), " << threads << " threads");
        GcWalkLimits forced = one;
        forced.min_core_bytes_for_segments = 0;
        forced.threads = threads;
        const GcWalk got = walk_gc_lists(memory, codec, lists.lists, forced);
        require_same(got, expected);
        ++runs;
        if (got.segments != 0) {
          ++segmented_runs;
        } else if (max > all) {
          fell_back.insert(e.interpreter + " " + e.scenario);
        }
      }
    }
    // Without a limit in the way, only a core taken during a collection or with broken
    // lists needs the ordinary walk.
    bool unusual = !reference.breaks.empty() || reference.next_only;
    for (const GcList& l : lists.lists) unusual |= l.collecting;
    if (!unusual) {
      INFO(e.interpreter << " " << e.scenario << ": the segmented walk fell back");
      CHECK(fell_back.count(e.interpreter + " " + e.scenario) == 0);
    }
  });
  WARN(cores << " cores, " << with_lists << " with GC lists; the segmented walk ran in "
             << segmented_runs << " of " << runs << " runs; without a limit it fell back on "
             << fell_back.size() << " cores:" << [&] {
                  std::string names;
                  for (const auto& n : fell_back) names += " " + n;
                  return names;
                }());
  CHECK(with_lists >= 10);
}
