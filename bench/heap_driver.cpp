// heap_driver: runs the heap stage alone on one core and prints its findings and timings.
// bench/heap_bench takes the heap stage's own time and memory from it; also for manual
// checks.
//
//   heap_driver [--json] [--threads N] [--timeout S] EXECUTABLE CORE
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "pycore/heap/analyze.hpp"
#include "pycore/layout/layout.hpp"
#include "pycore/target/address_space.hpp"
#include "pycore/target/core_file.hpp"
#include "pycore/target/modules.hpp"

namespace {

// Resident memory that is ours (heap, arrays), not the core's mapped pages: RssAnon.
long rss_anon_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("RssAnon:", 0) == 0) return std::stol(line.substr(8));
  return -1;
}

// Samples RssAnon while the heap stage runs: its peak is the memory the analysis itself
// needed (maxrss also counts the core's pages mapped from the page cache).
class AnonPeak {
 public:
  AnonPeak()
      : thread_([this] {
          while (!stop_.load()) {
            peak_ = std::max(peak_.load(), rss_anon_kib());
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
          }
        }) {}
  long stop() {
    stop_ = true;
    thread_.join();
    return std::max(peak_.load(), rss_anon_kib());
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<long> peak_{0};
  std::thread thread_;
};

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pycore;
  bool json = false;
  heap::HeapOptions options;
  std::string exe, core_path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") {
      json = true;
    } else if (a == "--threads" && i + 1 < argc) {
      options.threads = static_cast<unsigned>(std::stoul(argv[++i]));
    } else if (a == "--timeout" && i + 1 < argc) {
      options.timeout_seconds = std::stod(argv[++i]);
    } else if (a == "--leak-min" && i + 1 < argc) {
      options.leak_min_count = std::stoul(argv[++i]);
    } else if (a == "--leak-min-builtin" && i + 1 < argc) {
      options.leak_min_count_builtin = std::stoul(argv[++i]);
    } else if (exe.empty()) {
      exe = a;
    } else {
      core_path = a;
    }
  }
  if (core_path.empty()) {
    std::cerr << "usage: heap_driver [--json] [--threads N] [--timeout S] EXECUTABLE CORE\n";
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto core = target::load_core(core_path);
  if (!core) {
    std::cerr << core.error().message << "\n";
    return 3;
  }
  target::ModuleOptions mopts;
  mopts.executable = exe;
  auto modules = target::Modules::load(*core, mopts);
  if (!modules) {
    std::cerr << modules.error().message << "\n";
    return 3;
  }
  auto memory = target::AddressSpace::build(*core, *modules);
  auto layout = layout::resolve_layout(memory, *modules);
  if (!layout) {
    std::cerr << layout.error().message << "\n";
    return 5;
  }
  const double load_seconds = since(t0);
  const long anon_before = rss_anon_kib();
  AnonPeak sampler;
  const auto t1 = std::chrono::steady_clock::now();
  heap::HeapResult r = heap::analyze_heap(memory, *layout, options);
  const double heap_seconds = since(t1);
  const long anon_peak = sampler.stop();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);

  if (json) {
    nlohmann::json j;
    j["python"] = layout->build.version_string;
    j["headline"] = r.headline;
    j["warnings"] = r.warnings;
    for (const auto& f : r.findings) {
      nlohmann::json jf{{"check", f.check},
                        {"severity", f.severity},
                        {"object", {{"address", f.object.address}, {"type", f.object.type}}},
                        {"count", f.count},
                        {"message", f.message},
                        {"examples", f.examples}};
      if (f.object.refcount) jf["object"]["refcount"] = *f.object.refcount;
      for (const auto& p : f.parents)
        jf["parents"].push_back({{"address", p.address},
                                 {"type", p.type},
                                 {"slot", p.slot},
                                 {"conservative", p.conservative}});
      j["findings"].push_back(jf);
    }
    j["summary"] = {{"objects", r.summary.objects}, {"bytes", r.summary.bytes}};
    for (const auto& t : r.summary.types)
      j["summary"]["types"].push_back({{"type", t.type}, {"count", t.count}, {"bytes", t.bytes}});
    for (const auto& g : r.summary.generations)
      j["summary"]["generations"].push_back(
          {{"name", g.name}, {"objects", g.objects}, {"bytes", g.bytes}});
    j["stats"] = {{"objects", r.stats.objects},
                  {"aux_objects", r.stats.aux_objects},
                  {"edges", r.stats.edges},
                  {"conservative_edges", r.stats.conservative_edges},
                  {"types", r.stats.types},
                  {"graph_bytes", r.stats.graph_bytes},
                  {"walk_segments", r.stats.walk_segments},
                  {"seconds_walk", r.stats.seconds_walk},
                  {"seconds_index", r.stats.seconds_index},
                  {"seconds_headers", r.stats.seconds_headers},
                  {"seconds_referents", r.stats.seconds_referents},
                  {"seconds_merge", r.stats.seconds_merge},
                  {"seconds_aux", r.stats.seconds_aux},
                  {"seconds_untracked", r.stats.seconds_untracked},
                  {"seconds_in_degree", r.stats.seconds_in_degree},
                  {"seconds_graph", r.stats.seconds_graph},
                  {"seconds_checks", r.stats.seconds_checks},
                  {"seconds_load", load_seconds},
                  {"seconds_heap", heap_seconds},
                  {"max_rss_kib", usage.ru_maxrss},
                  {"rss_anon_kib", rss_anon_kib()},
                  {"heap_peak_anon_kib", anon_peak - anon_before}};
    std::cout << j.dump(1) << "\n";
  } else {
    fmt::print("python {}  objects {}  edges {} ({} conservative)  aux {}  types {}\n",
               layout->build.version_string, r.stats.objects, r.stats.edges,
               r.stats.conservative_edges, r.stats.aux_objects, r.stats.types);
    fmt::print(
        "load {:.3f}s  heap {:.3f}s (walk {:.3f} graph {:.3f} checks {:.3f})  "
        "maxrss {} MiB  heap peak anon {} MiB  graph {} MiB\n",
        load_seconds, heap_seconds, r.stats.seconds_walk, r.stats.seconds_graph,
        r.stats.seconds_checks, usage.ru_maxrss / 1024, (anon_peak - anon_before) / 1024,
        r.stats.graph_bytes >> 20);
    if (!r.headline.empty()) fmt::print("headline: {}\n", r.headline);
    for (const auto& w : r.warnings) fmt::print("warning: {}\n", w);
    for (const auto& f : r.findings) {
      fmt::print("[{}] {} ({}x): {}\n", f.severity, f.check, f.count, f.message);
      for (const auto& p : f.parents)
        fmt::print("    parent {} {:#x} {}{}\n", p.type, p.address, p.slot,
                   p.conservative ? " (conservative)" : "");
    }
    size_t shown = 0;
    for (const auto& t : r.summary.types) {
      if (shown++ == 8) break;
      fmt::print("  {:>9} objects {:>11} bytes  {}\n", t.count, t.bytes, t.type);
    }
  }
  bool errors = false;
  for (const auto& f : r.findings) errors |= f.severity == "error";
  // The process ends here: skip tearing down the core's mappings and the symbol tables.
  std::fflush(stdout);
  std::_Exit(errors ? 1 : 0);
}
