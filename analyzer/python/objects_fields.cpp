// ObjectReader: field views of cells, functions, methods, modules, code objects,
// exceptions, tracebacks and generators.
#include "objects_internal.hpp"

namespace pycore::python {

using layout::F;

namespace {

// A pointer field as a Ref; absent fields give an empty Ref, unreadable ones nullopt.
std::optional<Ref> field_ref(const ObjectReader& r, uint64_t obj, F f) {
  if (!r.layout().has(f)) return Ref{};
  return r.pointer_field(obj, f);
}

// Fills `out` from each (field, member) pair; false when any present field is unreadable.
template <class T, size_t N>
bool fill_refs(const ObjectReader& r, uint64_t obj, T& out,
               const std::pair<F, Ref T::*> (&fields)[N]) {
  for (const auto& [field, member] : fields) {
    auto ref = field_ref(r, obj, field);
    if (!ref) return false;
    out.*member = *ref;
  }
  return true;
}

}  // namespace

std::optional<uint64_t> ObjectReader::cell_contents(uint64_t obj) const {
  if (kind_of(obj) != Kind::kCell) return std::nullopt;
  return detail::read_u64(*this, obj, F::cell_ref);
}

std::optional<FunctionInfo> ObjectReader::function(uint64_t obj) const {
  if (kind_of(obj) != Kind::kFunction) return std::nullopt;
  FunctionInfo f;
  const std::pair<F, Ref FunctionInfo::*> fields[] = {
      {F::func_code, &FunctionInfo::code},
      {F::func_globals, &FunctionInfo::globals},
      {F::func_name, &FunctionInfo::name},
      {F::func_qualname, &FunctionInfo::qualname},
      {F::func_module, &FunctionInfo::module},
      {F::func_defaults, &FunctionInfo::defaults},
      {F::func_kwdefaults, &FunctionInfo::kwdefaults},
      {F::func_closure, &FunctionInfo::closure},
      {F::func_doc, &FunctionInfo::doc},
      {F::func_dict, &FunctionInfo::dict},
      {F::func_annotations, &FunctionInfo::annotations},
  };
  if (!fill_refs(*this, obj, f, fields)) return std::nullopt;
  return f;
}

std::optional<MethodInfo> ObjectReader::method(uint64_t obj) const {
  if (kind_of(obj) != Kind::kMethod) return std::nullopt;
  MethodInfo m;
  const std::pair<F, Ref MethodInfo::*> fields[] = {{F::method_func, &MethodInfo::func},
                                                    {F::method_self, &MethodInfo::self}};
  if (!fill_refs(*this, obj, m, fields)) return std::nullopt;
  return m;
}

std::optional<BuiltinFunctionInfo> ObjectReader::builtin_function(uint64_t obj) const {
  if (kind_of(obj) != Kind::kBuiltinFunction) return std::nullopt;
  BuiltinFunctionInfo b;
  const std::pair<F, Ref BuiltinFunctionInfo::*> fields[] = {
      {F::cfunction_self, &BuiltinFunctionInfo::self},
      {F::cfunction_module, &BuiltinFunctionInfo::module}};
  if (!fill_refs(*this, obj, b, fields)) return std::nullopt;
  auto ml = detail::read_u64(*this, obj, F::cfunction_ml);
  if (!ml) return std::nullopt;
  b.method_def = *ml;
  // PyMethodDef.ml_name is the first member in every version.
  if (auto name_ptr = memory_.u64(*ml)) b.name = memory_.cstring(*name_ptr, 256).value_or("");
  return b;
}

std::optional<ModuleInfo> ObjectReader::module(uint64_t obj) const {
  if (kind_of(obj) != Kind::kModule) return std::nullopt;
  ModuleInfo m;
  const std::pair<F, Ref ModuleInfo::*> fields[] = {{F::module_dict, &ModuleInfo::dict},
                                                    {F::module_name, &ModuleInfo::name}};
  if (!fill_refs(*this, obj, m, fields)) return std::nullopt;
  return m;
}

std::optional<CodeInfo> ObjectReader::code(uint64_t obj) const {
  if (kind_of(obj) != Kind::kCode) return std::nullopt;
  CodeInfo c;
  c.address = obj;
  const std::pair<F, Ref CodeInfo::*> fields[] = {
      {F::code_filename, &CodeInfo::filename},
      {F::code_name, &CodeInfo::name},
      {F::code_qualname, &CodeInfo::qualname},
      {F::code_linetable, &CodeInfo::linetable},
      {F::code_varnames, &CodeInfo::varnames},
      {F::code_cellvars, &CodeInfo::cellvars},
      {F::code_freevars, &CodeInfo::freevars},
      {F::code_localsplusnames, &CodeInfo::localsplusnames},
      {F::code_localspluskinds, &CodeInfo::localspluskinds},
  };
  if (!fill_refs(*this, obj, c, fields)) return std::nullopt;
  auto firstlineno = detail::read_i32(*this, obj, F::code_firstlineno);
  if (!firstlineno) return std::nullopt;
  c.firstlineno = *firstlineno;
  c.argcount = detail::read_i32(*this, obj, F::code_argcount).value_or(0);
  c.flags = detail::read_i32(*this, obj, F::code_flags).value_or(0);
  c.nlocals = detail::read_i32(*this, obj, F::code_nlocals).value_or(0);
  c.nlocalsplus = detail::read_i32(*this, obj, F::code_nlocalsplus).value_or(0);
  c.firsttraceable = detail::read_i32(*this, obj, F::code_firsttraceable).value_or(0);
  if (auto adaptive = detail::field_addr(*this, obj, F::code_code_adaptive)) {
    c.code_adaptive = *adaptive;
    c.code_units = var_size(obj).value_or(0);
  }
  return c;
}

std::optional<ExceptionFields> ObjectReader::exception(uint64_t obj) const {
  if (kind_of(obj) != Kind::kException) return std::nullopt;
  ExceptionFields e;
  const std::pair<F, Ref ExceptionFields::*> fields[] = {
      {F::exception_args, &ExceptionFields::args},
      {F::exception_traceback, &ExceptionFields::traceback},
      {F::exception_context, &ExceptionFields::context},
      {F::exception_cause, &ExceptionFields::cause},
      {F::exception_dict, &ExceptionFields::dict},
      {F::exception_notes, &ExceptionFields::notes},
  };
  if (!fill_refs(*this, obj, e, fields)) return std::nullopt;
  e.suppress_context = detail::read_u8(*this, obj, F::exception_suppress_context).value_or(0) != 0;
  return e;
}

std::optional<TracebackFields> ObjectReader::traceback(uint64_t obj) const {
  if (kind_of(obj) != Kind::kTraceback) return std::nullopt;
  TracebackFields t;
  const std::pair<F, Ref TracebackFields::*> fields[] = {
      {F::traceback_next, &TracebackFields::next}, {F::traceback_frame, &TracebackFields::frame}};
  if (!fill_refs(*this, obj, t, fields)) return std::nullopt;
  auto lasti = detail::read_i32(*this, obj, F::traceback_lasti);
  auto lineno = detail::read_i32(*this, obj, F::traceback_lineno);
  if (!lasti || !lineno) return std::nullopt;
  t.lasti = *lasti;
  t.lineno = *lineno;
  return t;
}

std::optional<GeneratorFields> ObjectReader::generator(uint64_t obj) const {
  Kind k = kind_of(obj);
  if (k != Kind::kGenerator && k != Kind::kCoroutine && k != Kind::kAsyncGenerator)
    return std::nullopt;
  GeneratorFields g;
  const std::pair<F, Ref GeneratorFields::*> fields[] = {
      {F::gen_frame, &GeneratorFields::frame},
      {F::gen_code, &GeneratorFields::code},
      {F::gen_name, &GeneratorFields::name},
      {F::gen_qualname, &GeneratorFields::qualname}};
  if (!fill_refs(*this, obj, g, fields)) return std::nullopt;
  if (auto iframe = detail::field_addr(*this, obj, F::gen_iframe)) g.iframe = *iframe;
  g.frame_state = detail::read_field<int8_t>(*this, obj, F::gen_frame_state).value_or(0);
  return g;
}

}  // namespace pycore::python
