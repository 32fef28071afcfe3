// The modules of the crashed process, found by libdwfl from the core, with each module's
// file on disk checked against the build-id the core recorded.
#include "pycore/target/modules.hpp"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "build_id.hpp"
#include "modules_impl.hpp"

namespace pycore::target {

Modules::Impl::~Impl() {
  // libdwfl's Elf handles point into core_bytes and the module files: end them first.
  if (dwfl != nullptr) dwfl_end(dwfl);
  if (core_elf != nullptr) elf_end(core_elf);
}

namespace {

std::vector<std::string> debug_dirs(const ModuleOptions& options) {
  if (!options.debug_dirs.empty()) return options.debug_dirs;
  std::vector<std::string> dirs;
  if (!options.sysroot.empty())
    dirs.push_back(detail::with_sysroot(options.sysroot, "/usr/lib/debug"));
  dirs.push_back("/usr/lib/debug");
  return dirs;
}

std::string debuginfo_path(const std::vector<std::string>& dirs) {
  // The main file's own directory and its .debug subdirectory come first, as in libdwfl's
  // default path; only the global directories are replaced.
  std::string path = ":.debug";
  for (const auto& dir : dirs) path += ":" + dir;
  return path;
}

int collect_module(Dwfl_Module* mod, void**, const char*, Dwarf_Addr, void* arg) {
  static_cast<std::vector<Dwfl_Module*>*>(arg)->push_back(mod);
  return DWARF_CB_OK;
}

// The NT_FILE mapping a module was loaded from: the one of file offset 0 at its lowest
// address.
const FileMapping* module_mapping(const CoreFile& core, uint64_t low, uint64_t high) {
  const FileMapping* best = nullptr;
  auto rank = [](const FileMapping& m) { return std::pair(m.file_offset != 0, m.start); };
  for (const auto& m : core.mappings) {
    if (m.end <= low || m.start >= high) continue;
    if (best == nullptr || rank(m) < rank(*best)) best = &m;
  }
  return best;
}

struct SectionKinds {
  bool symtab = false;
  bool dwarf = false;
};

SectionKinds section_kinds(Elf* elf) {
  SectionKinds kinds;
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return kinds;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr) continue;
    if (shdr.sh_type == SHT_SYMTAB) kinds.symtab = true;
    if (shdr.sh_type != SHT_PROGBITS) continue;  // a stripped file keeps .debug_* as NOBITS
    const char* name = elf_strptr(elf, shstrndx, shdr.sh_name);
    if (name != nullptr &&
        (std::strcmp(name, ".debug_info") == 0 || std::strcmp(name, ".zdebug_info") == 0)) {
      kinds.dwarf = true;
    }
  }
  return kinds;
}

SectionKinds section_kinds_of_file(const char* path) {
  SectionKinds kinds;
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return kinds;
  if (Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr)) {
    kinds = section_kinds(elf);
    elf_end(elf);
  }
  ::close(fd);
  return kinds;
}

// Finds the module's DWARF and full symbol table, in its file or in a separate debug file,
// without loading the DWARF: libdw decompresses every debug section when it opens a file
// (tens of milliseconds for libc or python), and most analyses never need it.
void probe_debug_info(Dwfl_Module* handle, Elf* elf, Module& m) {
  SectionKinds main = section_kinds(elf);
  m.has_symtab = main.symtab;
  m.has_dwarf = main.dwarf;
  if (main.symtab || main.dwarf) return;  // not stripped: no separate debug file expected
  // Reading the symbol table makes libdwfl look for the separate debug file (its .symtab
  // replaces .dynsym); that touches only section headers.
  dwfl_module_getsymtab(handle);
  const char* mainfile = nullptr;
  const char* debugfile = nullptr;
  dwfl_module_info(handle, nullptr, nullptr, nullptr, nullptr, nullptr, &mainfile, &debugfile);
  if (debugfile == nullptr || (mainfile != nullptr && std::strcmp(debugfile, mainfile) == 0)) {
    return;
  }
  m.debug_file = debugfile;
  SectionKinds debug = section_kinds_of_file(debugfile);
  m.has_symtab = debug.symtab;
  m.has_dwarf = debug.dwarf;
}

