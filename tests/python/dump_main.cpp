// python_dump CORE [EXECUTABLE]: prints what the python stage finds, for debugging.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "corpus_support.hpp"
#include "pycore/python/analyze.hpp"

using namespace pycore;

namespace {

void print_exception(const report::ExceptionInfo& e, int indent) {
  std::string pad(indent, ' ');
  std::cout << pad << e.state << " " << e.type << ": " << e.message
            << (e.suppress_context ? " [suppress_context]" : "") << "\n";
  if (!e.note.empty()) std::cout << pad << "  note: " << e.note << "\n";
  for (const auto& t : e.traceback)
    std::cout << pad << "  File \"" << t.file << "\", line "
              << (t.line ? std::to_string(*t.line) : "?") << ", in " << t.function << "\n";
  if (e.cause) {
    std::cout << pad << "  __cause__:\n";
    print_exception(*e.cause, indent + 4);
  }
  if (e.context) {
    std::cout << pad << "  __context__:\n";
    print_exception(*e.context, indent + 4);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: python_dump CORE [EXECUTABLE] [--native]\n";
    return 2;
  }
  bool show_native = false;
  std::string exe;
  std::vector<uint64_t> objects;  // --object ADDR: describe these objects
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--native") {
      show_native = true;
    } else if (a == "--object" && i + 1 < argc) {
      objects.push_back(std::stoull(argv[++i], nullptr, 0));
    } else {
      exe = a;
    }
  }
  auto loaded = test::load_core(argv[1], exe);
  if (!loaded->error.empty()) {
    std::cerr << loaded->error << "\n";
    return 1;
  }
  if (!objects.empty()) {
    python::ObjectReader reader(loaded->memory, *loaded->layout);
    const auto& roots = loaded->layout->roots;
    std::cout << std::hex << "roots: runtime=0x" << roots.runtime << " type=0x" << roots.type_type
              << " code=0x" << roots.code_type << " str=0x" << roots.str_type << std::dec << "\n";
    for (uint64_t obj : objects) {
      auto type = reader.type_of(obj);
      auto info = reader.type_info(type.value_or(0));
      std::cout << std::hex << "0x" << obj << ": type=0x" << type.value_or(0) << std::dec
                << " readable=" << info->readable << " valid=" << info->valid
                << " name=" << info->name << " kind=" << python::to_string(reader.kind_of(obj))
                << " repr=" << python::safe_repr(reader, obj) << "\n";
    }
    return 0;
  }
  auto start = std::chrono::steady_clock::now();
  auto result = python::analyze_python(*loaded->core, loaded->memory, *loaded->modules,
                                       *loaded->layout, loaded->native, {});
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (loaded->core->signal)
    std::cout << "siginfo: signo=" << loaded->core->signal->signo
              << " code=" << loaded->core->signal->code
              << " sender=" << loaded->core->signal->sender_pid << "\n";
  for (const auto& t : loaded->core->threads)
    std::cout << "core thread " << t.tid << " cursig=" << t.pending_signal << "\n";
  std::cout << "python " << loaded->layout->build.version_string << ", " << result.interpreters
            << " interpreter(s), analyze_python " << ms << " ms\n";
  for (const auto& w : result.warnings) std::cout << "warning: " << w << "\n";
  for (const auto& t : result.threads) {
    std::cout << "\nThread " << t.tid << " name=" << t.name.value_or("<none>")
              << (t.crashed ? " CRASHED" : "") << (t.holds_gil ? " holds-GIL" : "")
              << (t.gc_collecting ? " gc-collecting" : "") << (t.finalizing ? " finalizing" : "")
              << " interp=" << t.interpreter_id << " tstate=0x" << std::hex << t.thread_state
              << std::dec << "\n";
    for (const auto& f : t.python_frames) {
      std::cout << "  " << f.kind << " " << (f.qualname.empty() ? f.function : f.qualname) << " ("
                << f.file << ":" << (f.line ? std::to_string(*f.line) : "?") << ")\n";
      for (const auto& [name, value] : f.locals)
        std::cout << "      " << name << " = " << value << "\n";
    }
    for (const auto& e : t.exceptions) print_exception(e, 2);
    if (show_native)
      for (const auto& n : t.native_frames)
        std::cout << "  # " << std::hex << "0x" << n.address << std::dec << " " << n.function
                  << (n.is_evaluator ? " [eval: " + std::to_string(n.python_frames_here) + "]" : "")
                  << "\n";
  }
  return 0;
}
