// libFuzzer target: the heap stage (GC lists, pymalloc arenas, object graph, checks) over
// mutated target memory. Input: a snapshot (snapshot.hpp) of a real core's writable memory,
// the layout fixed, the memory mutated.
#include <cstddef>
#include <cstdint>

#include "pycore/heap/analyze.hpp"
#include "snapshot.hpp"

using namespace pycore;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto snapshot = fuzz::decode_snapshot({data, size});
  if (!snapshot) return 0;
  auto memory = fuzz::snapshot_memory(*snapshot, uint64_t{512} << 20);
  heap::HeapOptions options;
  options.threads = 1;
  options.min_core_bytes_for_segments = 0;  // the segmented list walk too, then its fallback
  options.max_objects = 500'000;
  options.timeout_seconds = 20;
  (void)heap::analyze_heap(memory->memory, snapshot->layout, options);
  return 0;
}
