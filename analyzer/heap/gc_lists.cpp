#include "pycore/heap/gc_lists.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "gc_segments.hpp"

namespace pycore::heap {

using layout::F;

namespace {

constexpr size_t kMaxInterpreters = 256;
constexpr const char* kUnreadable = "unreadable PyGC_Head";

// 3.8+ packs flags into the low bits of _gc_prev (FINALIZED, COLLECTING) and, during a
// collection, _gc_next (NEXT_MASK_UNREACHABLE); 3.6/3.7 keep gc_refs in its own word.
bool packed_flags(const layout::Layout& l) {
  return l.models.gc_head == layout::GcHeadModel::kPackedFlags;
}

std::vector<uint64_t> find_interpreters(const Memory& mem, const layout::Layout& l,
                                        std::vector<std::string>& notes) {
  std::vector<uint64_t> out;
  uint64_t head_slot = 0;
  if (l.models.roots == layout::RuntimeRoots::kStatics36) {
    head_slot = l.roots.interp_head_symbol;
    if (head_slot == 0) notes.push_back("interp_head (a local symbol) was not found");
  } else if (l.roots.runtime != 0 && l.has(F::runtime_interpreters_head)) {
    head_slot = l.roots.runtime + static_cast<uint64_t>(l.off(F::runtime_interpreters_head));
  } else {
    notes.push_back("_PyRuntime was not found");
  }
  if (head_slot == 0) return out;
  auto head = mem.u64(head_slot);
  if (!head) {
    notes.push_back(fmt::format("interpreter list head at {:#x} is unreadable", head_slot));
    return out;
  }
  std::unordered_set<uint64_t> seen;
  for (uint64_t interp = *head; interp != 0;) {
    if (!seen.insert(interp).second || out.size() >= kMaxInterpreters) {
      notes.push_back("interpreter list loops or is implausibly long; stopped");
      break;
    }
    out.push_back(interp);
    auto next = l.has(F::interp_next)
                    ? mem.u64(interp + static_cast<uint64_t>(l.off(F::interp_next)))
                    : std::nullopt;
    if (!next) {
      notes.push_back(fmt::format("interpreter {:#x}: next pointer unreadable", interp));
      break;
    }
    interp = *next;
  }
  return out;
}

// Appends the lists of one GC state (generations, then the permanent generation).
void add_state_lists(const Memory& mem, const layout::Layout& l, uint64_t generations,
                     uint64_t permanent, uint64_t collecting_flag, int interpreter, uint64_t interp,
                     GcListsLocation& out) {
  bool collecting = false;
  if (collecting_flag != 0) {
    if (auto c = mem.i32(collecting_flag)) collecting = *c != 0;
  }
  const uint64_t gen_size = static_cast<uint64_t>(l.off(F::gc_generation_size));
  const uint64_t head_off =
      l.has(F::gc_generation_head) ? static_cast<uint64_t>(l.off(F::gc_generation_head)) : 0;
  // NUM_GENERATIONS from the array's size when the layout knows it (3 in every version).
  int count = 3;
  if (l.has(F::gcstate_generations) && l[F::gcstate_generations].size >= gen_size && gen_size)
    count = static_cast<int>(l[F::gcstate_generations].size / gen_size);
  for (int g = 0; g < count; ++g)
    out.lists.push_back(
        {interpreter, interp, g, generations + g * gen_size + head_off, collecting});
  if (permanent != 0)
    out.lists.push_back({interpreter, interp, 3, permanent + head_off, collecting});
}

}  // namespace

GcHeadCodec GcHeadCodec::from(const layout::Layout& l) {
  GcHeadCodec c;
  c.size = static_cast<uint32_t>(l.off(F::gc_head_size));
  c.next_off = l.off(F::gc_head_next);
  c.prev_off = l.off(F::gc_head_prev);
  if (packed_flags(l)) {
    // _PyGC_PREV_SHIFT is 2: bit 0 FINALIZED, bit 1 COLLECTING; pointers are 8-aligned.
    c.refs_off = -1;
    c.collecting_bit = 2;
    c.pointer_mask = ~uint64_t{3};
  } else {
    c.refs_off = l.has(F::gc_head_refs) ? l.off(F::gc_head_refs) : 16;
    c.pointer_mask = ~uint64_t{0};
  }
  return c;
}

std::string generation_name(int generation) {
  if (generation == 3) return "permanent";
  return fmt::format("generation {}", generation);
}

GcListsLocation locate_gc_lists(const Memory& mem, const layout::Layout& l) {
  GcListsLocation out;
  out.interpreters = find_interpreters(mem, l, out.notes);
  if (!l.has(F::gc_head_size) || !l.has(F::gc_generation_size)) {
    out.notes.push_back("the layout has no PyGC_Head / gc_generation sizes");
    return out;
  }
  auto field = [&](F f) { return static_cast<uint64_t>(l.off(f)); };
  switch (l.models.gc_state) {
    case layout::GcStateLocation::kStatics36: {
      // 3.6: static `generations[3]` and `collecting` in gcmodule.c (local symbols).
      if (l.roots.gc_generations == 0) {
        out.notes.push_back(
            "the GC's static `generations` array was not found (local symbol; needs .symtab)");
        break;
      }
      add_state_lists(mem, l, l.roots.gc_generations, 0, l.roots.gc_collecting, -1, 0, out);
      break;
    }
    case layout::GcStateLocation::kRuntime: {
      if (l.roots.runtime == 0 || !l.has(F::runtime_gc)) {
        out.notes.push_back("_PyRuntime.gc was not found");
        break;
      }
      uint64_t state = l.roots.runtime + field(F::runtime_gc);
      add_state_lists(
          mem, l, state + field(F::gcstate_generations),
          l.has(F::gcstate_permanent_generation) ? state + field(F::gcstate_permanent_generation)
                                                 : 0,
          l.has(F::gcstate_collecting) ? state + field(F::gcstate_collecting) : 0, -1, 0, out);
      break;
    }
    case layout::GcStateLocation::kInterpreter: {
      if (!l.has(F::interp_gc)) {
        out.notes.push_back("the layout has no interp->gc");
        break;
      }
      for (size_t i = 0; i < out.interpreters.size(); ++i) {
        uint64_t interp = out.interpreters[i];
        uint64_t state = interp + field(F::interp_gc);
        add_state_lists(mem, l, state + field(F::gcstate_generations),
                        l.has(F::gcstate_permanent_generation)
                            ? state + field(F::gcstate_permanent_generation)
                            : 0,
                        l.has(F::gcstate_collecting) ? state + field(F::gcstate_collecting) : 0,
                        static_cast<int>(i), interp, out);
      }
      break;
    }
  }
  return out;
}

namespace {

struct RawHead {
  uint64_t next = 0;
  uint64_t prev = 0;
};

// Walks each list from both ends at once: the two pointer chases are independent, so their
// cache misses overlap. Each end checks the link back to where it came from; where an end
// breaks, the other carries on until it reaches the last node the broken end took.
class ListWalker {
 public:
  ListWalker(const Memory& mem, const GcHeadCodec& codec, const GcWalkLimits& limits, GcWalk& out,
             size_t room)
      : mem_(mem), c_(codec), limits_(limits), out_(out) {
    back_.reserve(room);  // address space only, as for out.objects: never copied as it grows
  }

