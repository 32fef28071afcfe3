// The built-in tables: layouts/<minor>.<abi>.txt, embedded by layouts/CMakeLists.txt.
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "embedded_tables.hpp"
#include "pycore/layout/sources.hpp"

namespace pycore::layout {
namespace {

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

template <class T>
bool parse_number(std::string_view s, T& out, int base = 10) {
  if (base == 16 && s.starts_with("0x")) s.remove_prefix(2);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && ptr == s.data() + s.size();
}

Error table_error(std::string_view name, size_t line_no, std::string_view what) {
  return Error{ExitCode::kInternal, "built-in layout table " + std::string(name) + ", line " +
                                        std::to_string(line_no) + ": " + std::string(what)};
}

constexpr std::string_view kSuffix = ".txt";

}  // namespace

std::optional<int64_t> BuiltinTable::constant(std::string_view key) const {
  for (const auto& [k, v] : constants) {
    if (k == key) return v;
  }
  return std::nullopt;
}

Result<BuiltinTable> parse_builtin_table(std::string_view name, std::string_view text) {
  BuiltinTable table;
  table.name = std::string(name);
  std::bitset<kFieldCount> seen;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_no;
    if (line.starts_with('#')) continue;
    std::vector<std::string_view> w = split_words(line);
    if (w.empty()) continue;
    if (w[0] == "python") {
      if (w.size() != 3 || !parse_number(w[2], table.hexversion, 16))
        return table_error(name, line_no, "bad python line");
      table.version = std::string(w[1]);
      table.major = static_cast<int>(table.hexversion >> 24);
      table.minor = static_cast<int>((table.hexversion >> 16) & 0xff);
    } else if (w[0] == "abi") {
      if (w.size() < 2) return table_error(name, line_no, "bad abi line");
      table.abi = std::string(w[1]);
      bool ft = false;
      for (size_t i = 2; i < w.size(); ++i) {
        if (w[i] == "trace_refs") table.abi += "-trace-refs";
        if (w[i] == "free_threaded") ft = true;
      }
      if (ft) table.abi = "ft-" + table.abi;
    } else if (w[0] == "const") {
      int64_t v = 0;
      if (w.size() != 3 || !parse_number(w[2], v))
        return table_error(name, line_no, "bad const line");
      table.constants.emplace_back(std::string(w[1]), v);
    } else {
      std::optional<F> f = field_by_id(w[0]);
      if (!f) return table_error(name, line_no, "unknown field " + std::string(w[0]));
      size_t i = static_cast<size_t>(*f);
      if (seen[i]) return table_error(name, line_no, "field listed twice");
      seen[i] = true;
      if (w.size() == 2 && w[1] == "absent") continue;
      FieldLoc loc;
      if (w.size() != 3 || !parse_number(w[1], loc.offset) || !parse_number(w[2], loc.size) ||
          loc.offset < 0)
        return table_error(name, line_no, "bad field line");
      loc.source = Source::kBuiltin;
      table.fields[i] = loc;
    }
  }
  if (table.version.empty() || table.abi.empty())
    return table_error(name, line_no, "no python/abi line");
  if (!seen.all()) {
    for (size_t i = 0; i < kFieldCount; ++i) {
      if (!seen[i])
        return table_error(name, line_no,
                           "field " + std::string(field_info(static_cast<F>(i)).id) +
                               " not listed (regenerate with layouts/generate)");
    }
  }
  return table;
}

std::vector<std::string> builtin_table_names() {
  std::vector<std::string> names;
  for (const embedded::Table& t : embedded::tables()) {
    std::string_view n = t.name;
    if (n.ends_with(kSuffix)) n.remove_suffix(kSuffix.size());
    names.emplace_back(n);
  }
  return names;
}

std::optional<BuiltinTable> find_builtin_table(int major, int minor, std::string_view abi) {
  std::string wanted = std::to_string(major) + "." + std::to_string(minor) + "." +
                       std::string(abi) + std::string(kSuffix);
  for (const embedded::Table& t : embedded::tables()) {
    if (t.name != wanted) continue;
    Result<BuiltinTable> parsed = parse_builtin_table(
        std::string_view(t.name).substr(0, t.name.size() - kSuffix.size()), t.text);
    // Embedded tables are tested at build time (layout_tests); a bad one is unusable.
    if (!parsed) return std::nullopt;
    return std::move(parsed).value();
  }
  return std::nullopt;
}

std::string abi_name(const PythonBuild& build) {
  std::string name = build.debug ? "debug" : "release";
  // 3.6/3.7 debug builds always trace references; the tables of such builds say so too.
  if (build.trace_refs) name += "-trace-refs";
  if (build.free_threaded) name = "ft-" + name;
  return name;
}

}  // namespace pycore::layout
