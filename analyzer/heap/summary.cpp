#include "summary.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "pycore/heap/gc_lists.hpp"

namespace pycore::heap {

report::GcSummary summarize(const BuildResult& built, const TypeTable& types, size_t max_types) {
  report::GcSummary s;
  std::vector<report::GcTypeStat> by_type(types.size());
  for (size_t i = 0; i < built.by_type.size() && i < by_type.size(); ++i) {
    by_type[i].count = built.by_type[i].objects;
    by_type[i].bytes = built.by_type[i].bytes;
    s.objects += by_type[i].count;
    s.bytes += by_type[i].bytes;
  }
  // Ties are ordered by name, then by the type's address: the table's own order depends
  // on which thread met a type first.
  std::vector<uint32_t> order;
  for (size_t i = 0; i < by_type.size(); ++i) {
    by_type[i].type = types[static_cast<uint32_t>(i)].name;
    if (by_type[i].count != 0) order.push_back(static_cast<uint32_t>(i));
  }
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    const report::GcTypeStat &a = by_type[x], &b = by_type[y];
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    if (a.count != b.count) return a.count > b.count;
    if (a.type != b.type) return a.type < b.type;
    return types[x].address < types[y].address;
  });
  {
    std::vector<report::GcTypeStat> sorted;
    sorted.reserve(order.size());
    for (uint32_t i : order) sorted.push_back(std::move(by_type[i]));
    by_type = std::move(sorted);
  }
  if (by_type.size() > max_types) {
    report::GcTypeStat rest;
    rest.type = fmt::format("({} other types)", by_type.size() - max_types);
    for (size_t i = max_types; i < by_type.size(); ++i) {
      rest.count += by_type[i].count;
      rest.bytes += by_type[i].bytes;
    }
    by_type.resize(max_types);
    by_type.push_back(rest);
  }
  s.types = std::move(by_type);
  for (int gen = 0; gen < 4; ++gen) {
    report::GcSummary::Generation g;
    g.name = generation_name(gen);
    g.objects = built.by_generation[gen].objects;
    g.bytes = built.by_generation[gen].bytes;
    if (gen < 3 || g.objects != 0) s.generations.push_back(g);
  }
  return s;
}

}  // namespace pycore::heap
