// libFuzzer target: safe_repr and the object readers over mutated target memory. Input: a
// snapshot (snapshot.hpp) cut from a real core, the layout fixed, the memory mutated.
#include <cstddef>
#include <cstdint>

#include "pycore/python/objects.hpp"
#include "pycore/python/repr.hpp"
#include "snapshot.hpp"

using namespace pycore;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto snapshot = fuzz::decode_snapshot({data, size});
  if (!snapshot) return 0;
  auto memory = fuzz::snapshot_memory(*snapshot, uint64_t{64} << 20);
  python::ObjectReader reader(memory->memory, snapshot->layout);
  size_t n = 0;
  for (uint64_t obj : snapshot->objects) {
    if (++n > 128) break;
    (void)python::safe_repr(reader, obj);
    (void)reader.kind_of(obj);
    (void)reader.instance_attributes(obj, 64);
  }
  return 0;
}