  void walk(int list_index, const GcList& list) {
    const size_t first = out_.objects.size();
    auto head = read(list.head);
    if (!head) {
      out_.breaks.push_back({list_index, list.head, 0, false, true, "the list head is unreadable"});
      return;
    }
    // A list being collected (3.8+) keeps gc_refs in _gc_prev: no way back from the tail.
    const bool refs_possible = list.collecting && c_.collecting_bit != 0;
    End fwd{head->next & c_.pointer_mask, list.head, true};
    End bwd{head->prev & c_.pointer_mask, list.head, !refs_possible};
    back_.clear();
    uint64_t brent_mark = list.head;
    size_t brent_power = 1, brent_len = 0;
    // The limit is checked where a node is about to be taken, so that a walk holding
    // exactly max_objects objects with nothing left to take is complete, not truncated.
    auto full = [&] { return out_.objects.size() + back_.size() >= limits_.max_objects; };
    while (fwd.alive || bwd.alive) {
      if (++steps_ % kPollEvery == 0) {
        if (limits_.progress) limits_.progress(out_.objects.size() + back_.size());
        if (limits_.should_stop && limits_.should_stop()) {
          out_.timed_out = true;
          break;
        }
      }
      if (fwd.alive) {
        if (fwd.cur == list.head || fwd.cur == bwd.last) break;  // met the other end
        if (full()) {
          out_.truncated = true;
          break;
        }
        auto node = read(fwd.cur);
        bool ok = node.has_value();
        if (!ok) {
          add_break(list_index, fwd.cur, fwd.last, false, kUnreadable);
        } else if (refs_possible && (node->prev & c_.collecting_bit) != 0) {
          out_.next_only = true;  // prev holds gc_refs: nothing to check
          if (fwd.cur == brent_mark) {
            add_break(list_index, fwd.cur, fwd.last, false,
                      "the next links loop without reaching the head");
            ok = false;
          } else if (++brent_len == brent_power) {  // Brent's cycle detection
            brent_mark = fwd.cur;
            brent_power *= 2;
            brent_len = 0;
          }
        } else if ((node->prev & c_.pointer_mask) != fwd.last) {
          add_break(list_index, fwd.cur, fwd.last, false,
                    fmt::format("its prev link is {:#x}, expected {:#x}",
                                node->prev & c_.pointer_mask, fwd.last));
          ok = false;
        }
        if (ok) {
          out_.objects.push_back(fwd.cur + c_.size);
          out_.generation.push_back(static_cast<uint8_t>(list.generation));
          fwd.last = fwd.cur;
          fwd.cur = node->next & c_.pointer_mask;
        } else {
          fwd.alive = false;
        }
      }
      if (bwd.alive) {
        if (bwd.cur == list.head || bwd.cur == fwd.last) break;
        if (full()) {
          out_.truncated = true;
          break;
        }
        auto node = read(bwd.cur);
        if (!node) {
          add_break(list_index, bwd.cur, bwd.last, true, kUnreadable);
          bwd.alive = false;
        } else if ((node->next & c_.pointer_mask) != bwd.last) {
          add_break(list_index, bwd.cur, bwd.last, true,
                    fmt::format("its next link is {:#x}, expected {:#x}",
                                node->next & c_.pointer_mask, bwd.last));
          bwd.alive = false;
        } else {
          back_.push_back(bwd.cur + c_.size);
          bwd.last = bwd.cur;
          bwd.cur = node->prev & c_.pointer_mask;
        }
      }
    }
    // The tail end's nodes, in list order.
    for (size_t i = back_.size(); i-- > 0;) {
      out_.objects.push_back(back_[i]);
      out_.generation.push_back(static_cast<uint8_t>(list.generation));
    }
    out_.per_list[list_index] = static_cast<uint32_t>(out_.objects.size() - first);
  }

