// The report: everything the analysis found, as plain data. Knows nothing of ELF or
// CPython structs; renderers (text, JSON, Markdown) read only this.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pycore::report {

struct PythonInfo {
  std::string version;  // "3.11.7", empty when unknown
  std::string build;    // "release" | "debug"
  bool free_threaded = false;
  std::string layout_source;  // "debug-offsets" | "dwarf" | "builtin"
  std::string identified_by;
  std::string library;  // module that holds the runtime (libpython or executable)
};

struct ProcessInfo {
  std::optional<int64_t> pid;
  std::string executable;
  std::string command_line;
};

// The native frame nearest the crash outside the interpreter, libc and the loader: the
// extension module to look at first.
struct Blame {
  std::string module;    // path
  std::string function;  // empty when no symbol covers the frame
  std::string build_id;
};

struct CrashInfo {
  int signal = 0;
  std::string signal_name;         // "SIGSEGV"
  std::string signal_description;  // "Segmentation fault"
  int code = 0;
  std::string code_name;  // "SEGV_MAPERR", "SI_TKILL", ...
  std::optional<uint64_t> fault_address;
  int64_t thread = 0;   // tid
  std::string summary;  // one sentence
  std::optional<Blame> blame;
};

struct NativeFrameInfo {
  uint64_t address = 0;
  std::string function;        // empty when unknown
  std::string module;          // path, empty when unknown
  uint64_t offset = 0;         // from function start (or module start when no function)
  bool is_evaluator = false;   // a CPython eval-loop frame (Python frames merge here)
  int python_frames_here = 0;  // how many Python frames this evaluator frame runs
};

struct PythonFrameInfo {
  std::string function;
  std::string qualname;  // empty when the version has none
  std::string file;
  std::optional<int> line;
  std::string kind;  // "function" | "generator" | "coroutine" | "module" | "class"
  std::vector<std::pair<std::string, std::string>> locals;  // name, safe repr (in order)
  bool locals_read = false;
  uint64_t frame_address = 0;
  uint64_t code_address = 0;
  std::string source_line;  // from the file on disk, when readable
};

struct TracebackEntry {
  std::string file;
  std::optional<int> line;
  std::string function;
  std::string source_line;  // from the file on disk, when readable (text output only)
};

struct ExceptionInfo {
  std::string state;  // "raised" | "handled"
  std::string type;
  std::string message;
  uint64_t address = 0;
  std::vector<TracebackEntry> traceback;  // outermost first, like Python prints it
  std::shared_ptr<ExceptionInfo> context;
  std::shared_ptr<ExceptionInfo> cause;
  bool suppress_context = false;
  std::string note;  // e.g. "handled exception still set on an idle thread"
};

struct ThreadInfo {
  int64_t tid = 0;
  std::optional<std::string> name;
  bool crashed = false;
  bool holds_gil = false;
  bool gc_collecting = false;
  bool finalizing = false;
  int64_t interpreter_id = 0;
  uint64_t thread_state = 0;                   // PyThreadState address, 0 for threads without one
  std::vector<PythonFrameInfo> python_frames;  // innermost first
  std::vector<NativeFrameInfo> native_frames;  // innermost first
  std::vector<ExceptionInfo> exceptions;       // raised first, then handled, innermost first
  std::string unwind_error;
};

struct ModuleInfo {
  std::string path;
  bool interpreter = false;  // the executable or the library that holds the runtime
  std::string build_id;
  std::string build_id_status;  // "match" | "mismatch" | "missing" | "unknown"
  uint64_t load_address = 0;
  bool debug_info = false;
};

struct ObjectRef {
  uint64_t address = 0;
  std::string type;
  std::optional<int64_t> refcount;
};

struct ParentRef {
  uint64_t address = 0;
  std::string type;
  std::string slot;           // "[3]", "['key']", ".attr", "__dict__['x']", "tp_mro[1]"
  bool conservative = false;  // found by a conservative scan, not an exact traverse
};

struct Finding {
  std::string check;     // "refcount-underflow", ...
  std::string severity;  // "error" | "warning" | "info"
  ObjectRef object;
  std::vector<ParentRef> parents;
  int64_t count = 1;
  std::string message;
  std::vector<uint64_t> examples;
};

struct GcTypeStat {
  std::string type;
  int64_t count = 0;
  int64_t bytes = 0;
};

struct GcSummary {
  int64_t objects = 0;
  int64_t bytes = 0;
  std::vector<GcTypeStat> types;
  struct Generation {
    std::string name;
    int64_t objects = 0;
    int64_t bytes = 0;
  };
  std::vector<Generation> generations;
};

struct Report {
  std::string core_path;
  PythonInfo python;
  ProcessInfo process;
  std::optional<CrashInfo> crash;   // nullopt for a live snapshot
  std::vector<ThreadInfo> threads;  // the crashing thread first
  std::vector<ModuleInfo> modules;
  std::optional<GcSummary> gc;
  std::vector<Finding> findings;  // most severe first
  std::string heap_headline;      // the most severe finding in one sentence
  std::optional<std::string> signature;
  std::vector<std::string> signature_frames;  // what the signature was built from
  std::vector<std::string> warnings;
  int exit_code = 0;
};

}  // namespace pycore::report
