// Splitting the heap stage's phases between threads must change nothing. Corpus heaps are
// too small for the default split, so every phase is forced onto two and three threads
// (min_objects_per_thread = 1) and the GC lists are walked in segments
// (min_core_bytes_for_segments = 0), and the result is compared with one thread and the
// ordinary list walk, on the corruption scenarios and a clean one, for every interpreter in
// the corpus.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "pycore/heap/analyze.hpp"
#include "support.hpp"

using namespace pycore;

namespace {

// What a run concluded, as text: findings with their objects and parents, the summary,
// the graph's size. Timings are left out.
std::string conclusions(const heap::HeapResult& r) {
  std::string s = fmt::format("headline: {}\n", r.headline);
  for (const auto& f : r.findings) {
    s += fmt::format("{} {} {:#x} {} rc={} count={}: {}\n", f.severity, f.check, f.object.address,
                     f.object.type, f.object.refcount.value_or(-1), f.count, f.message);
    for (const auto& p : f.parents)
      s += fmt::format("  parent {:#x} {} {}{}\n", p.address, p.type, p.slot,
                       p.conservative ? " (conservative)" : "");
  }
  s += fmt::format("objects={} bytes={} edges={} conservative={} aux={}\n", r.summary.objects,
                   r.summary.bytes, r.stats.edges, r.stats.conservative_edges, r.stats.aux_objects);
  for (const auto& t : r.summary.types) s += fmt::format("  {} {} {}\n", t.type, t.count, t.bytes);
  for (const auto& g : r.summary.generations)
    s += fmt::format("  {} {} {}\n", g.name, g.objects, g.bytes);
  for (const auto& w : r.warnings) s += "warning: " + w + "\n";
  return s;
}

}  // namespace

TEST_CASE("every phase split between threads gives the one-thread result", "[corpus][heap]") {
  const std::vector<std::string> scenarios = {
      "heap_refcount_underflow",  "heap_freed_in_list", "heap_bad_type", "heap_leak_5000",
      "heap_untracked_underflow", "heap_gc_assert",     "segv_deep"};
  size_t segmented = 0;
  const size_t compared =
      test::for_each_core(scenarios, [&](const test::CorpusEntry& e, test::LoadedCore& core) {
        heap::HeapOptions one;
        one.threads = 1;
        const std::string expected =
            conclusions(heap::analyze_heap(core.memory, *core.layout, one));
        for (unsigned threads : {2u, 3u}) {
          heap::HeapOptions split;
          split.threads = threads;
          split.min_objects_per_thread = 1;
          split.min_core_bytes_for_segments = 0;
          INFO(threads << " threads");
          const heap::HeapResult result = heap::analyze_heap(core.memory, *core.layout, split);
          CHECK(conclusions(result) == expected);
          // Only a core taken during a collection needs the ordinary walk.
          if (e.scenario != "heap_gc_assert") CHECK(result.stats.walk_segments != 0);
          if (result.stats.walk_segments != 0) ++segmented;
        }
      });
  WARN(compared << " cores compared; the segmented walk ran in " << segmented << " of "
                << 2 * compared << " split runs (the others fell back to the ordinary walk)");
  CHECK(compared >= scenarios.size());
}