 private:
  struct End {
    uint64_t cur;   // next node to take
    uint64_t last;  // last node taken (the list head at first)
    bool alive;
  };

  std::optional<RawHead> read(uint64_t gc) const {
    RawHead h;
    if (const std::byte* p = mem_.at(gc, head_span_)) {  // the common case: one lookup
      std::memcpy(&h.next, p + c_.next_off, 8);
      std::memcpy(&h.prev, p + c_.prev_off, 8);
      return h;
    }
    auto n = mem_.u64(gc + static_cast<uint64_t>(c_.next_off));
    auto p = mem_.u64(gc + static_cast<uint64_t>(c_.prev_off));
    if (!n || !p) return std::nullopt;
    h.next = *n;
    h.prev = *p;
    return h;
  }

  void add_break(int list, uint64_t at, uint64_t last_good, bool backwards, std::string what) {
    const bool unreadable = what == kUnreadable;
    out_.breaks.push_back({list, at, last_good, backwards, unreadable, std::move(what)});
  }

  const Memory& mem_;
  const GcHeadCodec& c_;
  const GcWalkLimits& limits_;
  GcWalk& out_;
  BigVector<uint64_t> back_;  // the tail end's nodes, tail first
  static constexpr size_t kPollEvery = 1u << 14;
  size_t steps_ = 0;
  const size_t head_span_ = static_cast<size_t>(std::max(c_.next_off, c_.prev_off) + 8);
};

}  // namespace

GcWalk walk_gc_lists(const Memory& mem, const GcHeadCodec& codec, const std::vector<GcList>& lists,
                     const GcWalkLimits& limits) {
  GcWalk out;
  out.per_list.assign(lists.size(), 0);
  // Room for every object the core could hold (a tracked object and its head take at least
  // 32 bytes), so the arrays never move while they grow. Untouched capacity costs address
  // space only.
  uint64_t core_bytes = 0;
  for (const target::Region& r : mem.regions())
    if (r.origin == target::Origin::kCore) core_bytes += r.bytes.size();
  const size_t room = static_cast<size_t>(
      std::min<uint64_t>({limits.max_objects, core_bytes / 32, uint64_t{1} << 28}));
  out.objects.reserve(room);
  out.generation.reserve(room);
  if (walk_gc_segments(mem, codec, lists, limits, out)) return out;
  ListWalker walker(mem, codec, limits, out, room);
  for (size_t i = 0; i < lists.size(); ++i) {
    if (out.truncated || out.timed_out) {
      out.lists_not_walked = lists.size() - i;
      break;
    }
    walker.walk(static_cast<int>(i), lists[i]);
  }
  if (out.next_only)
    out.notes.push_back(
        "the core was taken during a collection: the collected generation's prev links hold "
        "gc_refs, so it was walked through next links only (objects already moved to the "
        "collector's temporary lists are not seen)");
  // Where a limit cut the walk short, the unwalked rest of the lists is neither counted
  // nor checked; the caller says what that means for the checks.
  if (out.truncated || out.timed_out)
    out.notes.push_back(fmt::format(
        "the GC list walk stopped at the {} after {} objects{}; the objects beyond were not "
        "examined",
        out.truncated ? fmt::format("object limit ({})", limits.max_objects)
                      : std::string("time limit"),
        out.objects.size(),
        out.lists_not_walked != 0
            ? fmt::format(" ({} of {} lists not started)", out.lists_not_walked, lists.size())
            : std::string()));
  return out;
}

}  // namespace pycore::heap
