// Loading corpus cores through the real target and layout stages, for integration tests.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "manifest.hpp"
#include "pycore/layout/layout.hpp"
#include "pycore/target/address_space.hpp"
#include "pycore/target/core_file.hpp"
#include "pycore/target/modules.hpp"
#include "pycore/target/native_stack.hpp"

namespace pycore::test {

struct LoadedCore {
  std::optional<target::CoreFile> core;
  std::optional<target::Modules> modules;
  target::AddressSpace memory;
  std::vector<target::NativeThread> native;
  std::optional<layout::Layout> layout;
  std::string error;  // empty when everything loaded
};

// Loads a core with the given executable (empty: found from the core).
std::unique_ptr<LoadedCore> load_core(const std::string& core_path, const std::string& executable,
                                      size_t max_native_frames = 1024);

}  // namespace pycore::test
