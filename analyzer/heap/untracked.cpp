#include "untracked.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "on_threads.hpp"

namespace pycore::heap {

namespace {

// The underflow of a live object with `references` counted to it, if its refcount is
// positive, mortal and lower.
std::optional<UntrackedUnderflow> over_refcount(const Memory& m, const Offsets& off,
                                                RefcountRules rules, uint64_t address,
                                                uint64_t references) {
  // One reference never exceeds a positive refcount: most objects need no read.
  if (references < 2) return std::nullopt;
  auto rc = m.i64(address + static_cast<uint64_t>(off.refcnt));
  if (rc && *rc > 0 && !rules.immortal(*rc) && references > static_cast<uint64_t>(*rc))
    return UntrackedUnderflow{address, *rc, references};
  return std::nullopt;
}

// Files one checked address of judge_untracked() by its verdict.
void file(JudgedUntracked& out, const Memory& m, const Offsets& off, RefcountRules rules,
          uint64_t address, uint64_t references, Verdict v) {
  if (v == Verdict::kOk || v == Verdict::kCode) {
    if (auto u = over_refcount(m, off, rules, address, references)) out.over.push_back(*u);
    if (v == Verdict::kCode) out.aux.push_back(address);
  } else if (v == Verdict::kTypeObject) {
    out.aux.push_back(address);
    out.unbalanced.push_back(address);
  } else if (is_error(v)) {
    out.bad.emplace_back(address, v);
    out.unbalanced.push_back(address);
  }
}

}  // namespace

JudgedUntracked judge_untracked(const UntrackedCounts& counts, const Memory& memory,
                                const Offsets& off, TypeTable& types, const Pymalloc& pymalloc,
                                RefcountRules rules, unsigned threads) {
  threads = std::max(threads, 1u);
  struct Part {
    JudgedUntracked judged;
    std::vector<UntrackedCounts::Counted> deferred;  // type not in the table yet
  };
  std::vector<Part> parts(threads);
  on_threads(threads, [&](unsigned t) {
    const Memory mine = memory;  // own region cache
    ExternalChecker checker(mine, off, types, pymalloc, rules);
    Part& part = parts[t];
    auto judge = [&](uint64_t address, uint64_t references) {
      ++part.judged.judged;
      const Verdict v = checker.check_like_last(address);
      if (v == Verdict::kDeferred)
        part.deferred.push_back({address, references});
      else
        file(part.judged, mine, off, rules, address, references, v);
    };
    // Each header is fetched kAhead addresses before it is read.
    constexpr size_t kAhead = 16;
    std::array<UntrackedCounts::Counted, kAhead> ring{};
    size_t seen = 0;
    counts.for_each_in_slots(1, t, threads, [&](uint64_t address, uint64_t references) {
      if (const std::byte* p = mine.at(address, 16)) __builtin_prefetch(p);
      UntrackedCounts::Counted& entry = ring[seen++ % kAhead];
      if (seen > kAhead) judge(entry.address, entry.references);
      entry = {address, references};
    });
    for (size_t k = seen > kAhead ? seen - kAhead : 0; k < seen; ++k)
      judge(ring[k % kAhead].address, ring[k % kAhead].references);
    if (t == 0) counts.for_each_in_map(1, judge);
  });
  JudgedUntracked out;
  std::vector<UntrackedCounts::Counted> deferred;
  for (Part& p : parts) {
    out.judged += p.judged.judged;
    out.over.insert(out.over.end(), p.judged.over.begin(), p.judged.over.end());
    out.bad.insert(out.bad.end(), p.judged.bad.begin(), p.judged.bad.end());
    out.aux.insert(out.aux.end(), p.judged.aux.begin(), p.judged.aux.end());
    out.unbalanced.insert(out.unbalanced.end(), p.judged.unbalanced.begin(),
                          p.judged.unbalanced.end());
    deferred.insert(deferred.end(), p.deferred.begin(), p.deferred.end());
  }
  // Types first met here join the table now that one thread is left.
  ExternalChecker checker(memory, off, types, pymalloc, rules);
  for (const auto& [address, references] : deferred) {
    if (auto tp = memory.u64(address + static_cast<uint64_t>(off.type))) types.intern(*tp);
    file(out, memory, off, rules, address, references, checker.check_uncached(address));
  }
  std::sort(out.bad.begin(), out.bad.end());
  std::sort(out.unbalanced.begin(), out.unbalanced.end());
  std::sort(out.over.begin(), out.over.end(),
            [](const UntrackedUnderflow& a, const UntrackedUnderflow& b) {
              return a.address < b.address;
            });
  return out;
}

std::vector<UntrackedUnderflow> add_aux_references(const JudgedUntracked& judged,
                                                   const UntrackedCounts& counts,
                                                   const UntrackedCounts& aux_counts,
                                                   const Memory& memory, const Offsets& off,
                                                   RefcountRules rules) {
  std::vector<UntrackedUnderflow> out = judged.over;
  auto by_address = [](const UntrackedUnderflow& a, const UntrackedUnderflow& b) {
    return a.address < b.address;
  };
  std::vector<UntrackedUnderflow> joined;
  auto visit = [&](uint64_t address, uint64_t aux_references) {
    if (std::binary_search(judged.unbalanced.begin(), judged.unbalanced.end(), address)) return;
    const uint64_t references = aux_references + counts.references_to(address);
    auto it =
        std::lower_bound(out.begin(), out.end(), UntrackedUnderflow{address, 0, 0}, by_address);
    if (it != out.end() && it->address == address) {
      it->references = references;
      return;
    }
    if (auto u = over_refcount(memory, off, rules, address, references)) joined.push_back(*u);
  };
  aux_counts.for_each_in_slots(1, 0, 1, visit);
  aux_counts.for_each_in_map(1, visit);
  std::sort(joined.begin(), joined.end(), by_address);
  const auto middle = static_cast<ptrdiff_t>(out.size());
  out.insert(out.end(), joined.begin(), joined.end());
  std::inplace_merge(out.begin(), out.begin() + middle, out.end(), by_address);
  return out;
}

}  // namespace pycore::heap
