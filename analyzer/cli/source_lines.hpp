// Source lines for Python frames, read from the files on this machine (under --sysroot).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pycore::cli {

class SourceLines {
 public:
  explicit SourceLines(std::string sysroot) : sysroot_(std::move(sysroot)) {}
  // The stripped text of line `line` (1-based), or "" when the file or line is unreadable.
  std::string line(const std::string& file, int line);

 private:
  std::string sysroot_;
  std::map<std::string, std::vector<std::string>> files_;  // empty vector: unreadable
};

}  // namespace pycore::cli
