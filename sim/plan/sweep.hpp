// What-if sweeps (`hwsim sweep`): a grid of input values, each point a scenario with `--set`-style overrides,
// evaluated and written row by row as it is produced, so memory stays flat however many points there are.
// Contract: points are numbered 0..total-1 in grid order (the first --vary slowest, the last fastest); a point's
// overrides are applied after the command's --set; shard I/N evaluates the points i with i mod N == I, and
// merge_shards() (sim/report/sweep_merge.hpp) of all N shards reproduces the unsharded output byte for byte.
// The YAML is read once (sim/scenario/load.hpp ScenarioSource): per point, values of keys that only the engine
// reads (facility figures, deployment counts and prices, workload sizes and SLAs) are written into the loaded
// scenario through the override engine's fast route (sim/scenario/overrides.hpp); any other key (hw.NAME.KEY, ...)
// reloads the scenario from the in-memory documents when its value changes. Both routes give the same result as
// `--set`.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "sim/plan/evaluate.hpp"
#include "sim/plan/metrics.hpp"
#include "sim/scenario/load.hpp"

namespace hwsim {

struct VaryAxis {
  std::string spec;  // as given: "facility.pue=1.1,1.2" or "facility.electricity=0.05..0.20 USD/kWh:16"
  std::string path;
  std::vector<std::string> values;  // YAML texts (empty when parsed without them)
  std::int64_t count = 0;           // how many values: known before they are made
};

struct Shard {
  int index = 0;  // 0-based
  int count = 1;
  // Points of a `total`-point grid this shard evaluates (i mod count == index).
  [[nodiscard]] std::int64_t points_of(std::int64_t total) const {
    return total <= index ? 0 : (total - 1 - index) / count + 1;
  }
};

// "I/N" with 0 <= I < N. Throws InputError.
Shard parse_shard(const std::string& text);

struct SweepOptions {
  std::vector<std::string> vary;  // --vary specs
  Shard shard;
  int threads = 1;
  std::vector<std::string> metrics;  // CSV columns (and charts); empty: default_sweep_metrics()
  // Most points one run (this shard) evaluates: a larger grid is refused before any work, with its size and the
  // --shard split that would fit (about a minute and a half per core at 10^5 points per second, a few GB of CSV).
  std::int64_t max_points = 10'000'000;
  // Called after each batch of points (and once at the start with done = 0): the CLI shows progress on a terminal.
  std::function<void(std::int64_t done, std::int64_t total)> progress;
};

// What a writer needs to know of a sweep: its axes and chosen metrics.
struct SweepLayout {
  std::string scenario;
  std::vector<VaryAxis> axes;
  std::vector<std::string> metrics;
  std::int64_t total = 0;  // points in the whole grid
};

// Writes rows as they are produced (sim/report/sweep_writer.hpp has CSV and JSON). Contract: append_rows() runs on
// worker threads, each with its own buffer and hints (per result x metric: where the metric was last found), so it
// must not change the writer; buffers are written in point order, the first non-empty one without its first
// separator_length() characters.
class SweepWriter {
 public:
  virtual ~SweepWriter() = default;
  [[nodiscard]] virtual std::string header() const = 0;
  virtual void append_rows(std::string& out, std::int64_t point, const std::vector<std::size_t>& value_index,
                           const Evaluation& ev, std::vector<std::size_t>& hints) const = 0;
  [[nodiscard]] virtual std::string footer() const = 0;
  [[nodiscard]] virtual std::size_t separator_length() const { return 0; }
};

// Rows held in memory for charts (HTML): one per point x deployment/workload, the chosen metrics (NaN: absent).
struct SweepTable {
  std::string scenario;
  std::vector<VaryAxis> axes;
  std::vector<std::string> metrics;
  struct Row {
    std::int64_t point = 0;
    std::vector<std::size_t> value_index;  // per axis, into axes[a].values
    std::string deployment;
    std::string workload;
    bool fits = true;
    std::vector<double> metrics;
    std::string kind;  // the workload's: training | inference
  };
  std::vector<Row> rows;
};

// The scenario read once, the axes parsed and every axis value checked (as `--set` would, naming the --vary). `load`
// gives the catalog directories, the --set values and optionally the document already parsed (a scenario held in
// memory, `scenario` then only names it); its catalog and inputs are not used.
class Sweep {
 public:
  Sweep(const std::filesystem::path& scenario, const LoadOptions& load, const SweepOptions& options);
  ~Sweep();  // defined where Impl is complete
  Sweep(const Sweep&) = delete;
  Sweep& operator=(const Sweep&) = delete;

  [[nodiscard]] const std::vector<VaryAxis>& axes() const;
  [[nodiscard]] std::int64_t total_points() const;
  [[nodiscard]] const std::string& scenario_name() const;
  [[nodiscard]] SweepLayout layout() const;

  // Evaluates this shard's points in order and writes them to `out` through `writer` as rows are produced. Returns
  // the points evaluated.
  std::int64_t run(std::ostream& out, const SweepWriter& writer) const;
  // The same points, kept in memory (for charts); refuses more than `max_rows` rows.
  [[nodiscard]] SweepTable collect(std::size_t max_rows) const;

  struct Impl;  // defined in sweep.cpp

 private:
  std::unique_ptr<Impl> impl_;
};

// Parsing of the command's arguments (sim/plan/sweep_axes.cpp).
// "PATH=V1,V2,..." or "PATH=LO..HI UNIT:N" (N evenly spaced values; integer keys take integer steps). Without
// `with_values` only the count is filled: a grid's size is checked before any of its values is made.
VaryAxis parse_vary(const std::string& spec, const ConfigNode& document, const EntryStore& catalog,
                    bool with_values = true);
// Throws the InputError of a bad --vary SPEC (parse_vary's, and a sweep's that varies one key twice).
[[noreturn]] void bad_vary(const std::string& spec, const std::string& message);

}  // namespace hwsim
