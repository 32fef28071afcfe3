// safe_repr: Python's builtin repr() rebuilt from memory, with budgets and cycle guards.
#include "pycore/python/repr.hpp"

#include <unordered_set>

#include "pycore/python/numbers.hpp"

namespace pycore::python {

namespace {

class Repr {
 public:
  Repr(const ObjectReader& reader, const ReprOptions& options) : r_(reader), opt_(options) {}

  std::string run(uint64_t obj) {
    value(obj, 0);
    if (out_.size() > opt_.max_chars) {
      out_.resize(opt_.max_chars);
      out_ += "...";
    }
    return std::move(out_);
  }

 private:
  bool full() const { return out_.size() > opt_.max_chars; }

  void unreadable(uint64_t obj) { out_ += "<unreadable " + hex_address(obj) + ">"; }

  // "<list (3 items)>" where nesting is too deep to print the contents.
  void too_deep(std::string_view type, int64_t n) {
    out_ += "<" + std::string(type) + " (" + std::to_string(n) + " items)>";
  }

  // Python applies the builtin repr to subclasses that do not override __repr__. For those
  // that do (namedtuple, OrderedDict, ...) we cannot run theirs: "Name(" + builtin repr.
  bool open_subclass(uint64_t obj, uint64_t root) {
    if (root == 0 || r_.is_exact(obj, root) || !overrides_repr(obj, root)) return false;
    out_ += r_.type_qualname(*r_.type_info_of(obj)) + "(";
    return true;
  }

  bool overrides_repr(uint64_t obj, uint64_t root) {
    TypeHandle t = r_.type_info_of(obj);
    auto mro = r_.tuple_items(t->mro, r_.limits().max_mro);
    if (!mro) return true;
    for (const Ref& m : mro->items) {
      if (m.object == root) return false;
      TypeHandle mt = r_.type_info(m.object);
      if (!mt->is_heap_type) return true;  // a C subclass: its tp_repr is unknown
      if (mt->dict != 0 && r_.dict_get(mt->dict, "__repr__")) return true;
    }
    return true;
  }

  void value(uint64_t obj, size_t depth) {
    if (full()) return;
    if (obj == 0) {
      out_ += "<NULL>";
      return;
    }
    const layout::Roots& roots = r_.layout().roots;
    switch (r_.kind_of(obj)) {
      case Kind::kNone:
        out_ += "None";
        return;
      case Kind::kBool:
        return boolean(obj);
      case Kind::kInt: {
        bool sub = open_subclass(obj, roots.int_type);
        integer(obj);
        if (sub) out_ += ")";
        return;
      }
      case Kind::kFloat: {
        bool sub = open_subclass(obj, roots.float_type);
        if (auto v = r_.float_value(obj)) {
          out_ += float_repr(*v);
        } else {
          unreadable(obj);
        }
        if (sub) out_ += ")";
        return;
      }
      case Kind::kStr: {
        bool sub = open_subclass(obj, roots.str_type);
        string(obj);
        if (sub) out_ += ")";
        return;
      }
      case Kind::kBytes: {
        bool sub = open_subclass(obj, roots.bytes_type);
        auto b = r_.bytes(obj, opt_.max_str_chars);
        if (!b) {
          unreadable(obj);
        } else {
          out_ += bytes_repr(b->data);
          if (b->truncated) out_ += "...";
        }
        if (sub) out_ += ")";
        return;
      }
      case Kind::kTuple:
        return sequence(obj, depth, Kind::kTuple);
      case Kind::kList:
        return sequence(obj, depth, Kind::kList);
      case Kind::kDict:
        return dict(obj, depth);
      case Kind::kSet:
        return set(obj, depth, false);
      case Kind::kFrozenSet:
        return set(obj, depth, true);
      case Kind::kType:
        return type(obj);
      case Kind::kModule:
        return module(obj);
      case Kind::kFunction:
        return function(obj);
      case Kind::kBuiltinFunction:
        return builtin(obj, depth);
      case Kind::kMethod:
        return method(obj, depth);
      case Kind::kCode:
        return code(obj);
      case Kind::kCell:
        return cell(obj);
      case Kind::kGenerator:
        return generator(obj, "generator");
      case Kind::kCoroutine:
        return generator(obj, "coroutine");
      case Kind::kAsyncGenerator:
        return generator(obj, "async_generator");
      case Kind::kException:
        return exception(obj, depth);
      case Kind::kFrame:
      case Kind::kTraceback:
      case Kind::kInstance:
        return instance(obj);
      case Kind::kUnknown:
        break;
    }
    unreadable(obj);
  }

