#include "address_index.hpp"

namespace pycore::heap {

void AddressIndex::build(const uint64_t* sorted, size_t n) {
  spans_.clear();
  if (n == 0) {
    bits_.clear();
    rank_.clear();
    lo_ = hi_ = 0;
    return;
  }
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
  lo_ = spans_.front().start;
  hi_ = spans_.back().end;
  const uint64_t words = total_bits / 64;
  bits_.assign(words, 0);
  size_t span = 0;
  for (size_t i = 0; i < n; ++i) {
    if ((sorted[i] & 7) != 0) continue;
    while (sorted[i] >= spans_[span].end) ++span;
    const uint64_t bit = spans_[span].first_bit + ((sorted[i] - spans_[span].start) >> 3);
    bits_[bit >> 6] |= uint64_t{1} << (bit & 63);
  }
  rank_.assign(words, 0);
  uint32_t count = 0;
  for (uint64_t w = 0; w < words; ++w) {
    rank_[w] = count;
    count += popcount(bits_[w]);
  }
}

}  // namespace pycore::heap
