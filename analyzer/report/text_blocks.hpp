// Pieces of text shared by the text and Markdown renderers: Python tracebacks as Python
// prints them, exception chains, native frame lines.
#pragma once

#include <string>
#include <vector>

#include "pycore/report/model.hpp"

namespace pycore::report {

struct Style {
  bool on = false;  // ANSI colours
  std::string bold(const std::string& s) const { return wrap("\x1b[1m", s); }
  std::string red(const std::string& s) const { return wrap("\x1b[1;31m", s); }
  std::string dim(const std::string& s) const { return wrap("\x1b[2m", s); }
  std::string cyan(const std::string& s) const { return wrap("\x1b[36m", s); }
  std::string yellow(const std::string& s) const { return wrap("\x1b[33m", s); }

 private:
  std::string wrap(const char* code, const std::string& s) const {
    return on ? code + s + "\x1b[0m" : s;
  }
};

std::string basename_of(const std::string& path);
std::string native_frame_line(const NativeFrameInfo& n, size_t index, const Style& st);
// "Traceback (most recent call last):" and the frames outermost first.
std::string traceback_text(const std::vector<PythonFrameInfo>& innermost_first, bool source_lines,
                           bool locals, const Style& st);
// The exception with its __cause__/__context__ chain, oldest first, as Python prints it.
std::string exception_text(const ExceptionInfo& e, bool source_lines, const Style& st);

}  // namespace pycore::report
