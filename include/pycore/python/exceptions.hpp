// Exceptions of a thread: the one being raised and the ones being handled
// (sys.exc_info() stack), with tracebacks and bounded __context__/__cause__ chains.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pycore/python/frames.hpp"
#include "pycore/python/objects.hpp"
#include "pycore/report/model.hpp"

namespace pycore::python {

struct ExceptionOptions {
  size_t max_chain_depth = 16;  // __context__ / __cause__ links followed
  size_t max_handled = 64;      // exc_info stack items examined
  size_t max_traceback = 4096;  // traceback entries per exception
  ReprOptions repr;             // for messages built from args
};

class ExceptionReader {
 public:
  ExceptionReader(const ObjectReader& reader, FrameReader& frames, ExceptionOptions options = {});

  // Raised first (if any), then handled ones, innermost first.
  std::vector<report::ExceptionInfo> thread_exceptions(uint64_t tstate);

  // One exception object (normalised), with its chains.
  report::ExceptionInfo describe(uint64_t exc, const std::string& state);

  // str(exc) as Python prints it after the type name.
  std::string message(uint64_t exc);

 private:
  std::optional<report::ExceptionInfo> raised(uint64_t tstate);
  std::vector<report::ExceptionInfo> handled(uint64_t tstate);
  report::ExceptionInfo describe_triple(uint64_t type, uint64_t value, uint64_t traceback,
                                        const std::string& state);
  report::ExceptionInfo describe_chain(uint64_t exc, const std::string& state,
                                       std::vector<uint64_t>& ancestors);
  std::vector<report::TracebackEntry> traceback(uint64_t tb);
  std::string type_name(uint64_t type);

  const ObjectReader& r_;
  FrameReader& frames_;
  ExceptionOptions options_;
};

}  // namespace pycore::python
