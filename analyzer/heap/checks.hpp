// The heap checks: each turns graph facts into report::Findings that name the object and
// the containers (with slots) that point at it. See docs/checks.md.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "describe.hpp"
#include "graph_build.hpp"
#include "holders.hpp"
#include "pycore/heap/gc_lists.hpp"
#include "pycore/report/model.hpp"
#include "untracked.hpp"

namespace pycore::heap {

struct CheckOptions {
  size_t max_parents = 16;             // parents named per finding
  size_t max_findings_per_check = 50;  // individual findings per check; the rest are counted
  size_t leak_min_count = 50;          // leak candidates of one class needed for a finding
  // The same for builtin and C types: C code holds dicts, lists and tuples that no object
  // in the heap accounts for (3.12+ keeps the dicts of builtin types in interpreter state).
  size_t leak_min_count_builtin = 1000;
  size_t leak_examples = 5;
  unsigned threads = 1;  // for the visit that finds the holders of the objects named
  // Polled by that visit; when it says stop, the parents not yet found are left out (and a
  // warning says so).
  std::function<bool()> should_stop;
};

struct CheckInputs {
  const ObjectGraph& graph;
  const TypeTable& types;
  const BuildResult& build;
  const GcListsLocation& lists;
  const GcWalk& walk;  // breaks only (objects were moved into the graph)
  const GcHeadCodec& codec;
  const Describer& describe;
  RefcountRules rules;
  // Untracked objects with more references than their refcount (untracked_underflows()).
  const std::vector<UntrackedUnderflow>* untracked = nullptr;
};

struct CheckResult {
  std::vector<report::Finding> findings;  // errors first, then warnings
  std::vector<std::string> warnings;      // findings not listed, checks not run
};

CheckResult run_checks(const CheckInputs& in, const CheckOptions& options);

// One sentence for the most severe finding; empty when there is none.
std::string headline(const std::vector<report::Finding>& findings);

}  // namespace pycore::heap
