// Raised and handled exceptions (cpython-internals.md §4).
#include "pycore/python/exceptions.hpp"

#include <algorithm>
#include <unordered_set>

#include "objects_internal.hpp"

namespace pycore::python {

using layout::F;

namespace {

// True when a type named `name` is in the MRO of `type` (builtin exception classes are
// static types without roots in the layout).
bool mro_has_name(const ObjectReader& r, uint64_t type, std::string_view name) {
  TypeHandle t = r.type_info(type);
  if (!t->valid) return false;
  if (t->name == name) return true;
  if (t->mro == 0) return false;
  auto mro = r.tuple_items(t->mro, r.limits().max_mro);
  if (!mro) return false;
  return std::any_of(mro->items.begin(), mro->items.end(),
                     [&](const Ref& m) { return r.type_info(m.object)->name == name; });
}

// str(obj) for a single exception argument: a str's own text, else its repr.
std::string str_of(const ObjectReader& r, uint64_t obj, const ReprOptions& repr) {
  if (r.kind_of(obj) == Kind::kStr)
    if (auto s = r.str(obj, repr.max_chars)) return s->utf8 + (s->truncated ? "..." : "");
  return safe_repr(r, obj, repr);
}

bool is_none(const ObjectReader& r, uint64_t obj) {
  return obj == 0 || r.kind_of(obj) == Kind::kNone;
}

}  // namespace

ExceptionReader::ExceptionReader(const ObjectReader& reader, FrameReader& frames,
                                 ExceptionOptions options)
    : r_(reader), frames_(frames), options_(std::move(options)) {}

std::string ExceptionReader::type_name(uint64_t type) {
  TypeHandle t = r_.type_info(type);
  if (!t->valid) return "<unreadable type " + hex_address(type) + ">";
  return t->name.substr(t->name.rfind('.') + 1);  // __name__: tp_name after the last dot
}

std::string ExceptionReader::message(uint64_t exc) {
  auto fields = r_.exception(exc);
  if (!fields) return "";
  auto args = r_.tuple_items(fields->args.object, options_.repr.max_items);
  if (!args || args->length == 0) return "";
  auto type = r_.type_of(exc).value_or(0);
  if (args->length == 1) {
    // KeyError.__str__ shows the key's repr.
    if (mro_has_name(r_, type, "KeyError"))
      return safe_repr(r_, args->items[0].object, options_.repr);
    return str_of(r_, args->items[0].object, options_.repr);
  }
  // OSError(errno, strerror[, ...]): "[Errno N] strerror" (the filename forms are not
  // rebuilt: OSError's own fields are not in the layout).
  if (mro_has_name(r_, type, "OSError") && args->items.size() >= 2 &&
      r_.kind_of(args->items[0].object) == Kind::kInt) {
    return "[Errno " + safe_repr(r_, args->items[0].object, options_.repr) + "] " +
           str_of(r_, args->items[1].object, options_.repr);
  }
  return safe_repr(r_, fields->args.object, options_.repr);
}

std::vector<report::TracebackEntry> ExceptionReader::traceback(uint64_t tb) {
  std::vector<report::TracebackEntry> out;
  std::unordered_set<uint64_t> seen;
  while (tb != 0 && !is_none(r_, tb) && out.size() < options_.max_traceback) {
    if (!seen.insert(tb).second) break;
    auto fields = r_.traceback(tb);
    if (!fields) break;
    report::TracebackEntry entry;
    uint64_t code = frames_.frame_object_code(fields->frame.object);
    // 3.11+ computes tb_lineno lazily (-1 until asked): derive it from tb_lasti (bytes).
    auto where = frames_.locate(code, fields->lasti);
    if (where) {
      entry.function = where->function;
      entry.file = where->file;
      entry.line = where->line;
    }
    if (fields->lineno >= 0) entry.line = fields->lineno;
    out.push_back(std::move(entry));
    tb = fields->next.object;
  }
  return out;
}

report::ExceptionInfo ExceptionReader::describe_chain(uint64_t exc, const std::string& state,
                                                      std::vector<uint64_t>& ancestors) {
  report::ExceptionInfo info;
  info.state = state;
  info.address = exc;
  info.type = type_name(r_.type_of(exc).value_or(0));
  auto fields = r_.exception(exc);
  if (!fields) {
    info.message = "<unreadable exception " + hex_address(exc) + ">";
    return info;
  }
  info.message = message(exc);
  info.traceback = traceback(fields->traceback.object);
  info.suppress_context = fields->suppress_context;
  ancestors.push_back(exc);
  // Like traceback printing: stop at a true cycle (an ancestor), and bound the depth.
  auto link = [&](uint64_t next) -> std::shared_ptr<report::ExceptionInfo> {
    if (is_none(r_, next) || ancestors.size() > options_.max_chain_depth) return nullptr;
    if (std::find(ancestors.begin(), ancestors.end(), next) != ancestors.end()) return nullptr;
    if (r_.kind_of(next) != Kind::kException) return nullptr;
    return std::make_shared<report::ExceptionInfo>(describe_chain(next, state, ancestors));
  };
  info.cause = link(fields->cause.object);
  info.context = link(fields->context.object);
  ancestors.pop_back();
  return info;
}

report::ExceptionInfo ExceptionReader::describe(uint64_t exc, const std::string& state) {
  std::vector<uint64_t> ancestors;
  return describe_chain(exc, state, ancestors);
}

report::ExceptionInfo ExceptionReader::describe_triple(uint64_t type, uint64_t value, uint64_t tb,
                                                       const std::string& state) {
  if (r_.kind_of(value) == Kind::kException) {
    report::ExceptionInfo info = describe(value, state);
    if (tb != 0 && !is_none(r_, tb)) info.traceback = traceback(tb);
    return info;
  }
  // <= 3.11 the raised triple may be unnormalised: the value is the constructor's
  // argument (or argument tuple, or nothing) and the type says what it will become.
  report::ExceptionInfo info;
  info.state = state;
  info.type = type_name(type);
  if (r_.kind_of(value) == Kind::kTuple) {
    auto items = r_.tuple_items(value, options_.repr.max_items);
    if (items && items->length == 1) {
      info.message = str_of(r_, items->items[0].object, options_.repr);
    } else if (items && items->length > 1) {
      info.message = safe_repr(r_, value, options_.repr);
    }
  } else if (!is_none(r_, value)) {
    info.message = str_of(r_, value, options_.repr);
  }
  info.note = "exception not normalised yet (raised from C)";
  if (tb != 0 && !is_none(r_, tb)) info.traceback = traceback(tb);
  return info;
}

std::optional<report::ExceptionInfo> ExceptionReader::raised(uint64_t tstate) {
  if (r_.layout().models.raised == layout::RaisedException::kSingle) {
    auto exc = detail::read_u64(r_, tstate, F::tstate_current_exception);
    if (!exc || is_none(r_, *exc)) return std::nullopt;
    return describe(*exc, "raised");
  }
  auto type = detail::read_u64(r_, tstate, F::tstate_curexc_type);
  if (!type || *type == 0) return std::nullopt;
  uint64_t value = detail::read_u64(r_, tstate, F::tstate_curexc_value).value_or(0);
  uint64_t tb = detail::read_u64(r_, tstate, F::tstate_curexc_traceback).value_or(0);
  return describe_triple(*type, value, tb, "raised");
}

std::vector<report::ExceptionInfo> ExceptionReader::handled(uint64_t tstate) {
  std::vector<report::ExceptionInfo> out;
  const layout::Layout& L = r_.layout();
  switch (L.models.handled) {
    case layout::HandledException::kTstateTriple: {  // 3.6
      uint64_t type = detail::read_u64(r_, tstate, F::tstate_exc_type).value_or(0);
      uint64_t value = detail::read_u64(r_, tstate, F::tstate_exc_value).value_or(0);
      uint64_t tb = detail::read_u64(r_, tstate, F::tstate_exc_traceback).value_or(0);
      if (!is_none(r_, type) && !is_none(r_, value))
        out.push_back(describe_triple(type, value, tb, "handled"));
      return out;
    }
    case layout::HandledException::kStackItems:
    case layout::HandledException::kStackItemValue: {
      bool triple = L.models.handled == layout::HandledException::kStackItems;
      auto item = detail::read_u64(r_, tstate, F::tstate_exc_info);
      std::unordered_set<uint64_t> seen;
      for (uint64_t at = item.value_or(0); at != 0 && seen.size() < options_.max_handled;) {
        if (!seen.insert(at).second) break;
        uint64_t value = detail::read_u64(r_, at, F::err_stackitem_exc_value).value_or(0);
        // _PyErr_GetTopmostException skips empty items (NULL or None).
        if (!is_none(r_, value)) {
          if (triple) {
            uint64_t type = detail::read_u64(r_, at, F::err_stackitem_exc_type).value_or(0);
            uint64_t tb = detail::read_u64(r_, at, F::err_stackitem_exc_traceback).value_or(0);
            out.push_back(describe_triple(type, value, tb, "handled"));
          } else {
            out.push_back(describe(value, "handled"));
          }
        }
        auto previous = detail::read_u64(r_, at, F::err_stackitem_previous_item);
        if (!previous) break;
        at = *previous;
      }
      return out;
    }
  }
  return out;
}

std::vector<report::ExceptionInfo> ExceptionReader::thread_exceptions(uint64_t tstate) {
  std::vector<report::ExceptionInfo> out;
  if (auto r = raised(tstate)) out.push_back(std::move(*r));
  for (auto& h : handled(tstate)) out.push_back(std::move(h));
  return out;
}

}  // namespace pycore::python
