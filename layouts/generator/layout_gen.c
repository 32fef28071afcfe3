/* Prints the layout of every field listed in include/pycore/layout/fields.def, as seen by
 * the C compiler through ONE CPython version's headers.
 *
 * Built and run once per interpreter by layouts/generate, e.g.
 *   cc -DPy_BUILD_CORE -I<inc> -I<inc>/internal layout_gen.c && ./a.out
 * Output (one line each, parsed by analyzer/layout/builtin_tables.cpp):
 *   python <PY_VERSION> <PY_VERSION_HEX>
 *   abi <release|debug> [trace_refs] [free_threaded]
 *   const <NAME> <value>          constants the headers define
 *   <field id> <offset> <size>    a member: offsetof and sizeof (0 for a flexible array);
 *                                 a PYCORE_SIZE entry: sizeof twice
 *   <field id> absent             not in this version
 *
 * Version differences are #if PY_VERSION_HEX blocks choosing member paths. Structures
 * that the installed headers do not declare are mirrored further down, typed in our own
 * words, each with a comment naming the CPython file it follows; only their layout
 * matters. This file reads the headers for facts only and never runs Python code.
 */
#include "Python.h"
#include "frameobject.h"
#include "structmember.h"
#if PY_VERSION_HEX < 0x030B0000
#include "code.h"
#endif

/* Internal headers: where the runtime, interpreter, GC and GIL structures live. */
#if PY_VERSION_HEX >= 0x03070000 && PY_VERSION_HEX < 0x03080000
#include "internal/pystate.h"
#elif PY_VERSION_HEX >= 0x03080000 && PY_VERSION_HEX < 0x03090000
#include "internal/pycore_pystate.h"
#elif PY_VERSION_HEX >= 0x03090000
#include "internal/pycore_gc.h"
#include "internal/pycore_gil.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_runtime.h"
#endif
#if PY_VERSION_HEX >= 0x030A0000
#include "internal/pycore_moduleobject.h"
#endif
#if PY_VERSION_HEX >= 0x030B0000
#include "internal/pycore_code.h"
#include "internal/pycore_dict.h"
#include "internal/pycore_frame.h"
#endif
#if PY_VERSION_HEX >= 0x030C0000
#include "internal/pycore_obmalloc.h"
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define AT_LEAST(major, minor) (PY_VERSION_HEX >= (((major) << 24) | ((minor) << 16)))

/* ---- mirrors of structures private to CPython's .c files ---------------------------- */

#if !AT_LEAST(3, 11)
/* Objects/dict-common.h (3.6-3.10): the shared keys table of a dict. */
struct mirror_dict_keys {
  Py_ssize_t refcount;
  Py_ssize_t size; /* number of index slots, a power of two */
  void* lookup_function;
  Py_ssize_t usable;
  Py_ssize_t entries_used;
  char indices[]; /* index array, then the entries */
};
/* Objects/dict-common.h (3.6-3.10): one insertion-ordered entry. */
struct mirror_dict_entry {
  Py_hash_t hash;
  PyObject* key;
  PyObject* value;
};
#endif

#if !AT_LEAST(3, 10)
/* Objects/moduleobject.c (3.6-3.9): a module object. */
struct mirror_module {
  PyObject_HEAD PyObject* dict;
  void* definition;
  void* state;
  PyObject* weak_references;
  PyObject* name;
};
#endif

#if !AT_LEAST(3, 7)
/* Modules/gcmodule.c (3.6): one GC generation, a list head plus its counters. */
struct mirror_gc_generation {
  PyGC_Head list_head;
  int threshold;
  int count;
};
#endif

#if !AT_LEAST(3, 12)
/* Objects/obmalloc.c (3.6-3.11): header at the start of every pymalloc pool. */
struct mirror_pool_header {
  union {
    uint8_t* padding;
    unsigned int count; /* blocks in use */
  } ref;
  uint8_t* free_list;
  struct mirror_pool_header* next;
  struct mirror_pool_header* prev;
  unsigned int arena_index;
  unsigned int size_class;
  unsigned int next_offset;
  unsigned int max_next_offset;
};
/* Objects/obmalloc.c (3.6-3.11): bookkeeping for one arena. */
struct mirror_arena_object {
  uintptr_t address;
  uint8_t* pool_address;
  unsigned int free_pools;
  unsigned int total_pools;
  struct mirror_pool_header* free_pool_list;
  struct mirror_arena_object* next;
  struct mirror_arena_object* prev;
};
#endif

/* ---- output helpers ------------------------------------------------------------------ */

