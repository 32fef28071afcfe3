#include "checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace pycore::heap {

namespace {

// Order of severity among errors: what the collector would trip over first.
int rank(const std::string& check) {
  static const char* const order[] = {"refcount-underflow", "freed-object", "dangling-reference",
                                      "bad-type",           "bad-refcount", "gc-list-corrupt",
                                      "leak-candidate"};
  for (int i = 0; i < 7; ++i)
    if (check == order[i]) return i;
  return 7;
}

class Checker {
 public:
  Checker(const CheckInputs& in, const CheckOptions& o) : in_(in), o_(o), g_(in.graph) {}

  CheckResult run() {
    gc_lists();
    headers();
    underflow();
    pointers();
    leaks();
    fill_parents();
    std::stable_sort(out_.findings.begin(), out_.findings.end(),
                     [](const report::Finding& a, const report::Finding& b) {
                       bool ea = a.severity == "error", eb = b.severity == "error";
                       if (ea != eb) return ea;
                       return rank(a.check) < rank(b.check);
                     });
    for (const auto& [check, n] : dropped_)
      out_.warnings.push_back(fmt::format("{} more {} findings are not listed", n, check));
    return std::move(out_);
  }

 private:
  bool room(const std::string& check) {
    if (++counted_[check] <= o_.max_findings_per_check) return true;
    ++dropped_[check];
    return false;
  }

  report::Finding& add(std::string check, std::string severity, report::ObjectRef object) {
    report::Finding f;
    f.check = std::move(check);
    f.severity = std::move(severity);
    f.object = std::move(object);
    out_.findings.push_back(std::move(f));
    return out_.findings.back();
  }

  // Findings whose parents are the tracked object's referrers; completed in fill_parents().
  void want_parents(uint32_t object, size_t finding) {
    parents_wanted_.push_back({object, finding});
  }

  // Names the node whose link is wrong: the one that links to unreadable memory, or the
  // one whose back link disagrees with the node it was reached from (the parent).
  void gc_lists() {
    const uint64_t head_size = in_.codec.size;
    for (const GcListBreak& b : in_.walk.breaks) {
      if (!room("gc-list-corrupt")) continue;
      const GcList& list = in_.lists.lists[b.list];
      const std::string where = list.interpreter >= 0
                                    ? fmt::format(" of interpreter {}", list.interpreter)
                                    : std::string();
      const std::string name =
          fmt::format("the {} list{}", generation_name(list.generation), where);
      const char* followed = b.backwards ? "_gc_prev" : "_gc_next";
      const char* checked = b.backwards ? "_gc_next" : "_gc_prev";
      auto node_ref = [&](uint64_t gc) {
        if (gc == list.head) {
          report::ObjectRef r;
          r.address = gc;
          r.type = "gc list head";
          return r;
        }
        return in_.describe.object_ref_at(gc + head_size);
      };
      if (b.unreadable) {
        auto& f = add("gc-list-corrupt", "error", node_ref(b.last_good));
        f.message = fmt::format(
            "{} is broken: the {} link of {} leads to {:#x}, which is not readable memory; the "
            "list was walked from its other end up to there",
            name, followed, in_.describe.object_text(f.object.address, f.object.type), b.at);
        continue;
      }
      auto& f = add("gc-list-corrupt", "error", node_ref(b.at));
      report::ObjectRef from = node_ref(b.last_good);
      f.parents.push_back(report::ParentRef{from.address, from.type, followed, false});
      f.message = fmt::format(
          "{} is broken at {}: reached through the {} link of {:#x}, {} ({} check failed); the "
          "list was walked from its other end up to there",
          name, in_.describe.object_text(f.object.address, f.object.type), followed, from.address,
          b.what, checked);
    }
  }

  void headers() {
    for (const HeaderProblem& h : in_.build.header_problems) {
      const uint32_t i = h.object;
      std::string check = h.verdict == Verdict::kZeroRefcount ? "bad-refcount"
                          : h.verdict == Verdict::kUnmapped   ? "bad-type"
                                                              : std::string(check_name(h.verdict));
      if (!room(check)) continue;
      report::ObjectRef obj = in_.describe.object_ref(i);
      auto& f = add(check, "error", obj);
      const uint64_t a = g_.address[i];
      const HeapType& t = in_.types[g_.type[i]];
      switch (h.verdict) {
        case Verdict::kZeroRefcount:
          f.message = fmt::format(
              "{} is tracked by the GC with refcount 0: it was deallocated while still tracked "
              "(update_refs() asserts gc_refs != 0)",
              in_.describe.object_text(a, obj.type));
          break;
        case Verdict::kBadRefcount:
          f.message = fmt::format("refcount of {} is {}, which is impossible",
                                  in_.describe.object_text(a, obj.type), g_.refcount(i));
          break;
        case Verdict::kBadType:
          f.message = fmt::format(
              "the object at {:#x} on a GC list has ob_type {:#x}, which is not a type object", a,
              t.address);
          break;
        case Verdict::kUnmapped:
          f.message =
              fmt::format("the header of the object at {:#x} on a GC list is unreadable", a);
          break;
        default:
          f.message = fmt::format("the object at {:#x} is still on a GC list but its memory is {}",
                                  a, to_string(h.verdict));
      }
      want_parents(i, out_.findings.size() - 1);
    }
  }

