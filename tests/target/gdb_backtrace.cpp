#include "gdb_backtrace.hpp"

#include <sys/stat.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

namespace pycore::target::testing {
namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::vector<GdbFrame> parse_gdb_backtrace(const std::string& output) {
  // "#12 0x00007f0db50508e4 in _PyEval_EvalFrame (...) at ..." or "#13 _PyEval_Vector (..."
  std::vector<GdbFrame> frames;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() < 2 || line[0] != '#' || !std::isdigit(static_cast<unsigned char>(line[1]))) {
      continue;
    }
    size_t pos = 1;
    while (pos < line.size() && std::isdigit(static_cast<unsigned char>(line[pos]))) ++pos;
    std::string number = line.substr(1, pos - 1);
    while (pos < line.size() && line[pos] == ' ') ++pos;
    std::optional<uint64_t> pc;
    if (line.compare(pos, 2, "0x") == 0) {
      size_t end = line.find(" in ", pos);
      if (end == std::string::npos) continue;
      pc = std::stoull(line.substr(pos, end - pos), nullptr, 16);
      pos = end + 4;
    }
    std::string rest = line.substr(pos);
    std::string name = rest.substr(0, rest.find(" ("));
    if (name.rfind("<signal handler called>", 0) == 0) name = "<signal handler called>";
    // gdb prints frame #0 once when it loads the core, then the whole backtrace.
    if (number == "0") frames.clear();
    if (pc || frames.empty()) frames.push_back(GdbFrame{pc, {}});
    frames.back().names.push_back(name);
  }
  return frames;
}

std::string run_gdb_backtrace(const std::string& exe, const std::string& core,
                              const std::string& cache_dir) {
  struct stat st {};
  ::stat(core.c_str(), &st);
  std::string key = core + "|" + exe + "|" + std::to_string(st.st_size) + "|" +
                    std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  std::string cached = cache_dir + "/" + std::to_string(std::hash<std::string>{}(key)) + ".txt";
  {
    std::ifstream in(cached);
    if (in) return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string command = "gdb -batch -nx -iex 'set debuginfod enabled off' -ex bt " +
                        shell_quote(exe) + " " + shell_quote(core) + " 2>/dev/null";
  std::string output;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
    ::pclose(pipe);
  }
  if (output.find("\n#0") != std::string::npos || output.rfind("#0", 0) == 0) {
    std::filesystem::create_directories(cache_dir);
    std::ofstream(cached) << output;
  }
  return output;
}

}  // namespace pycore::target::testing
