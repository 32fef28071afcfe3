#include "code_cache.hpp"

#include <algorithm>

namespace pycore::python {

namespace {

constexpr size_t kMaxLineTableBytes = 1u << 20;
constexpr size_t kMaxLocals = 1u << 12;

std::string str_or_empty(const ObjectReader& r, uint64_t obj) {
  if (obj == 0) return {};
  auto s = r.str(obj, 4096);
  return s ? std::move(s->utf8) : std::string();
}

// Appends the names of a tuple of str with one kind each.
void add_names(const ObjectReader& r, uint64_t tuple, uint8_t kind, size_t limit,
               CodeSummary& out) {
  if (tuple == 0) return;
  auto items = r.tuple_items(tuple, limit);
  if (!items) return;
  for (const Ref& name : items->items) {
    out.local_names.push_back(str_or_empty(r, name.object));
    out.local_kinds.push_back(kind);
  }
}

}  // namespace

std::shared_ptr<const CodeSummary> CodeCache::get(uint64_t code) {
  if (auto it = cache_.find(code); it != cache_.end()) return it->second;
  auto summary = load(code);
  if (cache_.size() < max_entries_) cache_.emplace(code, summary);
  return summary;
}

std::shared_ptr<const CodeSummary> CodeCache::load(uint64_t code) {
  auto info = r_.code(code);
  if (!info) return nullptr;
  auto s = std::make_shared<CodeSummary>();
  s->address = code;
  s->name = str_or_empty(r_, info->name.object);
  s->qualname = str_or_empty(r_, info->qualname.object);
  s->filename = str_or_empty(r_, info->filename.object);
  s->firstlineno = info->firstlineno;
  s->flags = info->flags;
  s->firsttraceable = info->firsttraceable;
  s->code_adaptive = info->code_adaptive;
  if (auto table = r_.bytes(info->linetable.object, kMaxLineTableBytes);
      table && !table->truncated) {
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(table->data.data()),
                                   table->data.size());
    s->lines = decode_line_table(r_.layout().models.line_table, bytes, info->firstlineno);
    s->lines_read = true;
  }
  if (r_.layout().models.locals == layout::LocalsModel::kLocalsPlus) {
    add_names(r_, info->localsplusnames.object, 0, kMaxLocals, *s);
    if (auto kinds = r_.bytes(info->localspluskinds.object, kMaxLocals)) {
      for (size_t i = 0; i < s->local_kinds.size() && i < kinds->data.size(); ++i)
        s->local_kinds[i] = static_cast<uint8_t>(kinds->data[i]);
    }
  } else {
    // f_localsplus: co_nlocals locals (the first names of co_varnames), cells, frees.
    add_names(r_, info->varnames.object, kFastLocal,
              static_cast<size_t>(std::max(info->nlocals, 0)), *s);
    add_names(r_, info->cellvars.object, kFastCell, kMaxLocals, *s);
    add_names(r_, info->freevars.object, kFastFree, kMaxLocals, *s);
  }
  return s;
}

std::optional<int> CodeCache::line_at(const CodeSummary& code, int64_t byte_offset) {
  if (byte_offset < 0) return code.firstlineno;
  if (!code.lines_read) return std::nullopt;
  auto it = std::upper_bound(code.lines.begin(), code.lines.end(), byte_offset,
                             [](int64_t off, const LineEntry& e) { return off < e.end; });
  if (it == code.lines.end() || it->start > byte_offset) return std::nullopt;
  return it->line;
}

}  // namespace pycore::python