  void underflow() {
    for (uint32_t i = 0; i < g_.gc_count; ++i) {
      if (g_.flags[i] & kHeaderUnreadable) continue;
      const int64_t rc = g_.refcount(i);
      if (rc <= 0 || in_.rules.immortal(rc) || g_.in_exact[i] <= static_cast<uint64_t>(rc))
        continue;
      if (!in_.types[g_.type[i]].valid) continue;
      if (!room("refcount-underflow")) continue;
      auto& f = add("refcount-underflow", "error", in_.describe.object_ref(i));
      f.count = g_.in_exact[i];
      want_parents(i, out_.findings.size() - 1);
      underflows_.push_back(out_.findings.size() - 1);
    }
    if (in_.untracked == nullptr) return;
    for (const UntrackedUnderflow& u : *in_.untracked) {
      if (!room("refcount-underflow")) continue;
      auto& f = add("refcount-underflow", "error", in_.describe.object_ref_at(u.address));
      f.object.refcount = u.refcount;
      f.count = static_cast<int64_t>(u.references);
      untracked_wanted_.push_back({u.address, out_.findings.size() - 1});
      underflows_.push_back(out_.findings.size() - 1);
    }
  }

  // Pointers that lead nowhere live, grouped by target.
  void pointers() {
    std::map<uint64_t, std::vector<const Problem*>> by_target;
    for (const Problem& p : in_.build.problems) by_target[p.target].push_back(&p);
    for (const auto& [target, list] : by_target) {
      const Problem& first = *list.front();
      std::string check = first.verdict == Verdict::kStorage
                              ? "dangling-reference"
                              : std::string(check_name(first.verdict));
      if (!room(check)) continue;
      report::ObjectRef obj;
      obj.address = target;
      if (first.verdict != Verdict::kStorage) {
        obj.type = in_.describe.type_name_at(target);
        if (auto rc = in_.describe.memory.i64(target +
                                              static_cast<uint64_t>(in_.describe.visit.off.refcnt)))
          obj.refcount = *rc;
      }
      auto& f = add(check, "error", obj);
      for (const Problem* p : list) {
        if (f.parents.size() >= o_.max_parents) break;
        report::ParentRef ref;
        ref.address = g_.address[p->parent];
        ref.type = in_.describe.type_name(p->parent);
        ref.slot = p->verdict == Verdict::kStorage
                       ? std::string(p->storage ? p->storage : "storage")
                       : in_.describe.slot_text(p->slot);
        f.parents.push_back(std::move(ref));
      }
      f.count = static_cast<int64_t>(list.size());
      const report::ParentRef& holder = f.parents.front();
      if (first.verdict == Verdict::kStorage) {
        f.message = fmt::format("{} {:#x}: its {} at {:#x} cannot be read", holder.type,
                                holder.address, holder.slot, target);
      } else {
        f.message = fmt::format("{} holds {:#x}, which is {}", Describer::parent_text(holder),
                                target, to_string(first.verdict));
        if (list.size() > 1) f.message += fmt::format(" ({} containers hold it)", list.size());
      }
    }
  }