#define FIELD(id, type, member) \
  printf("%s %zu %zu\n", #id, (size_t)offsetof(type, member), (size_t)sizeof(((type*)0)->member))
/* A flexible array member: sizeof cannot be applied, its DWARF size is 0 too. */
#define FLEX(id, type, member) printf("%s %zu 0\n", #id, (size_t)offsetof(type, member))
#define SIZE(id, type) printf("%s %zu %zu\n", #id, sizeof(type), sizeof(type))
#define ABSENT(id) printf("%s absent\n", #id)
#define CONST(name, value) printf("const %s %lld\n", name, (long long)(value))

/* Names that changed between versions, so the field list below reads uniformly. */
#if AT_LEAST(3, 7)
typedef _PyRuntimeState runtime_t;
#endif
#if AT_LEAST(3, 9)
typedef struct _gc_runtime_state gcstate_t;
#elif AT_LEAST(3, 7)
typedef struct _gc_runtime_state gcstate_t;
#endif
#if AT_LEAST(3, 11)
typedef PyDictKeysObject dictkeys_t;
typedef PyDictKeyEntry dictentry_t;
#else
typedef struct mirror_dict_keys dictkeys_t;
typedef struct mirror_dict_entry dictentry_t;
#endif
#if AT_LEAST(3, 10)
typedef PyModuleObject module_t;
#else
typedef struct mirror_module module_t;
#endif
#if AT_LEAST(3, 7)
typedef struct gc_generation gcgen_t;
#else
typedef struct mirror_gc_generation gcgen_t;
#endif
#if AT_LEAST(3, 12)
typedef struct pool_header pool_t;
typedef struct arena_object arena_t;
#else
typedef struct mirror_pool_header pool_t;
typedef struct mirror_arena_object arena_t;
#endif

static void print_build(void) {
  printf("python %s 0x%08lx\n", PY_VERSION, (unsigned long)PY_VERSION_HEX);
  printf("abi %s",
#ifdef Py_DEBUG
         "debug"
#else
         "release"
#endif
  );
#ifdef Py_TRACE_REFS
  printf(" trace_refs");
#endif
#ifdef Py_GIL_DISABLED
  printf(" free_threaded");
#endif
  printf("\n");
}

static void print_constants(void) {
#ifdef POOL_SIZE
  CONST("POOL_SIZE", POOL_SIZE);
#endif
#ifdef ARENA_SIZE
  CONST("ARENA_SIZE", ARENA_SIZE);
#endif
#ifdef ALIGNMENT
  CONST("ALIGNMENT", ALIGNMENT);
#endif
#ifdef SMALL_REQUEST_THRESHOLD
  CONST("SMALL_REQUEST_THRESHOLD", SMALL_REQUEST_THRESHOLD);
#endif
  CONST("PyLong_SHIFT", PyLong_SHIFT);
  CONST("Py_TPFLAGS_HEAPTYPE", Py_TPFLAGS_HEAPTYPE);
  CONST("Py_TPFLAGS_HAVE_GC", Py_TPFLAGS_HAVE_GC);
#ifdef Py_TPFLAGS_MANAGED_DICT
  CONST("Py_TPFLAGS_MANAGED_DICT", Py_TPFLAGS_MANAGED_DICT);
#endif
#ifdef Py_TPFLAGS_MANAGED_WEAKREF
  CONST("Py_TPFLAGS_MANAGED_WEAKREF", Py_TPFLAGS_MANAGED_WEAKREF);
#endif
#ifdef Py_TPFLAGS_INLINE_VALUES
  CONST("Py_TPFLAGS_INLINE_VALUES", Py_TPFLAGS_INLINE_VALUES);
#endif
#if AT_LEAST(3, 11)
  /* enum values, so no #ifdef: the enum exists from 3.11 on */
  CONST("FRAME_OWNED_BY_GENERATOR", FRAME_OWNED_BY_GENERATOR);
  CONST("FRAME_OWNED_BY_FRAME_OBJECT", FRAME_OWNED_BY_FRAME_OBJECT);
#endif
#if AT_LEAST(3, 12)
  CONST("FRAME_OWNED_BY_CSTACK", FRAME_OWNED_BY_CSTACK);
#endif
}

static void print_objects(void) {
  SIZE(object_size, PyObject);
#ifdef Py_GIL_DISABLED
  ABSENT(object_refcnt);
#else
  FIELD(object_refcnt, PyObject, ob_refcnt);
#endif
  FIELD(object_type, PyObject, ob_type);
  SIZE(varobject_size, PyVarObject);
  FIELD(varobject_size_field, PyVarObject, ob_size);

  SIZE(type_size, PyTypeObject);
  FIELD(type_name, PyTypeObject, tp_name);
  FIELD(type_basicsize, PyTypeObject, tp_basicsize);
  FIELD(type_itemsize, PyTypeObject, tp_itemsize);
  FIELD(type_flags, PyTypeObject, tp_flags);
  FIELD(type_traverse, PyTypeObject, tp_traverse);
  FIELD(type_weaklistoffset, PyTypeObject, tp_weaklistoffset);
  FIELD(type_members, PyTypeObject, tp_members);
  FIELD(type_base, PyTypeObject, tp_base);
  FIELD(type_dict, PyTypeObject, tp_dict);
  FIELD(type_dictoffset, PyTypeObject, tp_dictoffset);
  FIELD(type_is_gc, PyTypeObject, tp_is_gc);
  FIELD(type_bases, PyTypeObject, tp_bases);
  FIELD(type_mro, PyTypeObject, tp_mro);
  FIELD(type_subclasses, PyTypeObject, tp_subclasses);
  SIZE(heaptype_size, PyHeapTypeObject);
  FIELD(heaptype_name, PyHeapTypeObject, ht_name);
  FIELD(heaptype_slots, PyHeapTypeObject, ht_slots);
  FIELD(heaptype_qualname, PyHeapTypeObject, ht_qualname);
  FIELD(heaptype_cached_keys, PyHeapTypeObject, ht_cached_keys);
#if AT_LEAST(3, 9)
  FIELD(heaptype_module, PyHeapTypeObject, ht_module);
#else
  ABSENT(heaptype_module);
#endif
  SIZE(memberdef_size, PyMemberDef);
  FIELD(memberdef_name, PyMemberDef, name);
  FIELD(memberdef_type, PyMemberDef, type);
  FIELD(memberdef_offset, PyMemberDef, offset);
}

static void print_runtime(void) {
#if AT_LEAST(3, 7)
  SIZE(runtime_size, runtime_t);
#if AT_LEAST(3, 9)
  FIELD(runtime_finalizing, runtime_t, _finalizing);
#else
  FIELD(runtime_finalizing, runtime_t, finalizing);
#endif
  FIELD(runtime_interpreters_head, runtime_t, interpreters.head);
  FIELD(runtime_interpreters_main, runtime_t, interpreters.main);
#if !AT_LEAST(3, 9)
  FIELD(runtime_gc, runtime_t, gc);
#else
  ABSENT(runtime_gc);
#endif
#if !AT_LEAST(3, 12)
  FIELD(runtime_ceval_gil, runtime_t, ceval.gil);
  FIELD(runtime_tstate_current, runtime_t, gilstate.tstate_current);
#else
  ABSENT(runtime_ceval_gil);
  ABSENT(runtime_tstate_current);
#endif
#if AT_LEAST(3, 13)
  FIELD(runtime_main_tstate, runtime_t, main_tstate);
#else
  ABSENT(runtime_main_tstate);
#endif
#else /* 3.6: no _PyRuntime; the same state is in static variables */
  ABSENT(runtime_size);
  ABSENT(runtime_finalizing);
  ABSENT(runtime_interpreters_head);
  ABSENT(runtime_interpreters_main);
  ABSENT(runtime_gc);
  ABSENT(runtime_ceval_gil);
  ABSENT(runtime_tstate_current);
  ABSENT(runtime_main_tstate);
#endif
}

static void print_interpreter(void) {
  SIZE(interp_size, PyInterpreterState);
  FIELD(interp_next, PyInterpreterState, next);
#if AT_LEAST(3, 11)
  FIELD(interp_threads_head, PyInterpreterState, threads.head);
#else
  FIELD(interp_threads_head, PyInterpreterState, tstate_head);
#endif
#if AT_LEAST(3, 7)
  FIELD(interp_id, PyInterpreterState, id);
#else
  ABSENT(interp_id);
#endif
#if AT_LEAST(3, 12)
  FIELD(interp_modules, PyInterpreterState, imports.modules);
#else
  FIELD(interp_modules, PyInterpreterState, modules);
#endif
  FIELD(interp_sysdict, PyInterpreterState, sysdict);
  FIELD(interp_builtins, PyInterpreterState, builtins);
#if AT_LEAST(3, 8)
  FIELD(interp_finalizing, PyInterpreterState, finalizing);
#else
  ABSENT(interp_finalizing);
#endif
#if AT_LEAST(3, 9)
  FIELD(interp_gc, PyInterpreterState, gc);
#else
  ABSENT(interp_gc);
#endif
#if AT_LEAST(3, 12)
  FIELD(interp_ceval_gil_ptr, PyInterpreterState, ceval.gil);
  FIELD(interp_obmalloc, PyInterpreterState, obmalloc);
#else
  ABSENT(interp_ceval_gil_ptr);
  ABSENT(interp_obmalloc);
#endif
  /* static types' per-interpreter dict and subclasses (Include/internal/pycore_typeobject.h) */
#if AT_LEAST(3, 13)
  FIELD(interp_types_builtins, PyInterpreterState, types.builtins.initialized);
  FIELD(interp_types_builtins_count, PyInterpreterState, types.builtins.num_initialized);
  FIELD(interp_types_extensions, PyInterpreterState, types.for_extensions.initialized);
  FIELD(interp_types_extensions_count, PyInterpreterState, types.for_extensions.num_initialized);
  SIZE(static_type_state_size, managed_static_type_state);
  FIELD(static_type_state_type, managed_static_type_state, type);
  FIELD(static_type_state_dict, managed_static_type_state, tp_dict);
  FIELD(static_type_state_subclasses, managed_static_type_state, tp_subclasses);
#elif AT_LEAST(3, 12)
  FIELD(interp_types_builtins, PyInterpreterState, types.builtins);
  FIELD(interp_types_builtins_count, PyInterpreterState, types.num_builtins_initialized);
  ABSENT(interp_types_extensions);
  ABSENT(interp_types_extensions_count);
  SIZE(static_type_state_size, static_builtin_state);
  FIELD(static_type_state_type, static_builtin_state, type);
  FIELD(static_type_state_dict, static_builtin_state, tp_dict);
  FIELD(static_type_state_subclasses, static_builtin_state, tp_subclasses);
#else
  ABSENT(interp_types_builtins);
  ABSENT(interp_types_builtins_count);
  ABSENT(interp_types_extensions);
  ABSENT(interp_types_extensions_count);
  ABSENT(static_type_state_size);
  ABSENT(static_type_state_type);
  ABSENT(static_type_state_dict);
  ABSENT(static_type_state_subclasses);
#endif
}

static void print_thread(void) {
  SIZE(tstate_size, PyThreadState);
  FIELD(tstate_prev, PyThreadState, prev);
  FIELD(tstate_next, PyThreadState, next);
  FIELD(tstate_interp, PyThreadState, interp);
#if !AT_LEAST(3, 11)
  FIELD(tstate_frame, PyThreadState, frame);
#else
  ABSENT(tstate_frame);
#endif
#if AT_LEAST(3, 10) && !AT_LEAST(3, 13)
  FIELD(tstate_cframe, PyThreadState, cframe);
#else
  ABSENT(tstate_cframe);
#endif
#if AT_LEAST(3, 13)
  FIELD(tstate_current_frame, PyThreadState, current_frame);
#else
  ABSENT(tstate_current_frame);
#endif
#if AT_LEAST(3, 12)
  FIELD(tstate_status, PyThreadState, _status);
#else
  ABSENT(tstate_status);
#endif
#if AT_LEAST(3, 13)
  FIELD(tstate_state, PyThreadState, state);
#else
  ABSENT(tstate_state);
#endif
#if !AT_LEAST(3, 12)
  FIELD(tstate_curexc_type, PyThreadState, curexc_type);
  FIELD(tstate_curexc_value, PyThreadState, curexc_value);
  FIELD(tstate_curexc_traceback, PyThreadState, curexc_traceback);
  ABSENT(tstate_current_exception);
#else
  ABSENT(tstate_curexc_type);
  ABSENT(tstate_curexc_value);
  ABSENT(tstate_curexc_traceback);
  FIELD(tstate_current_exception, PyThreadState, current_exception);
#endif
#if !AT_LEAST(3, 7)
  FIELD(tstate_exc_type, PyThreadState, exc_type);
  FIELD(tstate_exc_value, PyThreadState, exc_value);
  FIELD(tstate_exc_traceback, PyThreadState, exc_traceback);
  ABSENT(tstate_exc_state);
  ABSENT(tstate_exc_info);
#else
  ABSENT(tstate_exc_type);
  ABSENT(tstate_exc_value);
  ABSENT(tstate_exc_traceback);
  FIELD(tstate_exc_state, PyThreadState, exc_state);
  FIELD(tstate_exc_info, PyThreadState, exc_info);
#endif
  FIELD(tstate_dict, PyThreadState, dict);
  FIELD(tstate_thread_id, PyThreadState, thread_id);
#if AT_LEAST(3, 11)
  FIELD(tstate_native_thread_id, PyThreadState, native_thread_id);
#else
  ABSENT(tstate_native_thread_id);
#endif
#if AT_LEAST(3, 7)
  FIELD(tstate_id, PyThreadState, id);
#else
  ABSENT(tstate_id);
#endif
#if AT_LEAST(3, 11)
  FIELD(tstate_datastack_chunk, PyThreadState, datastack_chunk);
  FIELD(tstate_datastack_top, PyThreadState, datastack_top);
  FIELD(stackchunk_previous, _PyStackChunk, previous);
  FIELD(stackchunk_size, _PyStackChunk, size);
  FIELD(stackchunk_top, _PyStackChunk, top);
  FIELD(stackchunk_data, _PyStackChunk, data);
#else
  ABSENT(tstate_datastack_chunk);
  ABSENT(tstate_datastack_top);
  ABSENT(stackchunk_previous);
  ABSENT(stackchunk_size);
  ABSENT(stackchunk_top);
  ABSENT(stackchunk_data);
#endif

  /* the C-level frame record linking evaluator invocations (3.10-3.12) */
#if AT_LEAST(3, 11) && !AT_LEAST(3, 13)
  FIELD(cframe_current_frame, _PyCFrame, current_frame);
  FIELD(cframe_previous, _PyCFrame, previous);
#elif AT_LEAST(3, 10) && !AT_LEAST(3, 11)
  ABSENT(cframe_current_frame); /* 3.10's CFrame only carries use_tracing */
  FIELD(cframe_previous, CFrame, previous);
#else
  ABSENT(cframe_current_frame);
  ABSENT(cframe_previous);
#endif

#if AT_LEAST(3, 7)
#if !AT_LEAST(3, 11)
  FIELD(err_stackitem_exc_type, _PyErr_StackItem, exc_type);
  FIELD(err_stackitem_exc_value, _PyErr_StackItem, exc_value);
  FIELD(err_stackitem_exc_traceback, _PyErr_StackItem, exc_traceback);
#else
  ABSENT(err_stackitem_exc_type);
  FIELD(err_stackitem_exc_value, _PyErr_StackItem, exc_value);
  ABSENT(err_stackitem_exc_traceback);
#endif
  FIELD(err_stackitem_previous_item, _PyErr_StackItem, previous_item);
#else
  ABSENT(err_stackitem_exc_type);
  ABSENT(err_stackitem_exc_value);
  ABSENT(err_stackitem_exc_traceback);
  ABSENT(err_stackitem_previous_item);
#endif
}

static void print_frames(void) {
  SIZE(frameobject_size, PyFrameObject);
  FIELD(frameobject_back, PyFrameObject, f_back);
#if !AT_LEAST(3, 11)
  FIELD(frameobject_code, PyFrameObject, f_code);
  FIELD(frameobject_globals, PyFrameObject, f_globals);
  FIELD(frameobject_locals, PyFrameObject, f_locals);
  FIELD(frameobject_lasti, PyFrameObject, f_lasti);
  FIELD(frameobject_lineno, PyFrameObject, f_lineno);
  FIELD(frameobject_gen, PyFrameObject, f_gen);
  FIELD(frameobject_localsplus, PyFrameObject, f_localsplus);
#else
  ABSENT(frameobject_code);
  ABSENT(frameobject_globals);
  ABSENT(frameobject_locals);
  ABSENT(frameobject_lasti);
  FIELD(frameobject_lineno, PyFrameObject, f_lineno);
  ABSENT(frameobject_gen);
  ABSENT(frameobject_localsplus);
#endif
#if !AT_LEAST(3, 7)
  FIELD(frameobject_exc_type, PyFrameObject, f_exc_type);
#else
  ABSENT(frameobject_exc_type);
#endif
#if AT_LEAST(3, 11)
  FIELD(frameobject_frame, PyFrameObject, f_frame);
  FIELD(frameobject_frame_data, PyFrameObject, _f_frame_data);
#else
  ABSENT(frameobject_frame);
  ABSENT(frameobject_frame_data);
#endif

#if AT_LEAST(3, 11)
  SIZE(iframe_size, _PyInterpreterFrame);
#if AT_LEAST(3, 13)
  FIELD(iframe_code, _PyInterpreterFrame, f_executable);
  FIELD(iframe_instr, _PyInterpreterFrame, instr_ptr);
#else
  FIELD(iframe_code, _PyInterpreterFrame, f_code);
  FIELD(iframe_instr, _PyInterpreterFrame, prev_instr);
#endif
#if AT_LEAST(3, 12)
  FIELD(iframe_func, _PyInterpreterFrame, f_funcobj);
  ABSENT(iframe_is_entry);
#else
  FIELD(iframe_func, _PyInterpreterFrame, f_func);
  FIELD(iframe_is_entry, _PyInterpreterFrame, is_entry);
#endif
  FIELD(iframe_globals, _PyInterpreterFrame, f_globals);
  FIELD(iframe_locals, _PyInterpreterFrame, f_locals);
  FIELD(iframe_frame_obj, _PyInterpreterFrame, frame_obj);
  FIELD(iframe_previous, _PyInterpreterFrame, previous);
  FIELD(iframe_stacktop, _PyInterpreterFrame, stacktop);
  FIELD(iframe_owner, _PyInterpreterFrame, owner);
  FIELD(iframe_localsplus, _PyInterpreterFrame, localsplus);
#else
  ABSENT(iframe_size);
  ABSENT(iframe_code);
  ABSENT(iframe_func);
  ABSENT(iframe_globals);
  ABSENT(iframe_locals);
  ABSENT(iframe_frame_obj);
  ABSENT(iframe_previous);
  ABSENT(iframe_instr);
  ABSENT(iframe_stacktop);
  ABSENT(iframe_is_entry);
  ABSENT(iframe_owner);
  ABSENT(iframe_localsplus);
#endif
}

static void print_code(void) {
  SIZE(code_size, PyCodeObject);
  FIELD(code_argcount, PyCodeObject, co_argcount);
#if AT_LEAST(3, 8)
  FIELD(code_posonlyargcount, PyCodeObject, co_posonlyargcount);
#else
  ABSENT(code_posonlyargcount);
#endif
  FIELD(code_kwonlyargcount, PyCodeObject, co_kwonlyargcount);
  FIELD(code_nlocals, PyCodeObject, co_nlocals);
  FIELD(code_flags, PyCodeObject, co_flags);
  FIELD(code_firstlineno, PyCodeObject, co_firstlineno);
  FIELD(code_consts, PyCodeObject, co_consts);
  FIELD(code_names, PyCodeObject, co_names);
  FIELD(code_filename, PyCodeObject, co_filename);
  FIELD(code_name, PyCodeObject, co_name);
#if !AT_LEAST(3, 11)
  FIELD(code_code, PyCodeObject, co_code);
  FIELD(code_varnames, PyCodeObject, co_varnames);
  FIELD(code_freevars, PyCodeObject, co_freevars);
  FIELD(code_cellvars, PyCodeObject, co_cellvars);
  FIELD(code_cell2arg, PyCodeObject, co_cell2arg);
  ABSENT(code_qualname);
  ABSENT(code_nlocalsplus);
  ABSENT(code_ncellvars);
  ABSENT(code_nfreevars);
  ABSENT(code_localsplusnames);
  ABSENT(code_localspluskinds);
  ABSENT(code_firsttraceable);
  ABSENT(code_code_adaptive);
#else
  ABSENT(code_code);
  ABSENT(code_varnames);
  ABSENT(code_freevars);
  ABSENT(code_cellvars);
  ABSENT(code_cell2arg);
  FIELD(code_qualname, PyCodeObject, co_qualname);
  FIELD(code_nlocalsplus, PyCodeObject, co_nlocalsplus);
  FIELD(code_ncellvars, PyCodeObject, co_ncellvars);
  FIELD(code_nfreevars, PyCodeObject, co_nfreevars);
  FIELD(code_localsplusnames, PyCodeObject, co_localsplusnames);
  FIELD(code_localspluskinds, PyCodeObject, co_localspluskinds);
  FIELD(code_firsttraceable, PyCodeObject, _co_firsttraceable);
  FIELD(code_code_adaptive, PyCodeObject, co_code_adaptive);
#endif
#if AT_LEAST(3, 10)
  FIELD(code_linetable, PyCodeObject, co_linetable);
#else
  FIELD(code_linetable, PyCodeObject, co_lnotab);
#endif
}

static void print_scalars(void) {
  SIZE(ascii_size, PyASCIIObject);
  FIELD(ascii_length, PyASCIIObject, length);
  FIELD(ascii_hash, PyASCIIObject, hash);
  FIELD(ascii_state, PyASCIIObject, state);
#if !AT_LEAST(3, 12)
  FIELD(ascii_wstr, PyASCIIObject, wstr);
#else
  ABSENT(ascii_wstr);
#endif
  SIZE(compact_size, PyCompactUnicodeObject);
  FIELD(compact_utf8_length, PyCompactUnicodeObject, utf8_length);
  FIELD(compact_utf8, PyCompactUnicodeObject, utf8);
  FIELD(unicode_data, PyUnicodeObject, data);
  SIZE(bytes_size, PyBytesObject);
  FIELD(bytes_sval, PyBytesObject, ob_sval);
  SIZE(long_size, PyLongObject);
#if AT_LEAST(3, 12)
  FIELD(long_digit, PyLongObject, long_value.ob_digit);
  FIELD(long_tag, PyLongObject, long_value.lv_tag);
#else
  FIELD(long_digit, PyLongObject, ob_digit);
  ABSENT(long_tag);
#endif
  FIELD(float_fval, PyFloatObject, ob_fval);
}

static void print_containers(void) {
  SIZE(tuple_size, PyTupleObject);
  FIELD(tuple_item, PyTupleObject, ob_item);
  SIZE(list_size, PyListObject);
  FIELD(list_item, PyListObject, ob_item);
  FIELD(list_allocated, PyListObject, allocated);
  SIZE(dict_size, PyDictObject);
  FIELD(dict_used, PyDictObject, ma_used);
  FIELD(dict_keys, PyDictObject, ma_keys);
  FIELD(dict_values, PyDictObject, ma_values);

  SIZE(dictkeys_size, dictkeys_t);
#if AT_LEAST(3, 11)
  FIELD(dictkeys_refcnt, dictkeys_t, dk_refcnt);
  ABSENT(dictkeys_size_field);
  FIELD(dictkeys_log2_size, dictkeys_t, dk_log2_size);
  FIELD(dictkeys_log2_index_bytes, dictkeys_t, dk_log2_index_bytes);
  FIELD(dictkeys_kind, dictkeys_t, dk_kind);
  FIELD(dictkeys_usable, dictkeys_t, dk_usable);
  FIELD(dictkeys_nentries, dictkeys_t, dk_nentries);
  FLEX(dictkeys_indices, dictkeys_t, dk_indices);
#else
  FIELD(dictkeys_refcnt, dictkeys_t, refcount);
  FIELD(dictkeys_size_field, dictkeys_t, size);
  ABSENT(dictkeys_log2_size);
  ABSENT(dictkeys_log2_index_bytes);
  ABSENT(dictkeys_kind);
  FIELD(dictkeys_usable, dictkeys_t, usable);
  FIELD(dictkeys_nentries, dictkeys_t, entries_used);
  FLEX(dictkeys_indices, dictkeys_t, indices);
#endif
  SIZE(dictkeyentry_size, dictentry_t);
#if AT_LEAST(3, 11)
  SIZE(dictunicodeentry_size, PyDictUnicodeEntry);
  FIELD(dictvalues_values, PyDictValues, values);
#else
  ABSENT(dictunicodeentry_size);
  ABSENT(dictvalues_values);
#endif
#if AT_LEAST(3, 13)
  FIELD(dictvalues_capacity, PyDictValues, capacity);
  FIELD(dictvalues_size, PyDictValues, size);
  FIELD(dictvalues_valid, PyDictValues, valid);
  FIELD(dictvalues_embedded, PyDictValues, embedded);
#else
  ABSENT(dictvalues_capacity);
  ABSENT(dictvalues_size);
  ABSENT(dictvalues_valid);
  ABSENT(dictvalues_embedded);
#endif

  SIZE(set_size, PySetObject);
  FIELD(set_fill, PySetObject, fill);
  FIELD(set_used, PySetObject, used);
  FIELD(set_mask, PySetObject, mask);
  FIELD(set_table, PySetObject, table);
  SIZE(setentry_size, setentry);
}

static void print_callables(void) {
#if AT_LEAST(3, 10)
  FIELD(module_dict, module_t, md_dict);
  FIELD(module_name, module_t, md_name);
#else
  FIELD(module_dict, module_t, dict);
  FIELD(module_name, module_t, name);
#endif
  FIELD(func_code, PyFunctionObject, func_code);
  FIELD(func_globals, PyFunctionObject, func_globals);
  FIELD(func_name, PyFunctionObject, func_name);
  FIELD(func_qualname, PyFunctionObject, func_qualname);
  FIELD(func_defaults, PyFunctionObject, func_defaults);
  FIELD(func_kwdefaults, PyFunctionObject, func_kwdefaults);
  FIELD(func_closure, PyFunctionObject, func_closure);
  FIELD(func_doc, PyFunctionObject, func_doc);
  FIELD(func_dict, PyFunctionObject, func_dict);
  FIELD(func_module, PyFunctionObject, func_module);
  FIELD(func_annotations, PyFunctionObject, func_annotations);
#if AT_LEAST(3, 10)
  FIELD(func_builtins, PyFunctionObject, func_builtins);
#else
  ABSENT(func_builtins);
#endif
#if AT_LEAST(3, 12)
  FIELD(func_typeparams, PyFunctionObject, func_typeparams);
#else
  ABSENT(func_typeparams);
#endif
  FIELD(cell_ref, PyCellObject, ob_ref);
  FIELD(method_func, PyMethodObject, im_func);
  FIELD(method_self, PyMethodObject, im_self);
  FIELD(cfunction_ml, PyCFunctionObject, m_ml);
  FIELD(cfunction_self, PyCFunctionObject, m_self);
  FIELD(cfunction_module, PyCFunctionObject, m_module);
  FIELD(descr_type, PyDescrObject, d_type);
  FIELD(descr_name, PyDescrObject, d_name);
  FIELD(descr_qualname, PyDescrObject, d_qualname);
  FIELD(weakref_object, PyWeakReference, wr_object);
  FIELD(weakref_callback, PyWeakReference, wr_callback);

  SIZE(gen_size, PyGenObject);
#if !AT_LEAST(3, 11)
  FIELD(gen_frame, PyGenObject, gi_frame);
#else
  ABSENT(gen_frame);
#endif
#if !AT_LEAST(3, 12)
  FIELD(gen_code, PyGenObject, gi_code);
#else
  ABSENT(gen_code);
#endif
  FIELD(gen_name, PyGenObject, gi_name);
  FIELD(gen_qualname, PyGenObject, gi_qualname);
#if AT_LEAST(3, 7)
  FIELD(gen_exc_state, PyGenObject, gi_exc_state);
#else
  ABSENT(gen_exc_state);
#endif
#if AT_LEAST(3, 11)
  FIELD(gen_frame_state, PyGenObject, gi_frame_state);
  FIELD(gen_iframe, PyGenObject, gi_iframe);
#else
  ABSENT(gen_frame_state);
  ABSENT(gen_iframe);
#endif
}

static void print_exceptions(void) {
  SIZE(exception_size, PyBaseExceptionObject);
  FIELD(exception_dict, PyBaseExceptionObject, dict);
  FIELD(exception_args, PyBaseExceptionObject, args);
#if AT_LEAST(3, 11)
  FIELD(exception_notes, PyBaseExceptionObject, notes);
#else
  ABSENT(exception_notes);
#endif
  FIELD(exception_traceback, PyBaseExceptionObject, traceback);
  FIELD(exception_context, PyBaseExceptionObject, context);
  FIELD(exception_cause, PyBaseExceptionObject, cause);
  FIELD(exception_suppress_context, PyBaseExceptionObject, suppress_context);
  FIELD(traceback_next, PyTracebackObject, tb_next);
  FIELD(traceback_frame, PyTracebackObject, tb_frame);
  FIELD(traceback_lasti, PyTracebackObject, tb_lasti);
  FIELD(traceback_lineno, PyTracebackObject, tb_lineno);
}

static void print_gc(void) {
#ifdef Py_GIL_DISABLED
  /* free-threaded builds keep GC state in ob_gc_bits; there is no list head */
  ABSENT(gc_head_size);
  ABSENT(gc_head_next);
  ABSENT(gc_head_prev);
  ABSENT(gc_head_refs);
#elif AT_LEAST(3, 8)
  SIZE(gc_head_size, PyGC_Head);
  FIELD(gc_head_next, PyGC_Head, _gc_next);
  FIELD(gc_head_prev, PyGC_Head, _gc_prev);
  ABSENT(gc_head_refs);
#else
  SIZE(gc_head_size, PyGC_Head);
  FIELD(gc_head_next, PyGC_Head, gc.gc_next);
  FIELD(gc_head_prev, PyGC_Head, gc.gc_prev);
  FIELD(gc_head_refs, PyGC_Head, gc.gc_refs);
#endif
  SIZE(gc_generation_size, gcgen_t);
#if AT_LEAST(3, 7)
  FIELD(gc_generation_head, gcgen_t, head);
#else
  FIELD(gc_generation_head, gcgen_t, list_head);
#endif
  FIELD(gc_generation_threshold, gcgen_t, threshold);
  FIELD(gc_generation_count, gcgen_t, count);
#if AT_LEAST(3, 7)
  FIELD(gcstate_generations, gcstate_t, generations);
  FIELD(gcstate_permanent_generation, gcstate_t, permanent_generation);
  FIELD(gcstate_collecting, gcstate_t, collecting);
#else
  ABSENT(gcstate_generations);
  ABSENT(gcstate_permanent_generation);
  ABSENT(gcstate_collecting);
#endif

#if AT_LEAST(3, 7)
  FIELD(gil_last_holder, struct _gil_runtime_state, last_holder);
  FIELD(gil_locked, struct _gil_runtime_state, locked);
#else
  ABSENT(gil_last_holder);
  ABSENT(gil_locked);
#endif
}

static void print_pymalloc(void) {
  SIZE(pool_header_size, pool_t);
  SIZE(arena_object_size, arena_t);
#if AT_LEAST(3, 12)
  FIELD(pool_ref, pool_t, ref);
  FIELD(pool_freeblock, pool_t, freeblock);
  FIELD(pool_nextpool, pool_t, nextpool);
  FIELD(pool_arenaindex, pool_t, arenaindex);
  FIELD(pool_szidx, pool_t, szidx);
  FIELD(pool_nextoffset, pool_t, nextoffset);
  FIELD(pool_maxnextoffset, pool_t, maxnextoffset);
  FIELD(arena_address, arena_t, address);
  FIELD(arena_nfreepools, arena_t, nfreepools);
  FIELD(arena_ntotalpools, arena_t, ntotalpools);
  FIELD(obmalloc_usedpools, struct _obmalloc_state, pools.used);
  FIELD(obmalloc_arenas, struct _obmalloc_state, mgmt.arenas);
  FIELD(obmalloc_maxarenas, struct _obmalloc_state, mgmt.maxarenas);
#ifdef WITH_PYMALLOC_RADIX_TREE
  FIELD(obmalloc_arena_map_root, struct _obmalloc_state, usage.arena_map_root);
#else
  ABSENT(obmalloc_arena_map_root);
#endif
#else
  FIELD(pool_ref, pool_t, ref);
  FIELD(pool_freeblock, pool_t, free_list);
  FIELD(pool_nextpool, pool_t, next);
  FIELD(pool_arenaindex, pool_t, arena_index);
  FIELD(pool_szidx, pool_t, size_class);
  FIELD(pool_nextoffset, pool_t, next_offset);
  FIELD(pool_maxnextoffset, pool_t, max_next_offset);
  FIELD(arena_address, arena_t, address);
  FIELD(arena_nfreepools, arena_t, free_pools);
  FIELD(arena_ntotalpools, arena_t, total_pools);
  /* <= 3.11 the allocator state is static variables, found through symbols */
  ABSENT(obmalloc_usedpools);
  ABSENT(obmalloc_arenas);
  ABSENT(obmalloc_maxarenas);
  ABSENT(obmalloc_arena_map_root);
#endif
}

int main(void) {
  print_build();
  print_constants();
  print_objects();
  print_runtime();
  print_interpreter();
  print_thread();
  print_frames();
  print_code();
  print_scalars();
  print_containers();
  print_callables();
  print_exceptions();
  print_gc();
  print_pymalloc();
  return 0;
}
