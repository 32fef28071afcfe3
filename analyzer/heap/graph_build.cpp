#include "graph_build.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <unordered_set>

#include "headers.hpp"
#include "holders.hpp"
#include "on_threads.hpp"

namespace pycore::heap {

namespace {

constexpr size_t kPollEvery = 1u << 14;  // objects between stop/progress polls

// Capacity for the tracked objects and the auxiliary sources appended after them (a few
// thousand code objects and static types), so that appending does not copy the per-object
// arrays. Unused capacity of a BigVector costs address space only.
size_t with_aux(size_t tracked) {
  return tracked + std::max<size_t>(tracked / 8, 1u << 16);
}

// The referent pass hands out pieces of consecutive objects to whichever thread is free,
// so that a thread slowed down (by the host, or by costlier objects) does not hold up the
// other. A thread counts references in its own array (adding them up afterwards is one
// sequential pass; shared counters would need atomic increments), and its problems and
// auxiliary sources go to its own Worker, piece after piece; each Piece remembers where in
// them its own begin and end.
struct Worker {
  BigVector<uint32_t> counts;  // per tracked object: kConservativeMark | exact references
  std::vector<Problem> problems;
  std::vector<uint64_t> aux;  // code objects and static types met as referents
  uint64_t exact_edges = 0, conservative_edges = 0;
};
struct Piece {
  uint32_t lo = 0, hi = 0;
  uint32_t worker = 0;
  size_t problems = 0, problems_end = 0, aux = 0, aux_end = 0;  // offsets
  std::atomic<size_t> done{0};
  bool stopped = false;
};

// Objects are visited in address order (the hardware prefetcher follows); the storage they
// point to (item arrays, dict keys) is elsewhere, so it is fetched a few objects ahead.
constexpr uint32_t kPrefetchStorage = 8;
// ...and the object itself twice as far ahead, so that reading its storage pointer there
// does not wait for memory (objects are ~150 bytes apart: the hardware prefetcher loses
// the stream at every page).
constexpr uint32_t kPrefetchObject = 2 * kPrefetchStorage;

// The separately allocated storage of the common containers (and a dict's split values);
// reading the pointer to it is as safe as any Memory read. The prefetches are of our
// mapping of the core, found through Memory like every read.
void prefetch_storage(const Memory& m, const Offsets& o, const HeapType& t, uint64_t obj) {
  auto pointer_at = [&](int64_t off) -> uint64_t {
    if (off < 0) return 0;
    const std::byte* p = m.at(obj + static_cast<uint64_t>(off), 8);
    return p != nullptr ? load<uint64_t>(p) : 0;
  };
  // One lookup for the first line; the next lines are prefetched by address alone (a
  // prefetch past the end of the mapping is dropped, never a fault).
  auto prefetch = [&](uint64_t address, int lines) {
    if (address == 0) return;
    if (const std::byte* p = m.at(address, 8)) {
      const auto at = reinterpret_cast<uintptr_t>(p);
      for (int k = 0; k < lines; ++k)
        __builtin_prefetch(reinterpret_cast<const void*>(at + 64 * static_cast<uintptr_t>(k)));
    }
  };
  uint64_t storage = 0;
  switch (t.shape) {
    case Shape::kList:
      storage = pointer_at(o.list_item);
      break;
    case Shape::kDict:
      storage = pointer_at(o.dict_keys);
      prefetch(pointer_at(o.dict_values), 1);
      break;
    case Shape::kSet:  // the table is the object's own small table up to 5 elements
      storage = pointer_at(o.set_table);
      break;
    default:
      break;
  }
  if (storage == 0 && t.managed_dict) storage = pointer_at(-o.gc_head - 8) & ~uint64_t{1};
  prefetch(storage, 2);
}

// One thread's part of the referent pass: the pieces it takes from `next` until none is
// left or time is up.
void visit_pieces(const BuildInputs& in, ObjectGraph& g, std::vector<Piece>& pieces,
                  std::atomic<size_t>& next, std::atomic<bool>& stop, Worker& w, uint32_t worker,
                  UntrackedCounts& untracked_counts, const BuildOptions& options, bool is_main,
                  const std::function<void()>& poll_main) {
  Memory memory = in.memory;  // own region cache
  ExternalChecker checker(memory, in.offsets, in.types, in.pymalloc, in.rules);
  SharedKeysCache shared_keys;
  VisitContext ctx{memory, in.offsets, in.types, &g.index, options.max_items, &shared_keys};
  w.counts.assign(g.gc_count, 0);
  GraphSink sink(g.index, checker, memory, w.counts, w.problems, w.aux);
  UntrackedBatch untracked(untracked_counts);
  sink.count_untracked_unchecked(&untracked);
  for (size_t k = next++; k < pieces.size() && !stop.load(std::memory_order_relaxed); k = next++) {
    Piece& c = pieces[k];
    c.worker = worker;
    c.problems = w.problems.size();
    c.aux = w.aux.size();
    for (uint32_t i = c.lo; i < c.hi; ++i) {
      if ((i - c.lo) % kPollEvery == 0) {
        c.done.store(i - c.lo, std::memory_order_relaxed);
        if (is_main) poll_main();
        if (options.should_stop && options.should_stop()) {
          c.stopped = true;
          stop.store(true, std::memory_order_relaxed);
          break;
        }
      }
      if (i + kPrefetchObject < c.hi)
        if (const std::byte* p = memory.at(g.address[i + kPrefetchObject], 8))
          __builtin_prefetch(p);
      if (i + kPrefetchStorage < c.hi)
        prefetch_storage(memory, in.offsets, in.types[g.type[i + kPrefetchStorage]],
                         g.address[i + kPrefetchStorage]);
      if (g.flags[i] & kHeaderUnreadable) continue;
      const HeapType& t = in.types[g.type[i]];
      if (!t.valid) continue;
      sink.begin(i);
      visit_referents(ctx, g.address[i], t, sink);
    }
    sink.flush();  // the piece's edges and problems are all in before its end is taken
    c.problems_end = w.problems.size();
    c.aux_end = w.aux.size();
    if (!c.stopped) c.done.store(c.hi - c.lo, std::memory_order_relaxed);
  }
  w.exact_edges = sink.exact_edges();
  w.conservative_edges = sink.conservative_edges();
}

// in_exact and kReferenced from the workers' counts, on `threads` threads (each a range of
// objects); the first worker's array becomes in_exact.
void add_counts(ObjectGraph& g, std::vector<Worker>& workers, unsigned threads) {
  const size_t n = g.gc_count;
  on_threads(threads, [&](unsigned t) {
    const size_t lo = n * t / threads, hi = n * (t + 1) / threads;
    uint32_t* first = workers[0].counts.data();
    uint8_t* flags = g.flags.data();
    for (size_t i = lo; i < hi; ++i) {
      uint32_t any = first[i];
      uint64_t exact = first[i] & kExactCountMask;
      for (size_t w = 1; w < workers.size(); ++w) {
        const uint32_t c = workers[w].counts[i];
        any |= c;
        exact += c & kExactCountMask;
      }
      first[i] = static_cast<uint32_t>(std::min<uint64_t>(exact, kExactCountMask));
      if (any != 0) flags[i] |= kReferenced;
    }
  });
  g.in_exact = std::move(workers[0].counts);
}

// GraphSink keeps no slots: the parents of pointer problems are visited once more, and a
// parent's k-th problem with a target gets the k-th slot that holds that target (the
// visitor meets a parent's pointers in the same order every time).
void fill_problem_slots(const BuildInputs& in, const ObjectGraph& g, std::vector<Problem>& problems,
                        const BuildOptions& options) {
  std::vector<size_t> order;
  for (size_t k = 0; k < problems.size(); ++k)
    if (problems[k].verdict != Verdict::kStorage && problems[k].parent < g.address.size())
      order.push_back(k);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return problems[a].parent < problems[b].parent; });
  const VisitContext ctx{in.memory, in.offsets, in.types, &g.index, options.max_items};
  for (size_t at = 0; at < order.size();) {
    const uint32_t parent = problems[order[at]].parent;
    size_t end = at;
    std::vector<uint64_t> targets;
    for (; end < order.size() && problems[order[end]].parent == parent; ++end)
      targets.push_back(problems[order[end]].target);
    std::sort(targets.begin(), targets.end());
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
    SlotSink sink(std::move(targets));
    visit_referents(ctx, g.address[parent], in.types[g.type[parent]], sink);
    // Slots of each target in visiting order; taken one by one.
    std::vector<size_t> by_target(sink.found.size());
    for (size_t f = 0; f < by_target.size(); ++f) by_target[f] = f;
    std::stable_sort(by_target.begin(), by_target.end(), [&](size_t a, size_t b) {
      return sink.found[a].target < sink.found[b].target;
    });
    std::vector<size_t> taken(by_target.size(), 0);  // slots taken, at a target's first
    for (size_t k = at; k < end; ++k) {
      Problem& p = problems[order[k]];
      auto first = std::lower_bound(
          by_target.begin(), by_target.end(), p.target,
          [&](size_t f, uint64_t target) { return sink.found[f].target < target; });
      const auto lo = static_cast<size_t>(first - by_target.begin());
      const size_t f = lo < by_target.size() ? lo + taken[lo] : lo;
      if (f < by_target.size() && sink.found[by_target[f]].target == p.target) {
        p.slot = sink.found[by_target[f]].slot;
        ++taken[lo];
      } else {
        p.slot = Slot{SlotKind::kField, 0, 0, "?"};  // not met again: cannot happen
      }
    }
    at = end;
  }
}