  void leaks() {
    if (!in_.build.complete) {
      out_.warnings.push_back(
          "leak-candidate not run: the referents of some objects were not computed");
      return;
    }
    struct Group {
      int64_t count = 0;
      std::vector<uint64_t> examples;
      uint32_t first = 0;
    };
    std::map<uint32_t, Group> by_type;
    for (uint32_t i = 0; i < g_.gc_count; ++i) {
      if (g_.flags[i] & (kReferenced | kHeaderUnreadable | kRoot)) continue;
      const int64_t rc = g_.refcount(i);
      if (rc <= 0 || in_.rules.immortal(rc)) continue;
      const HeapType& t = in_.types[g_.type[i]];
      if (!t.valid || t.is_type || t.shape == Shape::kModule) continue;
      Group& grp = by_type[g_.type[i]];
      if (grp.count++ == 0) grp.first = i;
      if (grp.examples.size() < o_.leak_examples) grp.examples.push_back(g_.address[i]);
    }
    std::vector<std::pair<uint32_t, Group>> groups(by_type.begin(), by_type.end());
    std::sort(groups.begin(), groups.end(),
              [](const auto& a, const auto& b) { return a.second.count > b.second.count; });
    for (const auto& [type, grp] : groups) {
      const size_t min = in_.types[type].heap ? o_.leak_min_count : o_.leak_min_count_builtin;
      if (grp.count < static_cast<int64_t>(min)) continue;
      if (!room("leak-candidate")) continue;
      auto& f = add("leak-candidate", "warning", in_.describe.object_ref(grp.first));
      f.count = grp.count;
      f.examples = grp.examples;
      f.message = fmt::format(
          "{} {} objects hold references that no object in the heap accounts for (refcount "
          "above 0, no referrer, not held by a frame or the interpreter): leaked references?",
          grp.count, in_.types[type].name);
    }
  }

  // The holders of every object a finding names, tracked or not, from one visit of the
  // graph.
  void fill_parents() {
    std::vector<WantedHolder> wanted;
    for (const auto& [obj, finding] : parents_wanted_) wanted.push_back({g_.address[obj], true});
    for (const auto& [address, finding] : untracked_wanted_) wanted.push_back({address, false});
    HolderSearch search;
    search.max_each = o_.max_parents;
    search.threads = o_.threads;
    search.should_stop = o_.should_stop;
    const Referrers holders = referrers_of(g_, in_.types, in_.describe.visit, wanted, search);
    if (!holders.complete)
      out_.warnings.push_back(
          "time limit reached while looking for the containers that hold the objects found: "
          "some findings name fewer parents than hold them");
    std::vector<size_t> findings;
    for (const auto& [obj, finding] : parents_wanted_) findings.push_back(finding);
    for (const auto& [address, finding] : untracked_wanted_) findings.push_back(finding);
    for (size_t k = 0; k < wanted.size(); ++k) {
      report::Finding& f = out_.findings[findings[k]];
      for (uint32_t parent : holders.of[k]) {
        for (report::ParentRef& p : in_.describe.parent_refs(parent, wanted[k].address)) {
          if (f.parents.size() >= o_.max_parents) break;
          f.parents.push_back(std::move(p));
        }
      }
    }
    for (size_t fi : underflows_) {
      report::Finding& f = out_.findings[fi];
      std::vector<std::string> exact;
      for (const auto& p : f.parents)
        if (!p.conservative) exact.push_back(Describer::parent_text(p));
      f.message = fmt::format("refcount of {} is {} but {} objects refer to it",
                              in_.describe.object_text(f.object.address, f.object.type),
                              f.object.refcount.value_or(0), f.count);
      // None named: the time limit cut the search for them short (a warning says so).
      if (exact.empty()) continue;
      f.message += fmt::format(": {}", fmt::join(exact, ", "));
      if (f.count > static_cast<int64_t>(exact.size()))
        f.message += fmt::format(", and {} more", f.count - static_cast<int64_t>(exact.size()));
    }
    // Name the holders in the other findings about tracked objects too.
    for (const auto& [obj, finding] : parents_wanted_) {
      report::Finding& f = out_.findings[finding];
      if (f.check == "refcount-underflow" || f.parents.empty()) continue;
      std::vector<std::string> holders;
      for (const auto& p : f.parents) holders.push_back(Describer::parent_text(p));
      f.message += fmt::format("; held by {}", fmt::join(holders, ", "));
    }
  }

  const CheckInputs& in_;
  const CheckOptions& o_;
  const ObjectGraph& g_;
  CheckResult out_;
  std::vector<std::pair<uint32_t, size_t>> parents_wanted_;
  std::vector<size_t> underflows_;
  std::vector<std::pair<uint64_t, size_t>> untracked_wanted_;  // address, finding
  std::map<std::string, size_t> counted_, dropped_;
};

}  // namespace

CheckResult run_checks(const CheckInputs& in, const CheckOptions& options) {
  return Checker(in, options).run();
}

std::string headline(const std::vector<report::Finding>& findings) {
  if (findings.empty()) return {};
  const report::Finding& f = findings.front();  // run_checks sorts the most severe first
  return f.message;
}

}  // namespace pycore::heap