  void boolean(uint64_t obj) {
    const layout::Roots& roots = r_.layout().roots;
    if (roots.true_ != 0 && obj == roots.true_) {
      out_ += "True";
    } else if (roots.false_ != 0 && obj == roots.false_) {
      out_ += "False";
    } else if (auto v = r_.integer(obj)) {
      out_ += v->decimal == "0" ? "False" : "True";
    } else {
      unreadable(obj);
    }
  }

  void integer(uint64_t obj) {
    auto v = r_.integer(obj);
    if (!v) return unreadable(obj);
    if (v->too_big) {
      out_ += "<int with " + std::to_string(v->ndigits * 30) + " bits>";
      return;
    }
    if (v->negative) out_ += "-";
    out_ += v->decimal;
  }

  void string(uint64_t obj) {
    auto s = r_.str(obj, opt_.max_str_chars, /*want_code_points=*/true);
    if (!s) return unreadable(obj);
    out_ += str_repr(s->code_points);
    if (s->truncated) out_ += "...";
  }

  // Enters a container for cycle detection; false when it is already being printed.
  bool enter(uint64_t obj) { return active_.insert(obj).second; }
  void leave(uint64_t obj) { active_.erase(obj); }

  void items(const std::vector<Ref>& refs, bool truncated, size_t depth) {
    for (size_t i = 0; i < refs.size() && !full(); ++i) {
      if (i != 0) out_ += ", ";
      value(refs[i].object, depth + 1);
    }
    if (truncated) out_ += refs.empty() ? "..." : ", ...";
  }

  void sequence(uint64_t obj, size_t depth, Kind kind) {
    bool tuple = kind == Kind::kTuple;
    const char* open = tuple ? "(" : "[";
    const char* close = tuple ? ")" : "]";
    auto seq = tuple ? r_.tuple_items(obj, opt_.max_items) : r_.list_items(obj, opt_.max_items);
    if (!seq) return unreadable(obj);
    bool sub =
        open_subclass(obj, tuple ? r_.layout().roots.tuple_type : r_.layout().roots.list_type);
    if (depth >= opt_.max_depth) {
      too_deep(tuple ? "tuple" : "list", seq->length);
    } else if (!enter(obj)) {
      out_ += std::string(open) + "..." + close;  // Py_ReprEnter
    } else {
      out_ += open;
      items(seq->items, seq->truncated, depth);
      if (tuple && seq->length == 1) out_ += ",";
      out_ += close;
      leave(obj);
    }
    if (sub) out_ += ")";
  }

  void dict(uint64_t obj, size_t depth) {
    auto d = r_.dict_items(obj, opt_.max_items);
    if (!d) return unreadable(obj);
    bool sub = open_subclass(obj, r_.layout().roots.dict_type);
    if (depth >= opt_.max_depth) {
      too_deep("dict", d->used);
    } else if (!enter(obj)) {
      out_ += "{...}";
    } else {
      out_ += "{";
      for (size_t i = 0; i < d->entries.size() && !full(); ++i) {
        if (i != 0) out_ += ", ";
        value(d->entries[i].key.object, depth + 1);
        out_ += ": ";
        value(d->entries[i].value.object, depth + 1);
      }
      if (d->truncated) out_ += d->entries.empty() ? "..." : ", ...";
      out_ += "}";
      leave(obj);
    }
    if (sub) out_ += ")";
  }