// A Problem for every slot of a tracked object that holds one of the bad pointers, found by
// a second visit of the graph (made only when judge_untracked() found bad pointers, before
// any auxiliary source joins the graph). Returns false when should_stop ended it.
bool find_holders(const BuildInputs& in, const ObjectGraph& g,
                  const std::vector<std::pair<uint64_t, Verdict>>& bad,
                  std::vector<Problem>& problems, const BuildOptions& options, unsigned threads) {
  std::vector<WantedHolder> wanted;
  for (const auto& [address, verdict] : bad) wanted.push_back({address, false});
  HolderSearch search;
  search.every_slot = true;
  search.threads = threads;
  search.should_stop = options.should_stop;
  const VisitContext exact_only{in.memory, in.offsets, in.types, nullptr, options.max_items};
  const Referrers holders = referrers_of(g, in.types, exact_only, wanted, search);
  for (size_t k = 0; k < bad.size(); ++k)
    for (uint32_t parent : holders.of[k])
      problems.push_back(Problem{parent, bad[k].first, Slot{}, bad[k].second, nullptr});
  return holders.complete;
}

}  // namespace

AddressIndex::Unsorted number_objects(GcWalk& walk, ObjectGraph& g, size_t capacity,
                                      const BuildOptions& options) {
  const size_t walked = walk.objects.size();
  const unsigned threads = threads_for(walked, options);
  const AddressIndex::Unsorted built = g.index.build_unsorted(walk.objects.data(), walked, threads);
  const size_t n = g.index.size();
  // Nearly all objects are usually on one list (the oldest generation, or the youngest
  // while collection is disabled): they get its generation at once, and only the others
  // are looked up.
  std::array<size_t, 256> per_generation{};
  for (uint8_t generation : walk.generation) ++per_generation[generation];
  const auto usual = static_cast<uint8_t>(
      std::max_element(per_generation.begin(), per_generation.end()) - per_generation.begin());
  g.generation.reserve(capacity);
  g.generation.assign(n, usual);
  if (built.repeats == 0) {
    for (size_t k = 0; k < walked; ++k)
      if (walk.generation[k] != usual)
        if (const uint32_t i = g.index.find(walk.objects[k]); i != kNoObject)
          g.generation[i] = walk.generation[k];
  } else {
    // Backwards, so that an object on two lists ends with the generation of the list
    // walked first.
    for (size_t k = walked; k-- > 0;)
      if (const uint32_t i = g.index.find(walk.objects[k]); i != kNoObject)
        g.generation[i] = walk.generation[k];
  }
  BigVector<uint8_t>().swap(walk.generation);
  g.address = std::move(walk.objects);
  g.index.write_addresses(g.address.data(), threads);
  g.address.resize(n);
  if (g.address.capacity() < capacity) g.address.reserve(capacity);
  return built;
}

