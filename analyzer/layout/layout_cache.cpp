// On-disk cache of DWARF-derived layouts, one small text file per build-id, so that the
// second analysis of a build skips DWARF entirely. The cache is an optimisation only:
// anything unexpected in a file (wrong magic, build-id, field list, syntax) makes it
// ignored, and failing to write it is not an error.
#include <unistd.h>

#include <bitset>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include "pycore/layout/sources.hpp"

namespace pycore::layout {
namespace {

constexpr std::string_view kMagic = "pycore-layout-cache 1";

bool plausible_build_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::filesystem::path cache_file(const std::string& dir, std::string_view build_id) {
  return std::filesystem::path(dir) / (std::string(build_id) + ".layout");
}

// The next space-separated word of `rest`, consumed; empty at the end.
std::string_view next_word(std::string_view& rest) {
  size_t start = rest.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  size_t end = rest.find(' ', start);
  std::string_view word = rest.substr(start, end - start);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  return word;
}

template <typename T>
bool parse_number(std::string_view text, T& value) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::optional<DwarfLayout> load_cached_layout(const std::string& dir, std::string_view build_id) {
  if (dir.empty() || !plausible_build_id(build_id)) return std::nullopt;
  std::ifstream in(cache_file(dir, build_id));
  if (!in) return std::nullopt;
  DwarfLayout out;
  std::string line;
  if (!std::getline(in, line) || line != kMagic) return std::nullopt;
  std::string key;
  uint64_t fingerprint = 0;
  if (!std::getline(in, line)) return std::nullopt;
  std::istringstream(line) >> key >> std::hex >> fingerprint;
  if (key != "fields" || fingerprint != fields_fingerprint()) return std::nullopt;
  if (!std::getline(in, line) || line != "build-id " + std::string(build_id)) return std::nullopt;
  if (!std::getline(in, line) || !line.starts_with("file ")) return std::nullopt;
  out.file = line.substr(5);
  if (!std::getline(in, line)) return std::nullopt;
  std::istringstream units(line);
  units >> key >> out.units_parsed >> out.units_total >> out.full_scan;
  if (key != "units" || !units) return std::nullopt;

  // The field lines are read with string_views and from_chars: this runs on every warm
  // analysis, and one istringstream per line cost about a tenth of a stacks-only report.
  std::bitset<kFieldCount> seen;
  size_t expected = 0;  // files are written in field order: try that field's id first
  while (std::getline(in, line)) {
    if (line == "end") {
      if (!seen.all()) return std::nullopt;
      out.from_cache = true;
      return out;
    }
    std::string_view rest = line;
    std::string_view id = next_word(rest), what = next_word(rest), size = next_word(rest);
    std::optional<F> f;
    if (expected < kFieldCount && field_info(static_cast<F>(expected)).id == id)
      f = static_cast<F>(expected);
    else
      f = field_by_id(id);
    if (!f || seen[static_cast<size_t>(*f)] || !next_word(rest).empty()) return std::nullopt;
    size_t i = static_cast<size_t>(*f);
    expected = i + 1;
    seen[i] = true;
    if (what == "unknown") continue;
    out.known[i] = true;
    if (what == "absent") continue;
    FieldLoc loc;
    if (!parse_number(what, loc.offset) || !parse_number(size, loc.size) || loc.offset < 0)
      return std::nullopt;
    loc.source = Source::kDwarf;
    out.fields[i] = loc;
  }
  return std::nullopt;  // no "end": a truncated file
}

bool store_cached_layout(const std::string& dir, std::string_view build_id,
                         const DwarfLayout& layout) {
  if (dir.empty() || dir == "-" || !plausible_build_id(build_id)) return false;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return false;
  std::filesystem::path final_path = cache_file(dir, build_id);
  std::filesystem::path tmp = final_path;
  // --batch analyses cores on several threads: the temporary name is per thread.
  tmp += ".tmp." + std::to_string(::getpid()) + "." +
         std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  {
    std::ofstream out(tmp);
    if (!out) return false;
    out << kMagic << "\n";
    out << "fields " << std::hex << fields_fingerprint() << std::dec << "\n";
    out << "build-id " << build_id << "\n";
    out << "file " << layout.file << "\n";
    out << "units " << layout.units_parsed << " " << layout.units_total << " " << layout.full_scan
        << "\n";
    for (size_t i = 0; i < kFieldCount; ++i) {
      out << field_info(static_cast<F>(i)).id << " ";
      const FieldLoc& f = layout.fields[i];
      if (f.present()) {
        out << f.offset << " " << f.size << "\n";
      } else {
        out << (layout.known[i] ? "absent" : "unknown") << "\n";
      }
    }
    out << "end\n";
    if (!out.flush()) {
      std::filesystem::remove(tmp, ec);
      return false;
    }
  }
  std::filesystem::rename(tmp, final_path, ec);
  if (!ec) return true;
  std::error_code ignored;
  std::filesystem::remove(tmp, ignored);
  return false;
}

}  // namespace pycore::layout
