#include "object_check.hpp"

namespace pycore::heap {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::kOk:
      return "live object";
    case Verdict::kCode:
      return "code object";
    case Verdict::kTypeObject:
      return "type object";
    case Verdict::kNotDumped:
      return "not in the core";
    case Verdict::kDeferred:
      return "not checked yet";
    case Verdict::kImmortal:
      return "immortal object";
    case Verdict::kMisaligned:
      return "not 8-byte aligned, so not an object";
    case Verdict::kUnmapped:
      return "unmapped memory";
    case Verdict::kFillPointer:
      return "a debug-allocator fill pattern, not a pointer";
    case Verdict::kDeadBytes:
      return "memory the debug allocator filled with 0xDD when freeing it";
    case Verdict::kFreeBlock:
      return "a free pymalloc block";
    case Verdict::kPoolHeader:
      return "inside a pymalloc pool header, not a block";
    case Verdict::kZeroRefcount:
      return "an object whose refcount is 0 (deallocated)";
    case Verdict::kBadRefcount:
      return "an object with an impossible refcount";
    case Verdict::kBadType:
      return "memory whose ob_type is not a type object";
    case Verdict::kStorage:
      return "unreadable container storage";
  }
  return "?";
}

std::string_view check_name(Verdict v) {
  switch (v) {
    case Verdict::kDeadBytes:
    case Verdict::kFreeBlock:
    case Verdict::kZeroRefcount:
      return "freed-object";
    case Verdict::kBadRefcount:
      return "bad-refcount";
    case Verdict::kBadType:
      return "bad-type";
    default:
      return "dangling-reference";
  }
}

Verdict ExternalChecker::unreadable(uint64_t p) const {
  if (const target::AddressSpace* space = m_.space()) {
    uint64_t buf[2];
    target::ReadResult r = space->read(p, buf, sizeof buf);
    if (r) return Verdict::kOk;  // straddles two regions but readable: let the caller retry
    return r.fault == target::Fault::kUnmapped ? Verdict::kUnmapped : Verdict::kNotDumped;
  }
  return Verdict::kUnmapped;
}

Verdict ExternalChecker::freed(uint64_t p) const {
  // Debug hooks fill a freed block with 0xDD (the pool's free-list link only overwrites the
  // first word of the underlying block, which is the hooks' size prefix, not the object).
  auto w0 = m_.u64(p), w1 = m_.u64(p + 8);
  if ((w0 && *w0 == kDeadWord) || (w1 && *w1 == kDeadWord)) return Verdict::kDeadBytes;
  BlockInfo b = pymalloc_.classify(m_, p);
  if (is_free(b.state)) return Verdict::kFreeBlock;
  if (b.state == BlockState::kPoolHeader) return Verdict::kPoolHeader;
  return Verdict::kOk;
}

Verdict ExternalChecker::check_uncached(uint64_t p) const {
  if ((p & 7) != 0) return Verdict::kMisaligned;
  if (is_debug_fill_pointer(p)) return Verdict::kFillPointer;
  auto rc = m_.i64(p + static_cast<uint64_t>(o_.refcnt));
  auto tp = m_.u64(p + static_cast<uint64_t>(o_.type));
  if (!rc || !tp) {
    Verdict v = unreadable(p);
    if (v != Verdict::kOk) return v;
    return Verdict::kNotDumped;
  }
  if (*tp == kDeadWord || static_cast<uint64_t>(*rc) == kDeadWord) return Verdict::kDeadBytes;
  uint32_t ti = type_index(*tp);
  if (ti == UINT32_MAX) return Verdict::kDeferred;
  const HeapType& t = types_[ti];
  if (!t.valid) {
    Verdict f = freed(p);
    return f != Verdict::kOk ? f : Verdict::kBadType;
  }
  Verdict r = rules_.judge(*rc);
  if (r != Verdict::kOk) {
    Verdict f = freed(p);
    return f != Verdict::kOk ? f : r;
  }
  if (t.shape == Shape::kCode) return Verdict::kCode;
  if (t.is_type) return Verdict::kTypeObject;
  if (rules_.immortal(*rc)) return Verdict::kImmortal;
  return Verdict::kOk;
}

Verdict ExternalChecker::check_header(uint64_t p, int64_t refcount, const HeapType& type) const {
  if (static_cast<uint64_t>(refcount) == kDeadWord || type.address == kDeadWord)
    return Verdict::kDeadBytes;
  if (!type.valid) {
    Verdict f = freed(p);
    return f != Verdict::kOk ? f : Verdict::kBadType;
  }
  Verdict r = rules_.judge(refcount);
  if (r != Verdict::kOk) {
    Verdict f = freed(p);
    return f != Verdict::kOk ? f : r;
  }
  return Verdict::kOk;
}

}  // namespace pycore::heap
