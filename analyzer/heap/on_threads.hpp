// The heap stage's one way of splitting work: fn(0) .. fn(threads - 1) at once, fn(0) on
// the calling thread (which alone reports progress), returning when all are done.
#pragma once

#include <thread>
#include <vector>

namespace pycore::heap {

template <class Fn>
void on_threads(unsigned threads, const Fn& fn) {
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t) workers.emplace_back([&fn, t] { fn(t); });
  fn(0);
  for (auto& w : workers) w.join();
}

}  // namespace pycore::heap