unsigned threads_for(size_t n, const BuildOptions& options) {
  const size_t per_thread = std::max<size_t>(options.min_objects_per_thread, 1);
  return static_cast<unsigned>(
      std::clamp<size_t>(n / per_thread + 1, 1, std::max(options.threads, 1u)));
}

BuildResult build_graph(const BuildInputs& in, GcWalk& walk, const BuildOptions& options) {
  BuildResult out;
  ObjectGraph& g = out.graph;
  auto T0 = std::chrono::steady_clock::now();
  auto lap = [&](double& slot) {
    auto now = std::chrono::steady_clock::now();
    slot = std::chrono::duration<double>(now - T0).count();
    T0 = now;
  };
  auto progress = [&](const char* phase, size_t done, size_t total) {
    if (options.progress) options.progress(phase, done, total);
  };

  // ---- numbering (address order) and the address index
  {
    // The address array keeps room for the auxiliary sources appended later.
    const AddressIndex::Unsorted numbered =
        number_objects(walk, g, with_aux(walk.objects.size()), options);
    if (numbered.repeats != 0)
      out.notes.push_back(
          fmt::format("{} objects were found on more than one GC list", numbered.repeats));
    if (numbered.misaligned != 0)
      out.notes.push_back(
          fmt::format("{} misaligned GC list nodes were ignored", numbered.misaligned));
  }
  g.gc_count = static_cast<uint32_t>(g.address.size());
  size_t n = g.gc_count;
  g.flags.reserve(with_aux(n));
  g.reserve_refcounts(with_aux(n));
  g.type.reserve(with_aux(n));
  g.flags.assign(n, 0);
  lap(out.seconds.index);

  // ---- headers, types, sizes (a sweep through the core in address order, per thread)
  g.resize_refcounts(n);
  g.type.resize(n);
  if (const size_t examined = read_headers(in, g, out, options); examined < n) {
    // Out of time: the graph keeps only the objects whose headers were read (the lowest
    // addresses), as if the walk had stopped there.
    out.notes.push_back(fmt::format(
        "time limit reached while reading object headers: {} of {} objects examined, the "
        "rest left out of the graph",
        examined, n));
    out.complete = false;
    n = examined;
    g.gc_count = static_cast<uint32_t>(n);
    g.address.resize(n);
    g.generation.resize(n);
    g.flags.resize(n);
    g.resize_refcounts(n);
    g.type.resize(n);
    g.index.build(g.address.data(), n);
  }
  lap(out.seconds.headers);
  in.types.freeze();

  // ---- referents, in pieces of consecutive objects taken by whichever thread is free
  const unsigned threads = threads_for(n, options);
  UntrackedCounts untracked_counts(in.memory.regions());
  // About 16 pieces per thread: few enough that each is long (the prefetch distances are
  // short against it), enough that the threads finish close together.
  const size_t piece_size = std::clamp<size_t>(n / (size_t{16} * threads), 1, size_t{1} << 17);
  std::vector<Piece> pieces((n + piece_size - 1) / piece_size);
  for (size_t k = 0; k < pieces.size(); ++k) {
    pieces[k].lo = static_cast<uint32_t>(k * piece_size);
    pieces[k].hi = static_cast<uint32_t>(std::min(n, (k + 1) * piece_size));
  }
  std::vector<Worker> workers(threads);
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  auto poll_main = [&] {
    size_t done = 0;
    for (const Piece& c : pieces) done += c.done.load(std::memory_order_relaxed);
    progress("referents", done, n);
  };
  on_threads(threads, [&](unsigned t) {
    visit_pieces(in, g, pieces, next, stop, workers[t], t, untracked_counts, options, t == 0,
                 poll_main);
  });

  lap(out.seconds.referents);
  // ---- the pieces' problems and auxiliary sources, in object order
  for (const Worker& w : workers) {
    out.edges += w.exact_edges + w.conservative_edges;
    out.conservative_edges += w.conservative_edges;
  }
  std::vector<uint64_t> aux_candidates;
  size_t visited = 0;
  bool stopped = false;
  for (const Piece& c : pieces) {
    const Worker& w = workers[c.worker];
    out.problems.insert(out.problems.end(), w.problems.begin() + static_cast<ptrdiff_t>(c.problems),
                        w.problems.begin() + static_cast<ptrdiff_t>(c.problems_end));
    aux_candidates.insert(aux_candidates.end(), w.aux.begin() + static_cast<ptrdiff_t>(c.aux),
                          w.aux.begin() + static_cast<ptrdiff_t>(c.aux_end));
    stopped |= c.stopped;
    visited += c.done.load();
  }
  if (stopped || visited < n) {
    out.complete = false;
    out.notes.push_back(fmt::format(
        "time limit reached while computing referents: {} of {} objects' referents computed",
        visited, n));
  }
  lap(out.seconds.merge);
  // ---- the pointers counted unchecked: each distinct one checked once, then the holders
  // of the bad ones found by a second visit
  double judge_seconds = 0;
  const JudgedUntracked judged = judge_untracked(untracked_counts, in.memory, in.offsets, in.types,
                                                 in.pymalloc, in.rules, threads);
  aux_candidates.insert(aux_candidates.end(), judged.aux.begin(), judged.aux.end());
  if (!judged.bad.empty() && !find_holders(in, g, judged.bad, out.problems, options, threads)) {
    out.complete = false;
    out.notes.push_back(
        fmt::format("time limit reached while finding the holders of {} bad pointers to untracked "
                    "memory: some are not reported",
                    judged.bad.size()));
  }
  lap(judge_seconds);
  // ---- auxiliary sources: static types we met, then code objects and static types met
  // as referents; their own referents may name more (nested code objects in co_consts).
  // Their pointers to untracked objects are checked as they are met and counted apart:
  // judge_untracked() has balanced the others already.
  UntrackedCounts aux_counts(in.memory.regions());
  for (size_t i = 0; i < in.types.size(); ++i) {
    const HeapType& t = in.types[static_cast<uint32_t>(i)];
    if (t.valid && !t.heap && t.address != 0) aux_candidates.push_back(t.address);
  }
  {
    std::unordered_set<uint64_t> seen;
    ExternalChecker checker(in.memory, in.offsets, in.types, in.pymalloc, in.rules);
    VisitContext ctx{in.memory, in.offsets, in.types, &g.index, options.max_items};
    std::vector<uint64_t> more;
    // The auxiliary sources' references count with the first worker's.
    GraphSink sink(g.index, checker, in.memory, workers[0].counts, out.problems, more);
    UntrackedBatch untracked(aux_counts);
    sink.keep_untracked(&untracked);
    size_t next = 0;
    while (next < aux_candidates.size()) {
      uint64_t p = aux_candidates[next++];
      if (g.index.find(p) != kNoObject || !seen.insert(p).second) continue;
      if (seen.size() > options.max_aux) {
        out.complete = false;
        out.notes.push_back(
            fmt::format("stopped after {} untracked sources (limit)", options.max_aux));
        break;
      }
      if (seen.size() % 4096 == 0 && options.should_stop && options.should_stop()) {
        out.complete = false;
        out.notes.push_back(
            fmt::format("time limit reached while visiting untracked sources (code objects, static "
                        "types): {} visited, {} left",
                        seen.size(), aux_candidates.size() - next));
        break;
      }
      auto rc = in.memory.i64(p + static_cast<uint64_t>(in.offsets.refcnt));
      auto tp = in.memory.u64(p + static_cast<uint64_t>(in.offsets.type));
      if (!rc || !tp) continue;
      uint32_t ti = in.types.intern(*tp);
      if (!in.types[ti].valid) continue;
      const uint32_t number = static_cast<uint32_t>(g.address.size());
      g.address.push_back(p);
      g.push_refcount(*rc);
      g.type.push_back(ti);
      g.generation.push_back(kAuxGeneration);
      g.flags.push_back(0);
      sink.begin(number);
      visit_referents(ctx, p, in.types[ti], sink);
      sink.flush();
      aux_candidates.insert(aux_candidates.end(), more.begin(), more.end());
      more.clear();
    }
    out.edges += sink.exact_edges() + sink.conservative_edges();
    out.conservative_edges += sink.conservative_edges();
  }

  // ---- pointers of auxiliary sources whose type was new to the table: check them now
  // that we may intern (the auxiliary sources met so far are all visited by now)
  {
    ExternalChecker checker(in.memory, in.offsets, in.types, in.pymalloc, in.rules);
    UntrackedBatch untracked(aux_counts);
    std::vector<Problem> kept;
    for (Problem& p : out.problems) {
      if (p.verdict == Verdict::kDeferred) {
        if (auto tp = in.memory.u64(p.target + static_cast<uint64_t>(in.offsets.type)))
          in.types.intern(*tp);
        p.verdict = checker.check_uncached(p.target);
        if (p.verdict == Verdict::kOk || p.verdict == Verdict::kCode) untracked.push(p.target);
        if (!is_error(p.verdict)) continue;
      }
      kept.push_back(p);
    }
    out.problems = std::move(kept);
  }

  fill_problem_slots(in, g, out.problems, options);
  lap(out.seconds.aux);
  // ---- the untracked balance, completed with the auxiliary sources' references, before
  // the in-degrees allocate: its counts are released first. After the deadline it is left
  // out (naming the parents of its findings revisits the heap).
  if (!(options.should_stop && options.should_stop())) {
    out.untracked =
        add_aux_references(judged, untracked_counts, aux_counts, in.memory, in.offsets, in.rules);
    out.untracked_balanced = true;
  }
  untracked_counts.release();
  aux_counts.release();
  lap(out.seconds.untracked);
  out.seconds.untracked += judge_seconds;
  // ---- in-degrees of tracked objects: the threads' counts added up
  add_counts(g, workers, threads);
  workers.clear();
  lap(out.seconds.in_degree);
  return out;
}

}  // namespace pycore::heap