// Opens the module's ELF through libdwfl (and so our find_elf) and records what it has.
void open_module(Modules::Impl& impl, size_t i) {
  Dwfl_Module* handle = impl.handles[i];
  Module& m = impl.modules[i];
  ModuleFile& file = *impl.files[i];
  GElf_Addr bias = 0;
  Elf* elf = dwfl_module_getelf(handle, &bias);
  if (elf != nullptr) m.bias = bias;
  std::string missing_path;
  if (elf != nullptr && (file.path.empty() || file.status == BuildIdStatus::kFileMissing)) {
    // No NT_FILE entry (an old kernel), or its path is gone: libdwfl opened the file the
    // link_map names. Its build-id is checked like any other file's.
    const char* mainfile = nullptr;
    dwfl_module_info(handle, nullptr, nullptr, nullptr, nullptr, nullptr, &mainfile, nullptr);
    if (mainfile != nullptr && mainfile[0] == '/' && file.path != mainfile) {
      missing_path = file.path;
      detail::examine_file(file, mainfile);
    }
  }
  m.status = file.status;
  if (file.exists) m.file = file.path;
  m.disk_build_id = file.disk_build_id;
  if (m.build_id.empty()) m.build_id = m.disk_build_id;
  if (!missing_path.empty() && file.exists)
    impl.warnings.push_back(missing_path + ": not found; using " + file.path +
                            ", the path the core's link map names");
  if (auto warning = detail::file_warning(file)) impl.warnings.push_back(*warning);
  if (file.status != BuildIdStatus::kMismatch && elf != nullptr) probe_debug_info(handle, elf, m);
}

// Modules libdwfl did not find because their ELF header page is not in the core (a
// truncated core, or a coredump_filter without bit 4): NT_FILE still names them, so report
// each ELF file mapped from offset 0 over the range of its mappings.
void report_modules_from_file_note(Dwfl* dwfl, const CoreFile& core, const std::string& sysroot) {
  std::vector<Dwfl_Module*> known;
  dwfl_getmodules(dwfl, collect_module, &known, 0);
  auto covered = [&](uint64_t address) {
    for (Dwfl_Module* mod : known) {
      Dwarf_Addr low = 0, high = 0;
      dwfl_module_info(mod, nullptr, &low, &high, nullptr, nullptr, nullptr, nullptr);
      if (low <= address && address < high) return true;
    }
    return false;
  };
  bool reporting = false;
  const auto& maps = core.mappings;
  for (size_t i = 0; i < maps.size(); ++i) {
    if (maps[i].file_offset != 0 || covered(maps[i].start)) continue;
    std::string path = detail::with_sysroot(sysroot, detail::without_deleted_suffix(maps[i].path));
    if (!detail::looks_like_elf(path)) continue;  // data files, or not on this machine
    uint64_t end = maps[i].end;
    for (size_t j = i + 1; j < maps.size() && maps[j].path == maps[i].path; ++j) {
      if (maps[j].file_offset == 0) break;  // the same file mapped again
      end = maps[j].end;
    }
    if (!reporting) {
      dwfl_report_begin_add(dwfl);
      reporting = true;
    }
    dwfl_report_module(dwfl, maps[i].path.c_str(), maps[i].start, end);
  }
  if (reporting) dwfl_report_end(dwfl, nullptr, nullptr);
}

}  // namespace

