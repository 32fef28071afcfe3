// describe_layout: the text the CLI's --layout prints. Plain, stable, line-oriented, so
// that two analyses can be compared with diff.
#include "pycore/layout/describe.hpp"

#include <cstdio>
#include <string>

namespace pycore::layout {
namespace {

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

template <class E>
std::string_view name_of(E value, std::initializer_list<std::string_view> names) {
  size_t i = static_cast<size_t>(value);
  return i < names.size() ? names.begin()[i] : "?";
}

void line(std::string& out, std::string_view key, std::string_view value) {
  out += "  ";
  out += key;
  out.append(key.size() < 24 ? 24 - key.size() : 1, ' ');
  out += value;
  out += '\n';
}

void root(std::string& out, std::string_view name, uint64_t address) {
  if (address != 0) line(out, name, hex(address));
}

}  // namespace

std::string describe_layout(const Layout& layout) {
  const PythonBuild& b = layout.build;
  std::string out;
  out += "build:\n";
  char hexversion[16];
  std::snprintf(hexversion, sizeof hexversion, "0x%08x", b.hexversion);
  line(out, "version", b.version_string + " (" + hexversion + ")");
  std::string flavour = b.debug ? "debug" : "release";
  if (b.trace_refs) flavour += ", trace-refs";
  if (b.free_threaded) flavour += ", free-threaded";
  flavour += b.pymalloc ? ", pymalloc" : ", no pymalloc";
  flavour += b.shared_libpython ? ", shared libpython" : ", static libpython";
  line(out, "flavour", flavour);
  line(out, "identified by", b.identified_by);
  line(out, "python module", std::to_string(b.python_module));
  line(out, "main source", to_string(layout.main_source()));

  out += "notes:\n";
  for (const std::string& n : layout.notes) out += "  " + n + "\n";

  out += "roots:\n";
  const Roots& r = layout.roots;
  root(out, "_PyRuntime", r.runtime);
  root(out, "interp_head", r.interp_head_symbol);
  root(out, "_PyThreadState_Current", r.tstate_current_symbol);
  root(out, "generations", r.gc_generations);
  root(out, "collecting", r.gc_collecting);
  root(out, "gil_last_holder", r.gil_last_holder);
  root(out, "gil_locked", r.gil_locked);
  root(out, "_Py_Finalizing", r.finalizing);
  root(out, "usedpools", r.obmalloc_usedpools);
  root(out, "arenas", r.obmalloc_arenas);
  root(out, "maxarenas", r.obmalloc_maxarenas);
  root(out, "arena_map_root", r.arena_map_root);
  root(out, "PyType_Type", r.type_type);
  root(out, "PyBaseObject_Type", r.object_type);
  root(out, "_Py_NoneStruct", r.none);
  root(out, "_Py_TrueStruct", r.true_);
  root(out, "_Py_FalseStruct", r.false_);
  root(out, "PyCode_Type", r.code_type);
  root(out, "PyFrame_Type", r.frame_type);
  root(out, "PyUnicode_Type", r.str_type);
  root(out, "PyBytes_Type", r.bytes_type);
  root(out, "PyLong_Type", r.int_type);
  root(out, "PyFloat_Type", r.float_type);
  root(out, "PyBool_Type", r.bool_type);
  root(out, "PyTuple_Type", r.tuple_type);
  root(out, "PyList_Type", r.list_type);
  root(out, "PyDict_Type", r.dict_type);
  root(out, "PySet_Type", r.set_type);
  root(out, "PyFrozenSet_Type", r.frozenset_type);
  root(out, "PyModule_Type", r.module_type);
  root(out, "PyFunction_Type", r.function_type);
  root(out, "PyCell_Type", r.cell_type);
  root(out, "PyMethod_Type", r.method_type);
  root(out, "PyCFunction_Type", r.cfunction_type);
  root(out, "PyGen_Type", r.gen_type);
  root(out, "PyCoro_Type", r.coro_type);
  root(out, "PyAsyncGen_Type", r.asyncgen_type);
  root(out, "PyTraceBack_Type", r.traceback_type);
  root(out, "_PyWeakref_RefType", r.weakref_type);
  root(out, "_PyWeakref_ProxyType", r.weakref_proxy_type);
  root(out, "_PyWeakref_CallableProxyType", r.weakref_callable_proxy_type);
  root(out, "PyMethodDescr_Type", r.method_descr_type);
  root(out, "PyClassMethodDescr_Type", r.classmethod_descr_type);
  root(out, "PyGetSetDescr_Type", r.getset_descr_type);
  root(out, "PyMemberDescr_Type", r.member_descr_type);
  root(out, "PyWrapperDescr_Type", r.wrapper_descr_type);
  root(out, "set dummy", r.set_dummy);

  const Models& m = layout.models;
  out += "models:\n";
  line(out, "roots", name_of(m.roots, {"statics-3.6", "_PyRuntime"}));
  line(out, "frames",
       name_of(m.frames, {"frame-objects", "cframe+interpreter-frames", "interpreter-frames"}));
  line(out, "shims", name_of(m.shims, {"none", "entry-flag", "owner-cstack", "owner>=3"}));
  line(out, "line table", name_of(m.line_table, {"lnotab", "linetable-3.10", "locations"}));
  line(out, "locals", name_of(m.locals, {"fast-locals", "localsplus"}));
  line(out, "raised", name_of(m.raised, {"triple", "single"}));
  line(out, "handled", name_of(m.handled, {"tstate-triple", "stack-items", "stack-item-value"}));
  line(out, "ints", name_of(m.ints, {"signed-size", "tag"}));
  line(out, "refcounts", name_of(m.refcounts, {"plain", "immortal"}));
  line(out, "dict keys", name_of(m.dict_keys, {"sized", "log2"}));
  line(out, "split values", name_of(m.split_values, {"array", "prefixed", "struct"}));
  line(out, "instance dict",
       name_of(m.instance_dict,
               {"dictoffset", "managed-preheader", "tagged-preheader", "inline-values"}));
  line(out, "gc head", name_of(m.gc_head, {"separate-refs", "packed-flags"}));
  line(out, "gc state", name_of(m.gc_state, {"statics-3.6", "runtime", "interpreter"}));
  line(out, "gil", name_of(m.gil, {"statics-3.6", "runtime", "interpreter-pointer"}));

  const Constants& c = layout.constants;
  out += "constants:\n";
  line(out, "POOL_SIZE", std::to_string(c.pool_size));
  line(out, "ARENA_SIZE", std::to_string(c.arena_size));
  line(out, "ALIGNMENT", std::to_string(c.alignment));
  line(out, "SMALL_REQUEST_THRESHOLD", std::to_string(c.pymalloc_threshold));
  line(out, "owner generator", std::to_string(c.frame_owner_generator));
  line(out, "owner frame object", std::to_string(c.frame_owner_frame_object));
  line(out, "owner cstack", std::to_string(c.frame_owner_cstack));
  line(out, "TPFLAGS_HEAPTYPE", hex(c.tpflags_heaptype));
  line(out, "TPFLAGS_HAVE_GC", hex(c.tpflags_have_gc));
  line(out, "TPFLAGS_MANAGED_DICT", hex(c.tpflags_managed_dict));
  line(out, "TPFLAGS_MANAGED_WEAKREF", hex(c.tpflags_managed_weakref));
  line(out, "TPFLAGS_INLINE_VALUES", hex(c.tpflags_inline_values));

  out += "fields:\n";
  for (size_t i = 0; i < kFieldCount; ++i) {
    const FieldLoc& f = layout.fields[i];
    std::string_view id = field_info(static_cast<F>(i)).id;
    if (!f.present()) {
      out += "  " + std::string(id) + " absent\n";
    } else {
      out += "  " + std::string(id) + " " + std::to_string(f.offset) + " " +
             std::to_string(f.size) + " " + std::string(to_string(f.source)) + "\n";
    }
  }
  return out;
}

}  // namespace pycore::layout