  void set(uint64_t obj, size_t depth, bool frozen) {
    auto s = r_.set_items(obj, opt_.max_items);
    if (!s) return unreadable(obj);
    uint64_t root = frozen ? r_.layout().roots.frozenset_type : r_.layout().roots.set_type;
    std::string name = r_.is_exact(obj, root) || root == 0
                           ? (frozen ? "frozenset" : "set")
                           : r_.type_qualname(*r_.type_info_of(obj));
    if (s->items.empty() && !s->truncated) {
      out_ += name + "()";
      return;
    }
    bool wrap = frozen || name != "set";  // set_repr: "{...}" only for exact sets
    if (wrap) out_ += name + "(";
    if (depth >= opt_.max_depth) {
      too_deep(name, s->length);
    } else if (!enter(obj)) {
      out_ += "...";
    } else {
      out_ += "{";
      items(s->items, s->truncated, depth);
      out_ += "}";
      leave(obj);
    }
    if (wrap) out_ += ")";
  }

  std::string str_or(uint64_t obj, std::string fallback) {
    if (obj == 0) return fallback;
    auto s = r_.str(obj, 256);
    return s ? s->utf8 : fallback;
  }

  void type(uint64_t obj) {
    TypeHandle t = r_.type_info(obj);
    if (!t->valid) return unreadable(obj);
    std::string module = r_.type_module(*t);
    std::string qualname = r_.type_qualname(*t);
    out_ += "<class '";
    if (!module.empty() && module != "builtins") out_ += module + ".";
    out_ += qualname + "'>";
  }

  void module(uint64_t obj) {
    auto m = r_.module(obj);
    if (!m) return unreadable(obj);
    std::string name = str_or(m->name.object, "");
    uint64_t dict = m->dict.object;
    if (name.empty() && dict != 0)
      if (auto n = r_.dict_get(dict, "__name__")) name = str_or(n->object, "");
    if (name.empty()) name = "?";
    out_ += "<module '" + name + "'" + module_origin(dict) + ">";
  }

  // importlib's _module_repr_from_spec: " from 'ORIGIN'" when the spec has a location,
  // " (ORIGIN)" otherwise ("built-in", "frozen"); without a spec, the loader or __file__.
  std::string module_origin(uint64_t dict) {
    if (dict == 0) return "";
    auto spec = r_.dict_get(dict, "__spec__");
    if (spec && r_.kind_of(spec->object) == Kind::kInstance) {
      auto origin = r_.instance_attribute(spec->object, "origin");
      auto located = r_.instance_attribute(spec->object, "_set_fileattr");
      if (origin && r_.kind_of(origin->object) == Kind::kStr) {
        std::string text = str_or(origin->object, "?");
        bool has_location = located && located->object == r_.layout().roots.true_;
        return has_location ? " from '" + text + "'" : " (" + text + ")";
      }
    }
    // No spec (3.6-3.8's sys, builtins): the loader's module_repr names the importer.
    if (auto loader = r_.dict_get(dict, "__loader__");
        loader && r_.kind_of(loader->object) == Kind::kType) {
      std::string importer = r_.type_qualname(*r_.type_info(loader->object));
      if (importer == "BuiltinImporter") return " (built-in)";
      if (importer == "FrozenImporter") return " (frozen)";
    }
    if (auto file = r_.dict_get(dict, "__file__"); file && r_.kind_of(file->object) == Kind::kStr)
      return " from '" + str_or(file->object, "?") + "'";
    return "";
  }

  std::string function_name(uint64_t func) {
    auto f = r_.function(func);
    if (!f) return "?";
    return str_or(f->qualname.object, str_or(f->name.object, "?"));
  }

  void function(uint64_t obj) {
    out_ += "<function " + function_name(obj) + " at " + hex_address(obj) + ">";
  }

