// Python frames of a thread state (cpython-internals.md §2): PyFrameObject chains up to
// 3.10, _PyInterpreterFrame chains from 3.11 with entry/shim frames marking each C-level
// evaluator call.
#include "pycore/python/frames.hpp"

#include <unordered_set>

#include "code_cache.hpp"
#include "objects_internal.hpp"

namespace pycore::python {

using layout::F;

struct FrameReader::Walk {
  PythonStack stack;
  std::unordered_set<uint64_t> seen;
};

namespace {

// f_lasti (<= 3.10) in bytes: 3.6-3.9 store bytes, 3.10 code units.
int64_t lasti_to_bytes(layout::LineTable format, int32_t lasti) {
  if (lasti < 0) return -1;  // not started yet
  return format == layout::LineTable::kLinetable310 ? int64_t{lasti} * 2 : int64_t{lasti};
}

bool is_shim(const layout::Layout& L, uint8_t owner) {
  switch (L.models.shims) {
    case layout::ShimFrames::kNone:
    case layout::ShimFrames::kEntryFlag:
      return false;
    case layout::ShimFrames::kOwnerCStack:
      return owner == L.constants.frame_owner_cstack;
    case layout::ShimFrames::kOwnerAtLeast3:
      return owner >= 3;
  }
  return false;
}

std::string frame_kind(const CodeSummary& code) {
  if (code.flags & (kCoCoroutine | kCoIterableCoroutine)) return "coroutine";
  if (code.flags & (kCoGenerator | kCoAsyncGenerator)) return "generator";
  if (code.name == "<module>") return "module";
  if (!(code.flags & kCoOptimized)) return "class";
  return "function";
}

}  // namespace

FrameReader::FrameReader(const ObjectReader& reader, FrameOptions options)
    : r_(reader), options_(std::move(options)), codes_(std::make_unique<CodeCache>(reader)) {}

FrameReader::~FrameReader() = default;

PythonStack FrameReader::thread_stack(uint64_t tstate) {
  Walk w;
  const layout::Layout& L = r_.layout();
  switch (L.models.frames) {
    case layout::FrameChain::kFrameObjects: {
      auto frame = detail::read_u64(r_, tstate, F::tstate_frame);
      if (!frame) w.stack.warnings.push_back("tstate->frame is unreadable");
      walk_frame_objects(frame.value_or(0), w);
      break;
    }
    case layout::FrameChain::kCFrameInterpFrames: {
      auto cframe = detail::read_u64(r_, tstate, F::tstate_cframe);
      std::optional<uint64_t> frame;
      if (cframe && *cframe) frame = detail::read_u64(r_, *cframe, F::cframe_current_frame);
      if (!frame) w.stack.warnings.push_back("tstate->cframe->current_frame is unreadable");
      walk_interpreter_frames(frame.value_or(0), w);
      break;
    }
    case layout::FrameChain::kInterpFrames: {
      auto frame = detail::read_u64(r_, tstate, F::tstate_current_frame);
      if (!frame) w.stack.warnings.push_back("tstate->current_frame is unreadable");
      walk_interpreter_frames(frame.value_or(0), w);
      break;
    }
  }
  return std::move(w.stack);
}

void FrameReader::walk_frame_objects(uint64_t frame, Walk& w) {
  const layout::Layout& L = r_.layout();
  while (frame != 0) {
    if (!w.seen.insert(frame).second) {
      w.stack.warnings.push_back("frame chain loops back to " + hex_address(frame));
      return;
    }
    if (w.stack.frames.size() >= options_.max_frames) {
      w.stack.truncated = true;
      return;
    }
    auto code = detail::read_u64(r_, frame, F::frameobject_code);
    auto lasti = detail::read_i32(r_, frame, F::frameobject_lasti);
    if (!code || !lasti) {
      w.stack.warnings.push_back("frame " + hex_address(frame) + " is unreadable; stack cut short");
      return;
    }
    uint64_t gen = detail::read_u64(r_, frame, F::frameobject_gen).value_or(0);
    // One evaluator call per frame object, even when the frame cannot be shown.
    bool added =
        add_frame(w, frame, frame_slots(frame), lasti_to_bytes(L.models.line_table, *lasti), gen);
    w.stack.per_evaluator.push_back(added ? 1 : 0);
    auto back = detail::read_u64(r_, frame, F::frameobject_back);
    if (!back) {
      w.stack.warnings.push_back("f_back of " + hex_address(frame) + " is unreadable");
      return;
    }
    frame = *back;
  }
}

void FrameReader::walk_interpreter_frames(uint64_t frame, Walk& w) {
  const layout::Layout& L = r_.layout();
  int group = 0;  // frames of the innermost evaluator call not yet closed
  while (frame != 0) {
    if (!w.seen.insert(frame).second) {
      w.stack.warnings.push_back("frame chain loops back to " + hex_address(frame));
      break;
    }
    if (w.stack.frames.size() >= options_.max_frames) {
      w.stack.truncated = true;
      break;
    }
    auto owner = detail::read_u8(r_, frame, F::iframe_owner);
    auto previous = detail::read_u64(r_, frame, F::iframe_previous);
    if (!owner || !previous) {
      w.stack.warnings.push_back("interpreter frame " + hex_address(frame) +
                                 " is unreadable; stack cut short");
      break;
    }
    if (is_shim(L, *owner)) {
      // 3.12+: the entry frame pushed by each _PyEval_EvalFrameDefault call.
      w.stack.per_evaluator.push_back(group);
      group = 0;
      frame = *previous;
      continue;
    }
    uint64_t code = detail::read_u64(r_, frame, F::iframe_code).value_or(0);
    auto summary = codes_->get(code);
    bool is_entry = detail::read_u8(r_, frame, F::iframe_is_entry).value_or(0) != 0;
    if (!summary) {
      w.stack.warnings.push_back("interpreter frame " + hex_address(frame) +
                                 " has no readable code object");
    } else {
      auto instr = detail::read_u64(r_, frame, F::iframe_instr).value_or(0);
      // Instruction index in code units (3.11/3.12 prev_instr, 3.13 instr_ptr).
      int64_t index =
          (static_cast<int64_t>(instr) - static_cast<int64_t>(summary->code_adaptive)) / 2;
      bool owned_by_generator = *owner == L.constants.frame_owner_generator;
      // Incomplete frames are still in their prologue (before RESUME): CPython hides them.
      bool incomplete = !owned_by_generator && index < summary->firsttraceable;
      if (!incomplete) {
        uint64_t gen = 0;
        if (owned_by_generator && L.has(F::gen_iframe))
          gen = frame - static_cast<uint64_t>(L.off(F::gen_iframe));
        if (add_frame(w, frame, frame_slots(frame), index * 2, gen)) ++group;
      }
    }
    if (L.models.shims == layout::ShimFrames::kEntryFlag && is_entry) {
      // 3.11: the first frame of a C-level evaluator call.
      w.stack.per_evaluator.push_back(group);
      group = 0;
    }
    frame = *previous;
  }
  if (group > 0) w.stack.per_evaluator.push_back(group);
}

FrameReader::Slots FrameReader::frame_slots(uint64_t frame) const {
  Slots s;
  if (r_.layout().models.frames == layout::FrameChain::kFrameObjects) {
    s.code = detail::read_u64(r_, frame, F::frameobject_code).value_or(0);
    s.localsplus = detail::field_addr(r_, frame, F::frameobject_localsplus).value_or(0);
    s.locals_dict = detail::read_u64(r_, frame, F::frameobject_locals).value_or(0);
    s.globals = detail::read_u64(r_, frame, F::frameobject_globals).value_or(0);
  } else {
    s.code = detail::read_u64(r_, frame, F::iframe_code).value_or(0);
    s.localsplus = detail::field_addr(r_, frame, F::iframe_localsplus).value_or(0);
    s.locals_dict = detail::read_u64(r_, frame, F::iframe_locals).value_or(0);
    s.globals = detail::read_u64(r_, frame, F::iframe_globals).value_or(0);
  }
  return s;
}

bool FrameReader::add_frame(Walk& w, uint64_t frame, const Slots& slots, int64_t byte_offset,
                            uint64_t generator) {
  auto summary = codes_->get(slots.code);
  if (!summary) {
    w.stack.warnings.push_back("frame " + hex_address(frame) + " has no readable code object");
    return false;
  }
  report::PythonFrameInfo info;
  info.function = summary->name;
  info.qualname = summary->qualname;
  if (info.qualname.empty() && generator != 0) {
    // <= 3.10: generators carry the qualname the code object lacks.
    if (auto g = r_.generator(generator))
      if (auto q = r_.str(g->qualname.object, 1024)) info.qualname = q->utf8;
  }
  info.file = summary->filename;
  info.line = CodeCache::line_at(*summary, byte_offset);
  info.kind = frame_kind(*summary);
  info.frame_address = frame;
  info.code_address = slots.code;
  if (options_.locals) {
    for (const LocalRef& local : local_objects(*summary, slots))
      info.locals.emplace_back(local.name, safe_repr(r_, local.object, options_.repr));
    info.locals_read = true;
  }
  w.stack.frames.push_back(std::move(info));
  return true;
}

std::vector<FrameReader::LocalRef> FrameReader::frame_locals(uint64_t frame_address) {
  Slots slots = frame_slots(frame_address);
  auto summary = codes_->get(slots.code);
  if (!summary) return {};
  return local_objects(*summary, slots);
}

std::vector<FrameReader::LocalRef> FrameReader::local_objects(const CodeSummary& code,
                                                              const Slots& slots) {
  std::vector<LocalRef> out;
  if (code.name == "<module>") return out;  // module frames: the locals are the globals
  if (!(code.flags & kCoOptimized)) {
    // Class bodies and exec() code keep their namespace in f_locals.
    if (slots.locals_dict == 0 || slots.locals_dict == slots.globals) return out;
    if (auto items = r_.dict_items(slots.locals_dict, options_.max_locals)) {
      for (const DictEntry& e : items->entries) {
        auto name = r_.str(e.key.object, 256);
        out.push_back(
            {name ? name->utf8 : safe_repr(r_, e.key.object, options_.repr), e.value.object});
      }
    }
    return out;
  }
  size_t n = std::min(code.local_names.size(), options_.max_locals);
  if (n == 0 || slots.localsplus == 0) return out;
  std::vector<uint64_t> values(n);
  if (!r_.memory().read(slots.localsplus, values.data(), n * 8)) return out;
  std::unordered_set<std::string> shown;
  for (size_t i = 0; i < n; ++i) {
    uint8_t kind = code.local_kinds[i];
    uint64_t value = values[i];
    if (value == 0 || (kind & kFastHidden)) continue;  // unbound / comprehension temporary
    if ((kind & (kFastCell | kFastFree)) && r_.kind_of(value) == Kind::kCell) {
      auto contents = r_.cell_contents(value);
      if (!contents || *contents == 0) continue;  // empty cell: unbound
      value = *contents;
    }
    if (!shown.insert(code.local_names[i]).second) continue;
    out.push_back({code.local_names[i], value});
  }
  return out;
}

uint64_t FrameReader::frame_object_code(uint64_t frame_object) const {
  const layout::Layout& L = r_.layout();
  if (L.models.frames == layout::FrameChain::kFrameObjects)
    return detail::read_u64(r_, frame_object, F::frameobject_code).value_or(0);
  // 3.11+: the frame object points at its _PyInterpreterFrame (often its own copy).
  auto iframe = detail::read_u64(r_, frame_object, F::frameobject_frame);
  if (!iframe || *iframe == 0) return 0;
  return detail::read_u64(r_, *iframe, F::iframe_code).value_or(0);
}

std::optional<FrameReader::Location> FrameReader::locate(uint64_t code, int64_t byte_offset) {
  auto summary = codes_->get(code);
  if (!summary) return std::nullopt;
  return Location{summary->name, summary->filename, CodeCache::line_at(*summary, byte_offset)};
}

}  // namespace pycore::python
