#include "corpus_support.hpp"

namespace pycore::test {

std::unique_ptr<LoadedCore> load_core(const std::string& core_path, const std::string& executable,
                                      size_t max_native_frames) {
  auto out = std::make_unique<LoadedCore>();
  auto core = target::load_core(core_path);
  if (!core) {
    out->error = "load_core: " + core.error().message;
    return out;
  }
  out->core = std::move(core.value());
  target::ModuleOptions mopts;
  mopts.executable = executable;
  auto modules = target::Modules::load(*out->core, mopts);
  if (!modules) {
    out->error = "Modules::load: " + modules.error().message;
    return out;
  }
  out->modules.emplace(std::move(modules.value()));
  out->memory = target::AddressSpace::build(*out->core, *out->modules);
  out->native = target::unwind_all_threads(*out->core, *out->modules, max_native_frames);
  layout::LayoutOptions lopts;
  lopts.cache_dir.assign(1, '-');  // "no cache"; not = "-": GCC 12 -Wrestrict false positive
  auto layout = layout::resolve_layout(out->memory, *out->modules, lopts);
  if (!layout) {
    out->error = "resolve_layout: " + layout.error().message;
    return out;
  }
  out->layout = std::move(layout.value());
  return out;
}

}  // namespace pycore::test
