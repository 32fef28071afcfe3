#include "pycore/heap/analyze.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "checks.hpp"
#include "describe.hpp"
#include "graph_build.hpp"
#include "pycore/heap/gc_lists.hpp"
#include "pycore/heap/memory.hpp"
#include "pycore/heap/pymalloc.hpp"
#include "pycore/python/objects.hpp"
#include "roots.hpp"
#include "summary.hpp"
#include "untracked.hpp"

namespace pycore::heap {

using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The main interpreter owns the allocator state (3.12+): _PyRuntime.interpreters.main, or
// the last interpreter of the list (the first one created).
uint64_t main_interpreter(const Memory& m, const layout::Layout& l,
                          const std::vector<uint64_t>& interpreters) {
  if (l.roots.runtime != 0 && l.has(layout::F::runtime_interpreters_main))
    if (auto p = m.u64(l.roots.runtime +
                       static_cast<uint64_t>(l.off(layout::F::runtime_interpreters_main)));
        p && *p)
      return *p;
  return interpreters.empty() ? 0 : interpreters.back();
}

}  // namespace

HeapResult analyze_heap(const target::AddressSpace& space, const layout::Layout& layout,
                        const HeapOptions& options) {
  HeapResult result;
  const Clock::time_point start = Clock::now();
  auto progress = [&](const char* phase, size_t done, size_t total) {
    if (options.progress) options.progress(HeapProgress{phase, done, total});
  };
  // One deadline for the whole stage; every long loop polls it.
  const Clock::time_point deadline =
      start + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(options.timeout_seconds));
  std::function<bool()> should_stop;
  if (options.timeout_seconds > 0) should_stop = [deadline] { return Clock::now() > deadline; };
  if (layout.build.free_threaded) {
    result.warnings.push_back(
        "heap: free-threaded builds keep no GC lists (objects live in mimalloc heaps); the heap "
        "was not analysed");
    return result;
  }
  // The core's pages are not mapped up front (MADV_POPULATE_READ): the list walk's page
  // faults map them about as cheaply (the kernel maps 16 pages around each fault), and
  // mapping them first cost 0.002-0.02 s more on the 2.81 M-object bench core.
  const Memory memory(space);

  // ---- the GC lists
  const Clock::time_point walk_start = Clock::now();
  const GcHeadCodec codec = GcHeadCodec::from(layout);
  const GcListsLocation lists = locate_gc_lists(memory, layout);
  for (const auto& n : lists.notes) result.warnings.push_back("heap: " + n);
  GcWalkLimits limits;
  limits.max_objects = options.max_objects;
  limits.threads = options.threads;
  limits.min_core_bytes_for_segments = options.min_core_bytes_for_segments;
  limits.should_stop = should_stop;
  limits.progress = [&](size_t objects) { progress("walking GC lists", objects, 0); };
  GcWalk walk = walk_gc_lists(memory, codec, lists.lists, limits);
  for (const auto& n : walk.notes) result.warnings.push_back("heap: " + n);
  const bool walk_cut = walk.truncated || walk.timed_out;
  result.stats.seconds_walk = seconds_since(walk_start);

  // ---- the graph
  const Clock::time_point graph_start = Clock::now();
  python::ObjectReader reader(space, layout);
  TypeTable types(reader, layout);
  const Offsets offsets(layout);
  const Pymalloc pymalloc =
      Pymalloc::locate(memory, layout, main_interpreter(memory, layout, lists.interpreters));
  if (!pymalloc.available())
    result.warnings.push_back(
        "heap: pymalloc state unknown (" + pymalloc.unavailable_reason() +
        "); freed objects are recognised only by their header (refcount 0, debug fill bytes)");
  const RefcountRules rules{layout.models.refcounts == layout::RefcountModel::kImmortal};
  BuildInputs inputs{memory, layout, offsets, types, pymalloc, rules};
  BuildOptions build_options;
  build_options.threads = options.threads;
  build_options.min_objects_per_thread = options.min_objects_per_thread;
  build_options.should_stop = should_stop;
  build_options.progress = progress;
  BuildResult built = build_graph(inputs, walk, build_options);
  for (const auto& n : built.notes) result.warnings.push_back("heap: " + n);
  // Objects the walk never reached may be referrers: "no referrer found" means nothing.
  if (walk_cut) built.complete = false;
  ObjectGraph& graph = built.graph;

  const RootSet roots = collect_roots(memory, layout, lists.interpreters, graph.index);
  for (const auto& n : roots.notes) result.warnings.push_back("heap: " + n);
  for (uint64_t r : roots.objects)
    if (uint32_t i = graph.index.find(r); i != kNoObject) graph.flags[i] |= kRoot;
  result.stats.seconds_graph = seconds_since(graph_start);

  // ---- checks
  const Clock::time_point checks_start = Clock::now();
  const VisitContext visit{memory, offsets, types, &graph.index, build_options.max_items};
  const Describer describe{memory, reader, types, graph, visit};
  CheckOptions check_options;
  check_options.leak_min_count = options.leak_min_count;
  check_options.leak_min_count_builtin = options.leak_min_count_builtin;
  check_options.max_parents = options.max_parents;
  check_options.max_findings_per_check = options.max_findings_per_check;
  check_options.threads = build_options.threads;
  check_options.should_stop = should_stop;
  progress("checks", 0, 0);
  // After the deadline only the checks that are linear in the graph's own arrays run: the
  // untracked balance (computed with the graph, unless the deadline came first) is dropped,
  // as naming the parents of its findings revisits the whole heap.
  if (built.untracked_balanced && should_stop && should_stop()) {
    built.untracked.clear();
    built.untracked_balanced = false;
  }
  if (!built.untracked_balanced)
    result.warnings.push_back(
        "heap: time limit reached before the refcounts of untracked objects (str, int, "
        "untracked tuples, code objects) were balanced: that part of refcount-underflow was "
        "not run");
  CheckResult checked = run_checks(
      CheckInputs{graph, types, built, lists, walk, codec, describe, rules, &built.untracked},
      check_options);
  result.findings = std::move(checked.findings);
  for (auto& w : checked.warnings) result.warnings.push_back("heap: " + w);
  result.headline = headline(result.findings);
  result.summary = summarize(built, types);
  result.stats.seconds_checks = seconds_since(checks_start);

  result.stats.objects = graph.gc_count;
  result.stats.aux_objects = graph.size_objects() - graph.gc_count;
  result.stats.edges = built.edges;
  result.stats.conservative_edges = built.conservative_edges;
  result.stats.types = types.size();
  result.stats.walk_segments = walk.segments;
  result.stats.graph_bytes = graph.memory_bytes();
  result.stats.seconds_index = built.seconds.index;
  result.stats.seconds_headers = built.seconds.headers;
  result.stats.seconds_referents = built.seconds.referents;
  result.stats.seconds_merge = built.seconds.merge;
  result.stats.seconds_aux = built.seconds.aux;
  result.stats.seconds_untracked = built.seconds.untracked;
  result.stats.seconds_in_degree = built.seconds.in_degree;
  if (walk_cut || !built.complete)
    result.warnings.push_back(fmt::format(
        "heap: the analysis is partial ({}): findings are about the {} objects examined; "
        "leak-candidate needs every referrer and was not run; refcount-underflow and the "
        "pointer checks only count references that were seen, so they can miss problems but "
        "not invent them",
        walk.truncated                ? fmt::format("--max-objects {}", options.max_objects)
        : options.timeout_seconds > 0 ? fmt::format("--timeout {}", options.timeout_seconds)
                                      : std::string("an internal limit, see above"),
        graph.gc_count));
  return result;
}

}  // namespace pycore::heap
