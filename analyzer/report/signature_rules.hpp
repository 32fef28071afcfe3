// The data behind signatures and blame: which frames say nothing about a crash. Kept as
// plain lists (the idea of Socorro's prefix/irrelevant lists) so they can grow without code.
#pragma once

#include <string_view>

namespace pycore::report::rules {

// CPython's evaluator and call machinery: present in every Python crash, never the cause.
inline constexpr std::string_view kIrrelevantFunctionPrefixes[] = {
    "_PyEval_",
    "PyEval_",
    "_PyObject_Call",
    "_PyObject_MakeTpCall",
    "_PyObject_Vectorcall",
    "PyObject_Call",
    "PyObject_Vectorcall",
    "_PyFunction_Vectorcall",
    "_PyFunction_FastCall",
    "function_code_fastcall",
    "_PyCFunction_FastCall",
    "cfunction_call",
    "cfunction_vectorcall",
    "method_vectorcall",
    "call_function",
    "do_call_core",
    "slot_tp_call",
    "vectorcall_method",
    "_PyVectorcall_Call",
    "PyVectorcall_Call",
    "object_vacall",
    "fast_function",
    "_Py_RunMain",
    "Py_RunMain",
    "Py_BytesMain",
    "pymain_",
    "run_mod",
    "run_eval_code_obj",
    "_PyRun_",
    "PyRun_",
    "__libc_start",
    "_start",
    // libffi trampolines between ctypes and the called C function.
    "ffi_call",
    "ffi_call_unix64",
    "ffi_call_int",
};

// Modules whose frames are never blamed: the C library, the loader, threads, libffi.
inline constexpr std::string_view kSystemModulePrefixes[] = {
    "libc.so",  "libc-",     "ld-linux", "ld64.so",  "libpthread", "libm.so",
    "libdl.so", "libffi.so", "librt.so", "libgcc_s", "libstdc++",
};

// CPU-specific variants of libc string functions (IFUNC): the same crash on another CPU
// must give the same signature.
inline constexpr std::string_view kIfuncSuffixes[] = {
    "_avx2_rtm",
    "_evex512",
    "_avx512",
    "_evex",
    "_avx2",
    "_avx",
    "_sse42",
    "_sse4_2",
    "_sse4_1",
    "_ssse3",
    "_sse2_unaligned_erms",
    "_sse2_unaligned",
    "_sse2",
    "_erms",
    "_unaligned",
};

// Python frames of these files are library plumbing; the signature keeps them but prefers
// up to kPythonFrames frames from elsewhere.
inline constexpr size_t kPythonFrames = 3;
inline constexpr size_t kNativeFrames = 2;

}  // namespace pycore::report::rules
