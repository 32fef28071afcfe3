// Which OS thread runs a thread state, and what the threading module calls it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "pycore/python/objects.hpp"
#include "pycore/python/runtime.hpp"
#include "pycore/target/core_file.hpp"

namespace pycore::python {

// Index into core.threads of the thread running `tstate`: by native_thread_id (3.11+),
// else by thread_id, which is pthread_self() = the thread's fs_base on x86-64 glibc.
std::optional<size_t> core_thread_for(const ThreadStateInfo& tstate, const target::CoreFile& core);

// Thread names by threading ident (pthread_self), from sys.modules['threading']._active
// (ident -> Thread) and each Thread's `_name` attribute, like py-spy. Empty when the
// threading module was never imported or cannot be read.
std::unordered_map<uint64_t, std::string> thread_names(const ObjectReader& reader,
                                                       uint64_t modules_dict,
                                                       size_t max_threads = 4096);

}  // namespace pycore::python
