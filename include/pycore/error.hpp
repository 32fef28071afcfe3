// Errors that stop or degrade an analysis, and the process exit codes they map to.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace pycore {

// Exit codes are part of the command-line contract (docs/usage.md); never renumber.
enum class ExitCode : int {
  kOk = 0,                  // analysed, no error-severity finding
  kFindings = 1,            // analysed, at least one error-severity finding
  kUsage = 2,               // bad command line
  kInputUnreadable = 3,     // a named file is missing or cannot be read
  kNotACore = 4,            // not an x86-64 ELF core (or an unknown compression)
  kUnsupportedPython = 5,   // a Python build we cannot analyse (2.7, unknown layout)
  kCoreTruncated = 6,       // core shorter than its headers say; partial report printed
  kExecutableMismatch = 7,  // executable's build-id differs from the core's; partial report
  kNoPython = 8,            // no CPython runtime found in the process
  kInternal = 70,           // a bug in pycore-analyze (EX_SOFTWARE)
};

struct Error {
  ExitCode code = ExitCode::kInternal;
  std::string message;  // one line, names the file or object concerned
};

// A value or the reason there is none. Deliberately tiny: std::expected is C++23.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace pycore
