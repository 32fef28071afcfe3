// resolve_layout: identify the build, then fill every field from the best source:
//   _Py_DebugOffsets (the process describing itself, 3.13+)
//   ▸ DWARF of the python module (exact for this binary; cached by build-id)
//   ▸ the built-in table of the same minor and ABI (generated from headers).
// A field a source does not provide comes from the next one. When DWARF found a struct
// but not a member, the member does not exist in this binary, and no later source may
// invent it. Disagreements between sources are counted in the notes.
#include <bitset>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "pycore/layout/layout.hpp"
#include "pycore/layout/sources.hpp"
#include "symbols.hpp"

namespace pycore::layout {
namespace {

struct Fill {
  Layout& layout;
  std::bitset<kFieldCount> decided;  // present, or known to be absent
};

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string ms(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", v);
  return buf;
}

double elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since)
      .count();
}

std::string list_ids(const std::vector<F>& ids, size_t max = 8) {
  std::string s;
  for (size_t i = 0; i < ids.size() && i < max; ++i)
    s += (i ? ", " : "") + std::string(field_info(ids[i]).id);
  if (ids.size() > max) s += ", ...";
  return s;
}

void apply_debug_offsets(const target::AddressSpace& memory, const target::Modules& modules,
                         Fill& fill) {
  Layout& layout = fill.layout;
  const PythonBuild& b = layout.build;
  size_t block = debug_offsets_block_size(b.minor);
  if (block == 0) return;  // no such block before 3.13
  std::optional<target::Symbol> runtime =
      detail::find_in_module(modules, b.python_module, "_PyRuntime");
  if (!runtime) return;
  std::vector<std::byte> bytes(block);
  if (!memory.read(runtime->address, bytes.data(), bytes.size())) {
    layout.notes.push_back("debug offsets: _PyRuntime at " + hex(runtime->address) +
                           " is not readable");
    return;
  }
  Result<DebugOffsets> parsed = parse_debug_offsets(bytes, runtime->size);
  if (!parsed) {
    layout.notes.push_back("debug offsets: " + parsed.error().message);
    return;
  }
  if (parsed->version != b.hexversion)
    layout.notes.push_back("debug offsets: block version " + hex(parsed->version) +
                           " differs from the identified " + hex(b.hexversion));
  for (const auto& [f, loc] : parsed->fields) {
    layout.fields[static_cast<size_t>(f)] = loc;
    fill.decided[static_cast<size_t>(f)] = true;
  }
  layout.notes.push_back("debug offsets: _Py_DebugOffsets at " + hex(runtime->address) + ", " +
                         std::to_string(parsed->fields.size()) + " fields");
}

std::string cache_dir_of(const LayoutOptions& options) {
  if (options.cache_dir == "-") return {};
  return options.cache_dir.empty() ? target::default_cache_dir() : options.cache_dir;
}

// The DWARF result for the module: from the cache, or read and then cached.
std::optional<DwarfLayout> dwarf_for(const target::Module& module, const LayoutOptions& options,
                                     const std::optional<BuiltinTable>& table,
                                     std::vector<std::string>& notes) {
  const std::string cache_dir = cache_dir_of(options);
  if (!cache_dir.empty() && !module.build_id.empty()) {
    auto start = std::chrono::steady_clock::now();
    if (std::optional<DwarfLayout> cached = load_cached_layout(cache_dir, module.build_id)) {
      cached->milliseconds = elapsed_ms(start);
      return cached;
    }
  }
  std::vector<std::string> candidates;
  if (!module.debug_file.empty()) candidates.push_back(module.debug_file);
  if (!module.file.empty()) candidates.push_back(module.file);
  std::string failures;
  for (const std::string& path : candidates) {
    DwarfOptions dopts;
    if (table) dopts.expected = &table->fields;
    Result<DwarfLayout> read = read_dwarf_layout(path, dopts);
    if (!read) {
      failures += (failures.empty() ? "" : "; ") + read.error().message;
      continue;
    }
    if (read->present() == 0) {
      failures += (failures.empty() ? "" : "; ") + path + " describes none of the structs";
      continue;
    }
    if (!cache_dir.empty() && !module.build_id.empty())
      store_cached_layout(cache_dir, module.build_id, *read);
    return std::move(read).value();
  }
  const std::string& name = module.file.empty() ? module.name : module.file;
  notes.push_back("DWARF: debug info not found for " + name +
                  (failures.empty() ? "" : " (" + failures + ")"));
  return std::nullopt;
}