  void builtin(uint64_t obj, size_t depth) {
    auto b = r_.builtin_function(obj);
    if (!b) return unreadable(obj);
    Kind self_kind = b->self.object == 0 ? Kind::kNone : r_.kind_of(b->self.object);
    if (self_kind == Kind::kNone || self_kind == Kind::kModule) {
      out_ += "<built-in function " + b->name + ">";
      return;
    }
    out_ += "<built-in method " + b->name + " of ";
    if (depth >= opt_.max_depth) {
      out_ += "object";
    } else {
      TypeHandle t = r_.type_info_of(b->self.object);
      out_ += r_.type_qualname(*t) + " object at " + hex_address(b->self.object);
    }
    out_ += ">";
  }

  void method(uint64_t obj, size_t depth) {
    auto m = r_.method(obj);
    if (!m) return unreadable(obj);
    std::string name =
        r_.kind_of(m->func.object) == Kind::kFunction ? function_name(m->func.object) : "?";
    out_ += "<bound method " + name + " of ";
    if (depth >= opt_.max_depth || !enter(obj)) {
      out_ += "...";
    } else {
      value(m->self.object, depth + 1);
      leave(obj);
    }
    out_ += ">";
  }

  void code(uint64_t obj) {
    auto c = r_.code(obj);
    if (!c) return unreadable(obj);
    out_ += "<code object " + str_or(c->name.object, "?") + " at " + hex_address(obj) +
            ", file \"" + str_or(c->filename.object, "?") + "\", line " +
            std::to_string(c->firstlineno) + ">";
  }

  void cell(uint64_t obj) {
    auto contents = r_.cell_contents(obj);
    if (!contents) return unreadable(obj);
    out_ += "<cell at " + hex_address(obj) + ": ";
    if (*contents == 0) {
      out_ += "empty>";
      return;
    }
    TypeHandle t = r_.type_info_of(*contents);
    out_ += (t->valid ? t->name : std::string("?")) + " object at " + hex_address(*contents) + ">";
  }

  void generator(uint64_t obj, const char* what) {
    auto g = r_.generator(obj);
    std::string name = g ? str_or(g->qualname.object, str_or(g->name.object, "?")) : "?";
    out_ += std::string("<") + what + " object " + name + " at " + hex_address(obj) + ">";
  }

  void exception(uint64_t obj, size_t depth) {
    // BaseException.__repr__: Name(args...) without the 1-tuple comma.
    auto e = r_.exception(obj);
    if (!e) return unreadable(obj);
    // _PyType_Name: tp_name after its last dot.
    const std::string& tp_name = r_.type_info_of(obj)->name;
    std::string name = tp_name.substr(tp_name.rfind('.') + 1);
    out_ += name + "(";
    if (auto args = r_.tuple_items(e->args.object, opt_.max_items)) {
      if (depth >= opt_.max_depth) {
        out_ += "...";
      } else {
        items(args->items, args->truncated, depth);
      }
    }
    out_ += ")";
  }

  void instance(uint64_t obj) {
    // object.__repr__: <module.Qualname object at 0x...>, builtins without the module.
    TypeHandle t = r_.type_info_of(obj);
    if (!t->valid) return unreadable(obj);
    std::string module = r_.type_module(*t);
    out_ += "<";
    if (!module.empty() && module != "builtins") {
      out_ += module + "." + r_.type_qualname(*t);
    } else {
      out_ += t->name;
    }
    out_ += " object at " + hex_address(obj) + ">";
  }

  const ObjectReader& r_;
  const ReprOptions& opt_;
  std::string out_;
  std::unordered_set<uint64_t> active_;  // containers being printed (cycle guard)
};

}  // namespace

std::string safe_repr(const ObjectReader& reader, uint64_t obj, const ReprOptions& options) {
  return Repr(reader, options).run(obj);
}

}  // namespace pycore::python
