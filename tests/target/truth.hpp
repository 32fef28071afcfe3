// What the target stage can check against a corpus scenario's truth.json.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pycore::target::testing {

// The truth file's crashed_tid and signal, when the scenario crashed, and its threads.
struct Truth {
  std::optional<int> crashed_tid;
  std::optional<int> signal;
  std::vector<int> tids;
};
Truth read_truth(const std::string& path);

}  // namespace pycore::target::testing
