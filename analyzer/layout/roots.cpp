// Well-known addresses from the python module's symbols. Exported data (type objects,
// _PyRuntime) is in .dynsym and survives strip; file-local statics (3.6's interp_head,
// obmalloc's usedpools, ...) need .symtab, so they may be 0 with a stripped binary and
// no debug file. Later stages treat 0 as "unknown".
#include "pycore/layout/sources.hpp"
#include "symbols.hpp"

namespace pycore::layout {

Roots find_roots(const target::AddressSpace& memory, const target::Modules& modules,
                 const PythonBuild& build) {
  const int m = build.python_module;
  auto at = [&](std::string_view name) { return detail::address_in_module(modules, m, name); };
  Roots r;
  r.runtime = at("_PyRuntime");
  if (build.minor == 6) {
    r.interp_head_symbol = at("interp_head");
    r.tstate_current_symbol = at("_PyThreadState_Current");
    r.gc_generations = at("generations");
    r.gc_collecting = at("collecting");
    r.gil_last_holder = at("gil_last_holder");
    r.gil_locked = at("gil_locked");
    r.finalizing = at("_Py_Finalizing");
  }
  if (build.minor <= 11) {  // 3.12+ keeps allocator state in the interpreter
    r.obmalloc_usedpools = at("usedpools");
    r.obmalloc_arenas = at("arenas");
    r.obmalloc_maxarenas = at("maxarenas");
    if (build.minor >= 10) r.arena_map_root = at("arena_map_root");
  }

  r.type_type = at("PyType_Type");
  r.object_type = at("PyBaseObject_Type");
  r.none = at("_Py_NoneStruct");
  r.true_ = at("_Py_TrueStruct");
  r.false_ = at("_Py_FalseStruct");
  r.code_type = at("PyCode_Type");
  r.frame_type = at("PyFrame_Type");
  r.str_type = at("PyUnicode_Type");
  r.bytes_type = at("PyBytes_Type");
  r.int_type = at("PyLong_Type");
  r.float_type = at("PyFloat_Type");
  r.bool_type = at("PyBool_Type");
  r.tuple_type = at("PyTuple_Type");
  r.list_type = at("PyList_Type");
  r.dict_type = at("PyDict_Type");
  r.set_type = at("PySet_Type");
  r.frozenset_type = at("PyFrozenSet_Type");
  r.module_type = at("PyModule_Type");
  r.function_type = at("PyFunction_Type");
  r.cell_type = at("PyCell_Type");
  r.method_type = at("PyMethod_Type");
  r.cfunction_type = at("PyCFunction_Type");
  r.gen_type = at("PyGen_Type");
  r.coro_type = at("PyCoro_Type");
  r.asyncgen_type = at("PyAsyncGen_Type");
  r.traceback_type = at("PyTraceBack_Type");
  r.weakref_type = at("_PyWeakref_RefType");
  r.weakref_proxy_type = at("_PyWeakref_ProxyType");
  r.weakref_callable_proxy_type = at("_PyWeakref_CallableProxyType");
  r.method_descr_type = at("PyMethodDescr_Type");
  r.classmethod_descr_type = at("PyClassMethodDescr_Type");
  r.getset_descr_type = at("PyGetSetDescr_Type");
  r.member_descr_type = at("PyMemberDescr_Type");
  r.wrapper_descr_type = at("PyWrapperDescr_Type");
  // _PySet_Dummy is a pointer variable holding the address of the dummy key object.
  if (uint64_t p = at("_PySet_Dummy")) r.set_dummy = memory.u64(p).value_or(0);
  return r;
}

}  // namespace pycore::layout
