// Python stacks of thread states, innermost first, for every FrameChain model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pycore/python/objects.hpp"
#include "pycore/python/repr.hpp"
#include "pycore/report/model.hpp"

namespace pycore::python {

class CodeCache;
struct CodeSummary;

struct FrameOptions {
  bool locals = true;
  ReprOptions repr;
  size_t max_frames = 4096;  // per thread
  size_t max_locals = 256;   // per frame
};

struct PythonStack {
  std::vector<report::PythonFrameInfo> frames;  // innermost first
  // How many of `frames` each C-level evaluator call runs, innermost call first: one per
  // frame up to 3.10, one per is_entry run (3.11) or per shim frame (3.12+).
  std::vector<int> per_evaluator;
  bool truncated = false;  // stopped at max_frames
  std::vector<std::string> warnings;
};

class FrameReader {
 public:
  FrameReader(const ObjectReader& reader, FrameOptions options);
  ~FrameReader();
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  PythonStack thread_stack(uint64_t tstate);

  // For tracebacks: the code object run by a PyFrameObject (<= 3.10 f_code, 3.11+ through
  // f_frame), 0 when unreadable.
  uint64_t frame_object_code(uint64_t frame_object) const;
  // name/file/line of `code` at `byte_offset` (PyCode_Addr2Line semantics).
  struct Location {
    std::string function;
    std::string file;
    std::optional<int> line;
  };
  std::optional<Location> locate(uint64_t code, int64_t byte_offset);

  // The bound locals of a frame (PythonFrameInfo::frame_address: a PyFrameObject up to
  // 3.10, a _PyInterpreterFrame from 3.11), cells dereferenced, in co_varnames /
  // co_localsplusnames order; class bodies: their namespace dict.
  struct LocalRef {
    std::string name;
    uint64_t object = 0;
  };
  std::vector<LocalRef> frame_locals(uint64_t frame_address);

  const ObjectReader& reader() const { return r_; }

 private:
  struct Walk;
  void walk_frame_objects(uint64_t frame, Walk& w);
  void walk_interpreter_frames(uint64_t frame, Walk& w);
  // Where a frame keeps its code and variables, for either frame model.
  struct Slots {
    uint64_t code = 0;
    uint64_t localsplus = 0;   // first fast-locals slot
    uint64_t locals_dict = 0;  // f_locals
    uint64_t globals = 0;
  };
  Slots frame_slots(uint64_t frame) const;
  bool add_frame(Walk& w, uint64_t frame, const Slots& slots, int64_t byte_offset,
                 uint64_t generator);
  std::vector<LocalRef> local_objects(const CodeSummary& code, const Slots& slots);

  const ObjectReader& r_;
  FrameOptions options_;
  std::unique_ptr<CodeCache> codes_;
};

}  // namespace pycore::python
