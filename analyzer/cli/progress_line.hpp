// A single, updating progress line on a terminal (stderr) for the heap stage: shown only
// once the stage has run for a while, redrawn a few times a second, erased when done, so
// that nothing of it is left in the terminal or reaches stdout.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "pycore/heap/analyze.hpp"

namespace pycore::cli {

class ProgressLine {
 public:
  // `out` must be a terminal; the caller decides (isatty).
  explicit ProgressLine(std::FILE* out, std::chrono::milliseconds delay = std::chrono::seconds(1))
      : out_(out), delay_(delay), start_(Clock::now()) {}
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() { erase(); }

  void update(const heap::HeapProgress& p);
  void erase();

  // "heap: referents: 1.2 M / 2.8 M objects (43%)"; the total is left out while unknown.
  static std::string text(const heap::HeapProgress& p);

 private:
  using Clock = std::chrono::steady_clock;
  std::FILE* out_;
  std::chrono::milliseconds delay_;
  Clock::time_point start_;
  Clock::time_point last_draw_{};
  bool shown_ = false;
};

}  // namespace pycore::cli
