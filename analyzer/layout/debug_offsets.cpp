// _Py_DebugOffsets: CPython 3.13+ describes its own layout in a block at the start of
// _PyRuntime (cookie "xdebugpy", PY_VERSION_HEX, then groups of uint64 offsets, each group
// starting with the size of the struct it describes). The block layout itself differs
// between minors, so it is selected by the block's version field, and every value is
// validated before use: a wrong block must never become a wrong layout.
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pycore/layout/sources.hpp"

namespace pycore::layout {
namespace {

constexpr char kCookie[8] = {'x', 'd', 'e', 'b', 'u', 'g', 'p', 'y'};
constexpr size_t kGroupsStart = 24;  // after cookie, version, free_threaded

// One uint64 of a group. `field` is the fields.def entry it provides (none for values we
// do not use); `size` is the member's C size in a 64-bit build (0: not known here).
struct Member {
  std::string_view name;
  std::optional<F> field;
  uint8_t size;
};

// A group of consecutive uint64s. Struct groups start with the struct's size (provided as
// `size_field`) and hold offsets that must be smaller than it.
struct Group {
  std::string_view name;
  bool sized;
  std::optional<F> size_field;
  std::vector<Member> members;
};

using M = Member;

// Include/internal/pycore_runtime.h of 3.13 (checked against the 3.13.0 headers and ELF).
std::vector<Group> groups_313() {
  return {
      {"runtime_state",
       true,
       F::runtime_size,
       {M{"finalizing", F::runtime_finalizing, 8},
        M{"interpreters_head", F::runtime_interpreters_head, 8}}},
      {"interpreter_state",
       true,
       F::interp_size,
       {M{"id", F::interp_id, 8}, M{"next", F::interp_next, 8},
        M{"threads_head", F::interp_threads_head, 8}, M{"gc", F::interp_gc, 0},
        M{"imports_modules", F::interp_modules, 8}, M{"sysdict", F::interp_sysdict, 8},
        M{"builtins", F::interp_builtins, 8}, M{"ceval_gil", F::interp_ceval_gil_ptr, 8},
        M{"gil_runtime_state", {}, 0}, M{"gil_runtime_state_enabled", {}, 0},
        M{"gil_runtime_state_locked", {}, 0}, M{"gil_runtime_state_holder", {}, 0}}},
      {"thread_state",
       true,
       F::tstate_size,
       {M{"prev", F::tstate_prev, 8}, M{"next", F::tstate_next, 8},
        M{"interp", F::tstate_interp, 8}, M{"current_frame", F::tstate_current_frame, 8},
        M{"thread_id", F::tstate_thread_id, 8},
        M{"native_thread_id", F::tstate_native_thread_id, 8},
        M{"datastack_chunk", F::tstate_datastack_chunk, 8}, M{"status", F::tstate_status, 4}}},
      {"interpreter_frame",
       true,
       F::iframe_size,
       {M{"previous", F::iframe_previous, 8}, M{"executable", F::iframe_code, 8},
        M{"instr_ptr", F::iframe_instr, 8}, M{"localsplus", F::iframe_localsplus, 8},
        M{"owner", F::iframe_owner, 1}}},
      {"code_object",
       true,
       F::code_size,
       {M{"filename", F::code_filename, 8}, M{"name", F::code_name, 8},
        M{"qualname", F::code_qualname, 8}, M{"linetable", F::code_linetable, 8},
        M{"firstlineno", F::code_firstlineno, 4}, M{"argcount", F::code_argcount, 4},
        M{"localsplusnames", F::code_localsplusnames, 8},
        M{"localspluskinds", F::code_localspluskinds, 8},
        M{"co_code_adaptive", F::code_code_adaptive, 1}}},
      {"pyobject", true, F::object_size, {M{"ob_type", F::object_type, 8}}},
      {"type_object",
       true,
       F::type_size,
       {M{"tp_name", F::type_name, 8}, M{"tp_repr", {}, 8}, M{"tp_flags", F::type_flags, 8}}},
      {"tuple_object", true, F::tuple_size, {M{"ob_item", F::tuple_item, 8}, M{"ob_size", {}, 8}}},
      {"list_object", true, F::list_size, {M{"ob_item", F::list_item, 8}, M{"ob_size", {}, 8}}},
      {"dict_object",
       true,
       F::dict_size,
       {M{"ma_keys", F::dict_keys, 8}, M{"ma_values", F::dict_values, 8}}},
      {"float_object", true, {}, {M{"ob_fval", F::float_fval, 8}}},
      {"long_object",
       true,
       F::long_size,
       {M{"lv_tag", F::long_tag, 8}, M{"ob_digit", F::long_digit, 4}}},
      {"bytes_object", true, F::bytes_size, {M{"ob_size", {}, 8}, M{"ob_sval", F::bytes_sval, 1}}},
      {"unicode_object",
       true,
       {},
       {M{"state", F::ascii_state, 4}, M{"length", F::ascii_length, 8},
        M{"asciiobject_size", F::ascii_size, 0}}},
      {"gc", true, {}, {M{"collecting", F::gcstate_collecting, 4}}},
  };
}

// 3.14 (reference §1.3: two independent mirrors of 3.14's pycore_debug_offsets.h; not
// tested against a real 3.14 here). Adds threads_main, TLBC fields, set/gen/llist/debugger
// groups; the frame gains stackpointer and tlbc_index.
std::vector<Group> groups_314() {
  return {
      {"runtime_state",
       true,
       F::runtime_size,
       {M{"finalizing", F::runtime_finalizing, 8},
        M{"interpreters_head", F::runtime_interpreters_head, 8}}},
      {"interpreter_state",
       true,
       F::interp_size,
       {M{"id", F::interp_id, 8}, M{"next", F::interp_next, 8},
        M{"threads_head", F::interp_threads_head, 8}, M{"threads_main", {}, 8},
        M{"gc", F::interp_gc, 0}, M{"imports_modules", F::interp_modules, 8},
        M{"sysdict", F::interp_sysdict, 8}, M{"builtins", F::interp_builtins, 8},
        M{"ceval_gil", F::interp_ceval_gil_ptr, 8}, M{"gil_runtime_state", {}, 0},
        M{"gil_runtime_state_enabled", {}, 0}, M{"gil_runtime_state_locked", {}, 0},
        M{"gil_runtime_state_holder", {}, 0}, M{"code_object_generation", {}, 0},
        M{"tlbc_generation", {}, 0}}},
      {"thread_state",
       true,
       F::tstate_size,
       {M{"prev", F::tstate_prev, 8}, M{"next", F::tstate_next, 8},
        M{"interp", F::tstate_interp, 8}, M{"current_frame", F::tstate_current_frame, 8},
        M{"thread_id", F::tstate_thread_id, 8},
        M{"native_thread_id", F::tstate_native_thread_id, 8},
        M{"datastack_chunk", F::tstate_datastack_chunk, 8}, M{"status", F::tstate_status, 0}}},
      {"interpreter_frame",
       true,
       F::iframe_size,
       {M{"previous", F::iframe_previous, 8}, M{"executable", F::iframe_code, 8},
        M{"instr_ptr", F::iframe_instr, 8}, M{"localsplus", F::iframe_localsplus, 8},
        M{"owner", F::iframe_owner, 1}, M{"stackpointer", {}, 8}, M{"tlbc_index", {}, 0}}},
      {"code_object",
       true,
       F::code_size,
       {M{"filename", F::code_filename, 8}, M{"name", F::code_name, 8},
        M{"qualname", F::code_qualname, 8}, M{"linetable", F::code_linetable, 8},
        M{"firstlineno", F::code_firstlineno, 4}, M{"argcount", F::code_argcount, 4},
        M{"localsplusnames", F::code_localsplusnames, 8},
        M{"localspluskinds", F::code_localspluskinds, 8},
        M{"co_code_adaptive", F::code_code_adaptive, 1}, M{"co_tlbc", {}, 0}}},
      {"pyobject", true, F::object_size, {M{"ob_type", F::object_type, 8}}},
      {"type_object",
       true,
       F::type_size,
       {M{"tp_name", F::type_name, 8}, M{"tp_repr", {}, 8}, M{"tp_flags", F::type_flags, 8}}},
      {"tuple_object", true, F::tuple_size, {M{"ob_item", F::tuple_item, 8}, M{"ob_size", {}, 8}}},
      {"list_object", true, F::list_size, {M{"ob_item", F::list_item, 8}, M{"ob_size", {}, 8}}},
      {"set_object",
       true,
       F::set_size,
       {M{"used", F::set_used, 8}, M{"table", F::set_table, 8}, M{"mask", F::set_mask, 8}}},
      {"dict_object",
       true,
       F::dict_size,
       {M{"ma_keys", F::dict_keys, 8}, M{"ma_values", F::dict_values, 8}}},
      {"float_object", true, {}, {M{"ob_fval", F::float_fval, 8}}},
      {"long_object",
       true,
       F::long_size,
       {M{"lv_tag", F::long_tag, 8}, M{"ob_digit", F::long_digit, 4}}},
      {"bytes_object", true, F::bytes_size, {M{"ob_size", {}, 8}, M{"ob_sval", F::bytes_sval, 1}}},
      {"unicode_object",
       true,
       {},
       {M{"state", F::ascii_state, 0}, M{"length", F::ascii_length, 8},
        M{"asciiobject_size", F::ascii_size, 0}}},
      {"gc", true, {}, {M{"collecting", F::gcstate_collecting, 4}}},
      {"gen_object",
       true,
       F::gen_size,
       {M{"gi_name", F::gen_name, 8}, M{"gi_iframe", F::gen_iframe, 0},
        M{"gi_frame_state", F::gen_frame_state, 1}}},
      {"llist_node", false, {}, {M{"next", {}, 8}, M{"prev", {}, 8}}},
      {"debugger_support",
       false,
       {},
       {M{"eval_breaker", {}, 0}, M{"remote_debugger_support", {}, 0},
        M{"remote_debugging_enabled", {}, 0}, M{"debugger_pending_call", {}, 0},
        M{"debugger_script_path", {}, 0}, M{"debugger_script_path_size", {}, 0}}},
  };
}

std::optional<std::vector<Group>> groups_for(int minor) {
  if (minor == 13) return groups_313();
  if (minor == 14) return groups_314();
  return std::nullopt;
}

size_t block_size(const std::vector<Group>& groups) {
  size_t n = kGroupsStart;
  for (const Group& g : groups) n += 8 * (g.members.size() + (g.sized ? 1 : 0));
  return n;
}

uint64_t load_u64(std::span<const std::byte> b, size_t at) {
  uint64_t v;
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;
}

Error invalid(const std::string& why) {
  return Error{ExitCode::kUnsupportedPython, "_Py_DebugOffsets rejected: " + why};
}

// Struct sizes above this are not a CPython struct (the 3.12 interpreter is ~380 KiB).
constexpr uint64_t kMaxStructSize = 16u << 20;

}  // namespace

size_t debug_offsets_block_size(int minor) {
  std::optional<std::vector<Group>> g = groups_for(minor);
  return g ? block_size(*g) : 0;
}

std::optional<DebugOffsetsHeader> parse_debug_offsets_header(std::span<const std::byte> bytes) {
  if (bytes.size() < kGroupsStart || std::memcmp(bytes.data(), kCookie, sizeof kCookie) != 0)
    return std::nullopt;
  return DebugOffsetsHeader{load_u64(bytes, 8), load_u64(bytes, 16)};
}

Result<DebugOffsets> parse_debug_offsets(std::span<const std::byte> block,
                                         uint64_t runtime_symbol_size) {
  std::optional<DebugOffsetsHeader> header = parse_debug_offsets_header(block);
  if (!header) return invalid("no \"xdebugpy\" cookie");
  uint64_t v = header->version;
  int major = static_cast<int>(v >> 24), minor = static_cast<int>((v >> 16) & 0xff);
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%08llx", static_cast<unsigned long long>(v));
  if (major != 3) return invalid(std::string("version ") + hex + " is not Python 3");
  std::optional<std::vector<Group>> groups = groups_for(minor);
  if (!groups) return invalid(std::string("no block layout known for version ") + hex);
  // Block layouts changed during alphas and betas; only final releases have a known one.
  if (((v >> 4) & 0xf) != 0xf) return invalid(std::string("pre-release version ") + hex);
  if (header->free_threaded > 1) return invalid("free_threaded is neither 0 nor 1");
  if (block.size() < block_size(*groups)) return invalid("block is short");

  DebugOffsets out;
  out.version = v;
  out.free_threaded = header->free_threaded == 1;
  size_t at = kGroupsStart;
  for (const Group& g : *groups) {
    uint64_t size = 0;
    if (g.sized) {
      size = load_u64(block, at);
      at += 8;
      if (size == 0 || size > kMaxStructSize)
        return invalid(std::string(g.name) + ".size " + std::to_string(size) + " is implausible");
      if (g.size_field)
        out.fields.emplace_back(*g.size_field,
                                FieldLoc{static_cast<int64_t>(size), static_cast<uint32_t>(size),
                                         Source::kDebugOffsets});
      if (g.name == "runtime_state") out.runtime_size = size;
    }
    for (const Member& m : g.members) {
      uint64_t value = load_u64(block, at);
      at += 8;
      if (g.sized && value >= size)
        return invalid(std::string(g.name) + "." + std::string(m.name) + " = " +
                       std::to_string(value) + " is outside its struct (size " +
                       std::to_string(size) + ")");
      if (!m.field) continue;
      // asciiobject_size is a sizeof, not an offset: a size entry holds it twice.
      uint32_t member_size = field_info(*m.field).is_size ? static_cast<uint32_t>(value) : m.size;
      out.fields.emplace_back(
          *m.field, FieldLoc{static_cast<int64_t>(value), member_size, Source::kDebugOffsets});
    }
  }
  if (runtime_symbol_size != 0 && out.runtime_size != runtime_symbol_size)
    return invalid("runtime_state.size " + std::to_string(out.runtime_size) +
                   " differs from the _PyRuntime symbol size " +
                   std::to_string(runtime_symbol_size));
  // The object header is 16 bytes with a GIL and 32 without (ob_tid, flags, refcounts).
  for (const auto& [f, loc] : out.fields) {
    if (f == F::object_size && loc.offset != (out.free_threaded ? 32 : 16))
      return invalid("pyobject.size " + std::to_string(loc.offset) +
                     " does not match free_threaded");
    if (f == F::object_type && loc.offset != (out.free_threaded ? 24 : 8))
      return invalid("pyobject.ob_type " + std::to_string(loc.offset) +
                     " does not match free_threaded");
  }
  return out;
}

}  // namespace pycore::layout
