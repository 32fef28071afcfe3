#include "address_index.hpp"

#include <algorithm>
#include <array>

#include "on_threads.hpp"

namespace pycore::heap {

namespace {

// Where thread t of `threads` starts in n items.
size_t share(size_t n, unsigned t, unsigned threads) {
  return n * t / threads;
}

// Threads for a pass over `words` bitmap words: one per 4096 words at most, so that a small
// index is not split.
unsigned threads_for_words(size_t words, unsigned threads) {
  return std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(words / 4096 + 1)));
}

}  // namespace

void AddressIndex::allocate_bits(uint64_t total_bits) {
  bits_.assign(total_bits / 64, 0);
  build_table();
}

void AddressIndex::build_table() {
  static_assert((uint64_t{1} << kTableShift) <= UINT32_MAX);  // offsets fit Granule::lo/hi
  size_t granules = 0;
  for (const Span& s : spans_)
    granules += ((s.end - 1) >> kTableShift) - (s.start >> kTableShift) + 1;
  size_t size = 1;
  while (size < 4 * granules) size *= 2;  // a quarter full: probes stay short
  table_.assign(size, Granule{});
  table_mask_ = size - 1;
  for (const Span& s : spans_) {
    const uint64_t bias = s.first_bit - (s.start >> 3);  // modulo 2^64
    for (uint64_t g = s.start >> kTableShift; g <= (s.end - 1) >> kTableShift; ++g) {
      const uint64_t from = std::max(s.start, g << kTableShift) - (g << kTableShift);
      const uint64_t to = std::min(s.end, (g + 1) << kTableShift) - (g << kTableShift);
      size_t h = hash_slot(g);
      while (table_[h].granule != kNoGranule) h = (h + 1) & table_mask_;
      table_[h] = Granule{g, bias, static_cast<uint32_t>(from), static_cast<uint32_t>(to)};
    }
  }
}

void AddressIndex::build_ranks(unsigned threads) {
  const size_t words = bits_.size();
  rank_.resize(words);
  threads = threads_for_words(words, threads);
  std::vector<uint32_t> before(threads + 1, 0);
  on_threads(threads, [&](unsigned t) {
    uint32_t count = 0;
    for (size_t w = share(words, t, threads); w < share(words, t + 1, threads); ++w)
      count += popcount(bits_[w]);
    before[t + 1] = count;
  });
  for (unsigned t = 0; t < threads; ++t) before[t + 1] += before[t];
  on_threads(threads, [&](unsigned t) {
    uint32_t count = before[t];
    for (size_t w = share(words, t, threads); w < share(words, t + 1, threads); ++w) {
      rank_[w] = count;
      count += popcount(bits_[w]);
    }
  });
  count_ = before[threads];
}

void AddressIndex::build(const uint64_t* sorted, size_t n) {
  spans_.clear();
  rank_.clear();
  count_ = 0;
  // Spans: runs of objects with no gap wider than kMaxGap; each covers its objects' bits.
  uint64_t total_bits = 0;
  for (size_t i = 0; i < n;) {
    Span s;
    s.start = sorted[i] & ~uint64_t{7};
    size_t j = i;
    while (j + 1 < n && sorted[j + 1] - sorted[j] <= kMaxGap) ++j;
    s.end = (sorted[j] & ~uint64_t{7}) + 8;
    s.first_bit = total_bits;
    // Whole 64-bit words per span, so spans never share a word.
    total_bits += ((s.end - s.start) / 8 + 63) / 64 * 64;
    spans_.push_back(s);
    i = j + 1;
  }
  allocate_bits(total_bits);
  size_t span = 0;
  for (size_t i = 0; i < n; ++i) {
    if ((sorted[i] & 7) != 0) continue;
    while (sorted[i] >= spans_[span].end) ++span;
    const uint64_t bit = spans_[span].first_bit + ((sorted[i] - spans_[span].start) >> 3);
    bits_[bit >> 6] |= uint64_t{1} << (bit & 63);
  }
  build_ranks(1);
}

