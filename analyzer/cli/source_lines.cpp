#include "source_lines.hpp"

#include <fstream>

namespace pycore::cli {
namespace {

// Sources of a crashed program are normally small; a huge or binary file is not shown.
constexpr size_t kMaxFileBytes = 8 << 20;
constexpr size_t kMaxLineChars = 300;

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path, std::ios::binary);
  if (!in) return lines;
  size_t total = 0;
  std::string text;
  while (std::getline(in, text)) {
    total += text.size() + 1;
    if (total > kMaxFileBytes) return {};
    lines.push_back(std::move(text));
  }
  return lines;
}

std::string strip(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\f\v");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\f\v");
  std::string out = s.substr(b, e - b + 1);
  if (out.size() > kMaxLineChars) out = out.substr(0, kMaxLineChars) + "...";
  return out;
}

}  // namespace

std::string SourceLines::line(const std::string& file, int line) {
  // "<frozen importlib._bootstrap>", "<string>": no file behind them.
  if (file.empty() || file.front() == '<' || line <= 0) return "";
  auto it = files_.find(file);
  if (it == files_.end()) it = files_.emplace(file, read_lines(sysroot_ + file)).first;
  const auto& lines = it->second;
  if (static_cast<size_t>(line) > lines.size()) return "";
  return strip(lines[line - 1]);
}

}  // namespace pycore::cli
