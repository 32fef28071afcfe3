#include "progress_line.hpp"

#include <fmt/format.h>

namespace pycore::cli {

namespace {

std::string count(size_t n) {
  if (n >= 1'000'000) return fmt::format("{:.1f} M", static_cast<double>(n) / 1e6);
  if (n >= 10'000) return fmt::format("{:.0f} k", static_cast<double>(n) / 1e3);
  return std::to_string(n);
}

}  // namespace

std::string ProgressLine::text(const heap::HeapProgress& p) {
  if (p.total == 0 && p.done == 0) return fmt::format("heap: {}", p.phase);
  if (p.total == 0) return fmt::format("heap: {}: {} objects", p.phase, count(p.done));
  return fmt::format("heap: {}: {} / {} objects ({}%)", p.phase, count(p.done), count(p.total),
                     p.done * 100 / p.total);
}

void ProgressLine::update(const heap::HeapProgress& p) {
  const Clock::time_point now = Clock::now();
  if (now - start_ < delay_) return;
  if (shown_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  shown_ = true;
  // Carriage return, the text, then clear to the end of the line (a shorter text may follow
  // a longer one).
  std::fputs(("\r" + text(p) + "\033[K").c_str(), out_);
  std::fflush(out_);
}

void ProgressLine::erase() {
  if (!shown_) return;
  shown_ = false;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
}

}  // namespace pycore::cli