AddressIndex::Unsorted AddressIndex::build_unsorted(const uint64_t* addresses, size_t n,
                                                    unsigned threads) {
  Unsorted out;
  spans_.clear();
  rank_.clear();
  count_ = 0;
  threads = std::max(1u, threads);

  // ---- the granules that hold objects. Neighbours on a GC list were mostly allocated
  // together, so a small cache of recent granules answers for most addresses.
  std::vector<std::vector<uint64_t>> granules(threads);
  std::vector<size_t> misaligned(threads, 0);
  on_threads(threads, [&](unsigned t) {
    std::vector<uint64_t>& mine = granules[t];
    std::array<uint64_t, 64> recent;
    recent.fill(UINT64_MAX);
    for (size_t k = share(n, t, threads); k < share(n, t + 1, threads); ++k) {
      const uint64_t a = addresses[k];
      if ((a & 7) != 0) {
        ++misaligned[t];
        continue;
      }
      const uint64_t g = a >> kGranuleShift;
      uint64_t& r = recent[g & 63];
      if (r == g) continue;
      r = g;
      mine.push_back(g);
    }
    std::sort(mine.begin(), mine.end());
    mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
  });
  std::vector<uint64_t> all;
  for (unsigned t = 0; t < threads; ++t) {
    out.misaligned += misaligned[t];
    const auto middle = static_cast<ptrdiff_t>(all.size());
    all.insert(all.end(), granules[t].begin(), granules[t].end());
    std::inplace_merge(all.begin(), all.begin() + middle, all.end());
    std::vector<uint64_t>().swap(granules[t]);
  }
  all.erase(std::unique(all.begin(), all.end()), all.end());

  // ---- spans: runs of granules, joined across gaps up to kMaxGap as build() does
  constexpr uint64_t kGranule = uint64_t{1} << kGranuleShift;
  constexpr uint64_t kJoin = kMaxGap / kGranule + 1;  // granule numbers this far apart join
  uint64_t total_bits = 0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j + 1 < all.size() && all[j + 1] - all[j] <= kJoin) ++j;
    Span s;
    s.start = all[i] << kGranuleShift;
    s.end = (all[j] << kGranuleShift) + kGranule;
    s.first_bit = total_bits;
    total_bits += (s.end - s.start) / 8;  // whole words: a granule is 1024 words
    spans_.push_back(s);
    i = j + 1;
  }
  std::vector<uint64_t>().swap(all);
  allocate_bits(total_bits);
  if (bits_.empty()) return out;

  // ---- bits. Every thread reads every address and sets the bits of its part of the
  // bitmap, so no word is written by two threads; a bit already set is a repeat. Bits
  // follow addresses in order, so a thread's part is a range of addresses: the others'
  // addresses are passed over on two comparisons, without finding their span.
  const size_t words = bits_.size();
  threads = threads_for_words(words, threads);
  std::vector<size_t> repeats(threads, 0);
  auto address_of_word = [&](uint64_t word) -> uint64_t {
    const uint64_t bit = word * 64;
    for (const Span& s : spans_)
      if (bit < s.first_bit + (s.end - s.start) / 8) return s.start + (bit - s.first_bit) * 8;
    return UINT64_MAX;  // the end of the bitmap
  };
  on_threads(threads, [&](unsigned t) {
    const uint64_t first_word = share(words, t, threads), end_word = share(words, t + 1, threads);
    const uint64_t from = address_of_word(first_word), to = address_of_word(end_word);
    const Span* span = spans_.data();
    constexpr size_t kAhead = 16;  // the bit words are scattered: fetch a few ahead
    auto bit_at = [&](uint64_t a) -> uint64_t {
      if ((a & 7) != 0 || a < from || a >= to) return kNoBit;
      if (a < span->start || a >= span->end) {
        const Span* s = span_of(a);
        if (s == nullptr) return kNoBit;  // cannot happen: the spans were made from them
        span = s;
      }
      return span->first_bit + ((a - span->start) >> 3);
    };
    std::array<uint64_t, kAhead> ring;
    for (size_t k = 0; k < std::min(n, kAhead); ++k) ring[k] = bit_at(addresses[k]);
    size_t& mine = repeats[t];
    for (size_t k = 0; k < n; ++k) {
      const uint64_t bit = ring[k % kAhead];
      if (k + kAhead < n) {
        const uint64_t ahead = bit_at(addresses[k + kAhead]);
        ring[k % kAhead] = ahead;
        if (ahead != kNoBit) __builtin_prefetch(&bits_[ahead >> 6], 1);
      }
      if (bit == kNoBit) continue;
      const uint64_t w = bit >> 6;
      const uint64_t mask = uint64_t{1} << (bit & 63);
      if (bits_[w] & mask)
        ++mine;
      else
        bits_[w] |= mask;
    }
  });
  for (size_t r : repeats) out.repeats += r;
  build_ranks(threads);
  return out;
}

void AddressIndex::write_addresses(uint64_t* out, unsigned threads) const {
  const size_t words = bits_.size();
  threads = threads_for_words(words, threads);
  on_threads(threads, [&](unsigned t) {
    size_t w = share(words, t, threads);
    const size_t end = share(words, t + 1, threads);
    size_t s = 0;
    while (s + 1 < spans_.size() && spans_[s + 1].first_bit <= w * 64) ++s;
    for (; w < end; ++w) {
      uint64_t word = bits_[w];
      if (word == 0) continue;
      while (s + 1 < spans_.size() && spans_[s + 1].first_bit <= w * 64) ++s;
      const uint64_t base = spans_[s].start + (w * 64 - spans_[s].first_bit) * 8;
      uint32_t at = rank_[w];
      while (word != 0) {
        out[at++] = base + static_cast<uint64_t>(std::countr_zero(word)) * 8;
        word &= word - 1;
      }
    }
  });
}

}  // namespace pycore::heap