void apply_dwarf(const target::Modules& modules, const LayoutOptions& options,
                 const std::optional<BuiltinTable>& table, Fill& fill) {
  Layout& layout = fill.layout;
  const target::Module& module = modules.list()[static_cast<size_t>(layout.build.python_module)];
  std::optional<DwarfLayout> dwarf = dwarf_for(module, options, table, layout.notes);
  if (!dwarf) return;
  size_t used = 0;
  std::vector<F> disagree;
  for (size_t i = 0; i < kFieldCount; ++i) {
    const FieldLoc& d = dwarf->fields[i];
    FieldLoc& have = layout.fields[i];
    if (have.present()) {  // from the debug offsets: DWARF only checks it
      if (d.present() && d.offset != have.offset) disagree.push_back(static_cast<F>(i));
      if (d.present() && d.offset == have.offset && have.size == 0) have.size = d.size;
      continue;
    }
    if (d.present()) {
      have = d;
      ++used;
    }
    if (dwarf->known[i]) fill.decided[i] = true;
  }
  std::string how = dwarf->from_cache ? "cached layout of build-id " + module.build_id +
                                            " (read from " + dwarf->file + ")"
                                      : dwarf->file + " (" + std::to_string(dwarf->units_parsed) +
                                            " of " + std::to_string(dwarf->units_total) + " units" +
                                            (dwarf->full_scan ? ", full scan" : "") + ")";
  layout.notes.push_back("DWARF: " + how + ", " + std::to_string(dwarf->present()) + " fields, " +
                         std::to_string(used) + " used, " + ms(dwarf->milliseconds));
  if (!disagree.empty())
    layout.notes.push_back("DWARF: disagrees with the debug offsets on " +
                           std::to_string(disagree.size()) + " fields (" + list_ids(disagree) +
                           "); the debug offsets win");
}

void apply_builtin(const std::optional<BuiltinTable>& table, Fill& fill) {
  Layout& layout = fill.layout;
  const PythonBuild& b = layout.build;
  if (!table) {
    layout.notes.push_back("built-in: no table for " + std::to_string(b.major) + "." +
                           std::to_string(b.minor) + "." + abi_name(b));
    return;
  }
  size_t used = 0;
  std::vector<F> disagree;
  for (size_t i = 0; i < kFieldCount; ++i) {
    const FieldLoc& t = table->fields[i];
    FieldLoc& have = layout.fields[i];
    if (fill.decided[i]) {
      bool differs =
          have.present() != t.present() ||
          (have.present() && (have.offset != t.offset || (have.size != 0 && have.size != t.size)));
      if (differs) disagree.push_back(static_cast<F>(i));
      if (have.present() && t.present() && have.offset == t.offset && have.size == 0)
        have.size = t.size;
      continue;
    }
    if (t.present()) {
      have = t;
      ++used;
    }
  }
  layout.notes.push_back("built-in: table " + table->name + " (from the headers of " +
                         table->version + "), " + std::to_string(used) + " fields used");
  if (!disagree.empty())
    layout.notes.push_back("built-in: table " + table->name + " disagrees on " +
                           std::to_string(disagree.size()) + " fields (" + list_ids(disagree) +
                           "); the earlier source wins");
}

}  // namespace

Result<Layout> resolve_layout(const target::AddressSpace& memory, const target::Modules& modules,
                              const LayoutOptions& options) {
  Layout layout;
  Result<PythonBuild> build = identify_build(memory, modules, layout.notes);
  if (!build) return build.error();
  layout.build = std::move(build).value();

  const PythonBuild& b = layout.build;
  std::optional<BuiltinTable> table = find_builtin_table(b.major, b.minor, abi_name(b));
  Fill fill{layout, {}};
  if (options.use_debug_offsets) apply_debug_offsets(memory, modules, fill);
  if (options.use_dwarf) apply_dwarf(modules, options, table, fill);
  if (options.use_builtin) apply_builtin(table, fill);

  size_t present = 0;
  for (const FieldLoc& f : layout.fields) present += f.present();
  if (present == 0)
    return Error{ExitCode::kUnsupportedPython,
                 "no layout for Python " + b.version_string + " " + abi_name(b) +
                     ": no usable _Py_DebugOffsets, no DWARF and no built-in table"};

  layout.models = models_for(b);
  layout.constants = constants_for(b);
  layout.roots = find_roots(memory, modules, b);
  return layout;
}

}  // namespace pycore::layout