Result<Modules> Modules::load(const CoreFile& core, const ModuleOptions& options) {
  if (!core.file) return Error{ExitCode::kInternal, "Modules::load: the core has no file"};
  auto impl = std::make_unique<Impl>();
  elf_version(EV_CURRENT);
  impl->core_bytes = core.file;
  auto bytes = core.file->bytes();
  impl->core_elf =
      elf_memory(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())), bytes.size());
  if (impl->core_elf == nullptr) {
    return Error{ExitCode::kNotACore, core.file->path() + ": libelf: " + detail::elf_error()};
  }
  impl->debug_dirs = debug_dirs(options);
  impl->cache_dir = options.cache_dir == "-"    ? std::string()
                    : options.cache_dir.empty() ? default_cache_dir()
                                                : options.cache_dir;
  impl->debuginfo_path = debuginfo_path(impl->debug_dirs);
  impl->debuginfo_path_ptr = impl->debuginfo_path.data();
  impl->callbacks.find_elf = detail::find_elf;
  impl->callbacks.find_debuginfo = detail::find_debuginfo;
  impl->callbacks.section_address = dwfl_offline_section_address;
  impl->callbacks.debuginfo_path = &impl->debuginfo_path_ptr;
  impl->dwfl = dwfl_begin(&impl->callbacks);
  if (impl->dwfl == nullptr) {
    return Error{ExitCode::kInternal, std::string("libdwfl: ") + detail::dwfl_error()};
  }

  std::string executable =
      options.executable.empty() ? find_executable(core, options.sysroot) : options.executable;
  dwfl_report_begin(impl->dwfl);
  if (dwfl_core_file_report(impl->dwfl, impl->core_elf,
                            executable.empty() ? nullptr : executable.c_str()) < 0) {
    impl->warnings.push_back(std::string("libdwfl found no modules in the core: ") +
                             detail::dwfl_error());
  }
  if (dwfl_report_end(impl->dwfl, nullptr, nullptr) != 0) {
    return Error{ExitCode::kInternal, std::string("libdwfl: ") + detail::dwfl_error()};
  }

  report_modules_from_file_note(impl->dwfl, core, options.sysroot);
  dwfl_getmodules(impl->dwfl, collect_module, &impl->handles, 0);
  auto low_of = [](Dwfl_Module* mod) {
    Dwarf_Addr low = 0;
    dwfl_module_info(mod, nullptr, &low, nullptr, nullptr, nullptr, nullptr, nullptr);
    return low;
  };
  std::sort(impl->handles.begin(), impl->handles.end(),
            [&](Dwfl_Module* a, Dwfl_Module* b) { return low_of(a) < low_of(b); });

  auto entry = core.auxv_value(AT_ENTRY);
  for (Dwfl_Module* handle : impl->handles) {
    Module m;
    void** userdata = nullptr;
    const char* name =
        dwfl_module_info(handle, &userdata, &m.low, &m.high, nullptr, nullptr, nullptr, nullptr);
    const FileMapping* mapping = module_mapping(core, m.low, m.high);
    m.name = mapping ? mapping->path : (name ? name : "");
    m.is_main = entry && m.low <= *entry && *entry < m.high;
    m.build_id = detail::build_id_in_core(core, m.low).value_or("");

    auto file = std::make_unique<ModuleFile>();
    file->core_build_id = m.build_id;
    file->debug_dirs = &impl->debug_dirs;
    if (m.is_main && !executable.empty()) {
      detail::examine_file(*file, executable);  // the user's choice, or what NT_FILE names
    } else if (mapping != nullptr) {
      detail::examine_file(
          *file,
          detail::with_sysroot(options.sysroot, detail::without_deleted_suffix(mapping->path)));
    }  // else no file (the vDSO): libdwfl read its image from the core
    *userdata = file.get();
    impl->modules.push_back(std::move(m));
    impl->files.push_back(std::move(file));
  }
  for (size_t i = 0; i < impl->handles.size(); ++i) open_module(*impl, i);
  impl->symbols.resize(impl->modules.size());
  return Modules(std::move(impl));
}

Modules::Modules(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Modules::~Modules() = default;
Modules::Modules(Modules&&) noexcept = default;
Modules& Modules::operator=(Modules&&) noexcept = default;

const std::vector<Module>& Modules::list() const {
  return impl_->modules;
}

const Module* Modules::main() const {
  for (const auto& m : impl_->modules) {
    if (m.is_main) return &m;
  }
  return nullptr;
}

int Modules::index_of(uint64_t address) const {
  const auto& mods = impl_->modules;
  auto it = std::upper_bound(mods.begin(), mods.end(), address,
                             [](uint64_t a, const Module& m) { return a < m.low; });
  if (it == mods.begin()) return -1;
  --it;
  return address < it->high ? static_cast<int>(it - mods.begin()) : -1;
}

const Module* Modules::containing(uint64_t address) const {
  int i = index_of(address);
  return i < 0 ? nullptr : &impl_->modules[i];
}

std::shared_ptr<const MappedFile> Modules::trusted_file(int module) const {
  if (module < 0 || static_cast<size_t>(module) >= impl_->files.size()) return nullptr;
  return impl_->files[module]->bytes;
}

const std::vector<std::string>& Modules::warnings() const {
  return impl_->warnings;
}

}  // namespace pycore::target
