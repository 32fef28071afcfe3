// _Py_DebugOffsets parsing and validation on synthetic blocks.
#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "compare.hpp"
#include "pycore/layout/sources.hpp"

using namespace pycore;
using namespace pycore::layout;

namespace {

// The 3.13.0 block as its ELF holds it (reference §1.3), in block order after the header.
const std::vector<uint64_t> k313Values = {
    283320, 608,  632,                                                             // runtime
    194968, 7272, 7264, 7344, 7400, 7656, 7640, 7648, 16,  7752, 0,   7768, 7760,  // interp
    304,    0,    8,    16,   72,   152,  160,  232,  32,                          // tstate
    80,     8,    0,    56,   72,   70,                                            // frame
    208,    112,  120,  128,  136,  68,   52,   96,   104, 200,                    // code
    16,     8,    416,  24,   88,   168,  32,   24,   16,  40,   24,  16,   48,
    32,     40,   24,   16,  // objects
    32,     16,   24,   40,   16,   32,   64,   32,   16,  40,   240, 200};

std::vector<std::byte> block(uint64_t version, uint64_t free_threaded,
                             const std::vector<uint64_t>& values) {
  std::vector<std::byte> b(24 + 8 * values.size());
  std::memcpy(b.data(), "xdebugpy", 8);
  std::memcpy(b.data() + 8, &version, 8);
  std::memcpy(b.data() + 16, &free_threaded, 8);
  std::memcpy(b.data() + 24, values.data(), 8 * values.size());
  return b;
}

const FieldLoc* find(const DebugOffsets& d, F f) {
  for (const auto& [id, loc] : d.fields)
    if (id == f) return &loc;
  return nullptr;
}

}  // namespace

TEST_CASE("a valid 3.13 block gives the 3.13 layout", "[debug-offsets]") {
  REQUIRE(debug_offsets_block_size(13) == 584);
  REQUIRE(debug_offsets_block_size(14) == 760);
  CHECK(debug_offsets_block_size(12) == 0);
  std::vector<std::byte> b = block(0x030d00f0, 0, k313Values);
  REQUIRE(b.size() == 584);
  Result<DebugOffsets> d = parse_debug_offsets(b, 283320);
  REQUIRE(d.ok());
  CHECK(d->version == 0x030d00f0);
  CHECK_FALSE(d->free_threaded);
  CHECK(d->runtime_size == 283320);
  REQUIRE(find(*d, F::tstate_current_frame));
  CHECK(find(*d, F::tstate_current_frame)->offset == 72);
  CHECK(find(*d, F::interp_gc)->offset == 7400);
  CHECK(find(*d, F::ascii_size)->offset == 40);
  CHECK(find(*d, F::ascii_size)->size == 40);
  CHECK(find(*d, F::iframe_owner)->size == 1);
  CHECK(find(*d, F::gcstate_collecting)->offset == 200);

  // Every value it provides equals the table generated from the 3.13 headers.
  std::optional<BuiltinTable> table = find_builtin_table(3, 13, "release");
  REQUIRE(table);
  FieldArray from_block{};
  for (const auto& [f, loc] : d->fields) from_block[static_cast<size_t>(f)] = loc;
  std::vector<std::string> diff = pycore::layout::testing::compare_fields(
      from_block, "debug-offsets", table->fields, "table", /*only_present_in_a=*/true);
  for (const std::string& s : diff) UNSCOPED_INFO(s);
  CHECK(diff.empty());
}

TEST_CASE("bad blocks are rejected", "[debug-offsets]") {
  std::vector<std::byte> good = block(0x030d00f0, 0, k313Values);
  REQUIRE(parse_debug_offsets(good).ok());

  std::vector<std::byte> cookie = good;
  cookie[0] = std::byte{'X'};
  CHECK_FALSE(parse_debug_offsets(cookie).ok());
  CHECK_FALSE(parse_debug_offsets_header(cookie));

  CHECK_FALSE(parse_debug_offsets(block(0x030c01f0, 0, k313Values)).ok());  // 3.12: no block
  CHECK_FALSE(parse_debug_offsets(block(0x020712f0, 0, k313Values)).ok());  // not Python 3
  CHECK_FALSE(parse_debug_offsets(block(0x030f00f0, 0, k313Values)).ok());  // unknown minor
  CHECK_FALSE(parse_debug_offsets(block(0x030d00c1, 0, k313Values)).ok());  // 3.13.0rc1
  CHECK_FALSE(parse_debug_offsets(block(0x030d00f0, 2, k313Values)).ok());  // free_threaded
  CHECK_FALSE(parse_debug_offsets(std::span(good).first(500)).ok());        // short
  CHECK_FALSE(parse_debug_offsets(good, 1000).ok());  // _PyRuntime symbol size differs

  std::vector<uint64_t> outside = k313Values;
  outside[16 + 4] = 400;  // tstate current_frame beyond sizeof(PyThreadState) 304
  CHECK_FALSE(parse_debug_offsets(block(0x030d00f0, 0, outside)).ok());

  std::vector<uint64_t> zero_size = k313Values;
  zero_size[16] = 0;  // sizeof(PyThreadState) 0
  CHECK_FALSE(parse_debug_offsets(block(0x030d00f0, 0, zero_size)).ok());

  // A 32-byte object header belongs to a free-threaded build, and vice versa.
  CHECK_FALSE(parse_debug_offsets(block(0x030d00f0, 1, k313Values)).ok());
}

TEST_CASE("the 3.14 block layout puts each group where the reference says", "[debug-offsets]") {
  // Synthetic: every struct is 1000 bytes and every offset 1; a few marked values at the
  // block positions listed in reference §1.3 must land in the right fields.
  std::vector<uint64_t> values((760 - 24) / 8, 1);
  auto at = [&](size_t block_offset) -> uint64_t& { return values[(block_offset - 24) / 8]; };
  for (size_t g :
       {24, 48, 176, 248, 312, 400, 416, 448, 472, 496, 528, 552, 568, 592, 616, 648, 664})
    at(g) = 1000;
  at(400) = 16;   // pyobject.size
  at(408) = 8;    // pyobject.ob_type
  at(72) = 11;    // interpreter_state.threads_head
  at(208) = 72;   // thread_state.current_frame
  at(288) = 74;   // interpreter_frame.owner
  at(384) = 208;  // code_object.co_code_adaptive
  at(520) = 40;   // set_object.table... (size 496, used 504, table 512, mask 520)
  at(656) = 192;  // gc.collecting
  at(680) = 75;   // gen_object.gi_iframe
  Result<DebugOffsets> d = parse_debug_offsets(block(0x030e00f0, 0, values));
  REQUIRE(d.ok());
  CHECK(find(*d, F::interp_threads_head)->offset == 11);
  CHECK(find(*d, F::tstate_current_frame)->offset == 72);
  CHECK(find(*d, F::iframe_owner)->offset == 74);
  CHECK(find(*d, F::code_code_adaptive)->offset == 208);
  CHECK(find(*d, F::set_mask)->offset == 40);
  CHECK(find(*d, F::gcstate_collecting)->offset == 192);
  CHECK(find(*d, F::gen_iframe)->offset == 75);
  CHECK(find(*d, F::tstate_size)->offset == 1000);
}
