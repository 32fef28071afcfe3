#include "batch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "pipeline.hpp"
#include "pycore/report/render.hpp"

namespace pycore::cli {
namespace {

namespace fs = std::filesystem;

// Directories from systemd-coredump or a crash collector can be deep; the limit keeps a
// mistaken "/" from walking the whole machine.
constexpr int kMaxDepth = 4;

struct Item {
  std::string path;
  fs::file_time_type mtime{};
  Outcome outcome;
};

// Inside directories only files that look like cores are taken (ELF, or a compression
// format the analyzer reads); a file named on the command line always gets its row.
bool looks_like_core(const fs::path& p) {
  unsigned char magic[18] = {};
  FILE* f = std::fopen(p.c_str(), "rb");
  if (!f) return false;
  size_t n = std::fread(magic, 1, sizeof magic, f);
  std::fclose(f);
  auto is = [&](std::initializer_list<unsigned char> m) {
    return n >= m.size() && std::equal(m.begin(), m.end(), magic);
  };
  // ELF: only ET_CORE (e_type 4, little endian), not the extension modules beside a core.
  return (is({0x7f, 'E', 'L', 'F'}) && n >= 18 && magic[16] == 4 && magic[17] == 0) ||
         is({0x28, 0xb5, 0x2f, 0xfd}) || is({0x04, 0x22, 0x4d, 0x18}) ||
         is({0xfd, '7', 'z', 'X', 'Z', 0x00});
}

void collect(const fs::path& p, int depth, std::vector<Item>& items) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    if (depth >= kMaxDepth) return;
    std::vector<fs::path> children;
    for (const auto& entry : fs::directory_iterator(p, ec)) children.push_back(entry.path());
    std::sort(children.begin(), children.end());
    for (const auto& c : children) collect(c, depth + 1, items);
    return;
  }
  // A named file that does not exist still gets its row (with its error).
  if (depth > 0 && (!fs::is_regular_file(p, ec) || !looks_like_core(p))) return;
  Item item;
  item.path = p.string();
  item.mtime = fs::last_write_time(p, ec);
  items.push_back(std::move(item));
}

// A row for a core that could not be analysed: the report model with just the error.
void ensure_report(Item& item) {
  auto& r = item.outcome.report;
  if (r.core_path.empty()) {
    r.core_path = item.path;
    if (!item.outcome.fatal.empty()) r.warnings.push_back(item.outcome.fatal);
  }
  r.exit_code = static_cast<int>(item.outcome.exit);
}

std::string group_key(const Item& item) {
  const auto& r = item.outcome.report;
  if (r.signature) return *r.signature;
  return "error: " + (item.outcome.fatal.empty() ? std::string("no report") : item.outcome.fatal);
}

void print_table(const std::vector<Item>& items, std::ostream& out) {
  struct Group {
    std::vector<const Item*> items;
    std::set<std::string> versions;
  };
  std::map<std::string, Group> groups;
  for (const auto& item : items) {
    auto& g = groups[group_key(item)];
    g.items.push_back(&item);
    if (!item.outcome.report.python.version.empty())
      g.versions.insert(item.outcome.report.python.version);
  }
  std::vector<std::pair<std::string, Group*>> ordered;
  for (auto& [key, g] : groups) ordered.emplace_back(key, &g);
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return a.second->items.size() > b.second->items.size();
  });
  out << fmt::format("{} cores, {} distinct crashes\n", items.size(), groups.size());
  for (const auto& [key, g] : ordered) {
    auto [first, last] =
        std::minmax_element(g->items.begin(), g->items.end(),
                            [](const Item* a, const Item* b) { return a->mtime < b->mtime; });
    const auto& r = (*first)->outcome.report;
    std::string summary = r.crash ? r.crash->summary : (r.signature ? "snapshot" : "");
    std::string versions;
    for (const auto& v : g->versions) versions += (versions.empty() ? "" : ", ") + v;
    out << fmt::format("\n{:>5}  {}\n", g->items.size(), key);
    if (!summary.empty()) out << "       " << summary << "\n";
    if (!versions.empty()) out << "       Python " << versions << "\n";
    out << "       first " << (*first)->path << "\n";
    if (g->items.size() > 1) out << "       last  " << (*last)->path << "\n";
  }
}

}  // namespace

int run_batch(const Options& options, std::ostream& out, bool progress) {
  std::vector<Item> items;
  for (const auto& input : options.batch_inputs) collect(input, 0, items);
  if (items.empty()) {
    std::cerr << "pycore-analyze: --batch found no files\n";
    return static_cast<int>(ExitCode::kInputUnreadable);
  }
  unsigned jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min<unsigned>(jobs, items.size());

  std::atomic<size_t> next{0}, done{0};
  std::mutex progress_mutex;
  auto worker = [&] {
    for (size_t i = next++; i < items.size(); i = next++) {
      Options one = options;
      one.batch = false;
      one.core = items[i].path;
      try {
        items[i].outcome = run_pipeline(one);
      } catch (const std::exception& e) {
        // One bad core never stops the batch; it is a bug all the same, so say so.
        items[i].outcome.exit = ExitCode::kInternal;
        items[i].outcome.fatal = std::string("internal error: ") + e.what();
      }
      ensure_report(items[i]);
      size_t n = ++done;
      if (progress) {
        std::lock_guard lock(progress_mutex);
        std::cerr << fmt::format("\r[{}/{}] {}\x1b[K", n, items.size(), items[i].path)
                  << std::flush;
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (progress) std::cerr << "\r\x1b[K";

  ExitCode exit = ExitCode::kOk;
  for (const auto& item : items) exit = more_severe(exit, item.outcome.exit);
  if (options.format == Format::kJson) {
    for (const auto& item : items) out << report::render_json(item.outcome.report, false);
  } else {
    print_table(items, out);
  }
  return static_cast<int>(exit);
}

}  // namespace pycore::cli
