// The streamed sweep outputs (`hwsim sweep --format csv|json`). Contract: CSV has a header row, then per point x
// deployment/workload `point`, the varied values, `deployment`, `workload`, `fits` and the chosen metrics (empty
// when absent); JSON is {"scenario", "vary": [{path, values}], "points", "rows": [{point, inputs, deployment,
// workload, fits, metrics}]} with every metric. Numbers are the shortest text that reads back as the same double.
#pragma once

#include <string>
#include <vector>

#include "sim/plan/sweep.hpp"

namespace hwsim {

class CsvSweepWriter final : public SweepWriter {
 public:
  explicit CsvSweepWriter(SweepLayout layout);
  [[nodiscard]] std::string header() const override;
  void append_rows(std::string& out, std::int64_t point, const std::vector<std::size_t>& value_index,
                   const Evaluation& ev, std::vector<std::size_t>& hints) const override;
  [[nodiscard]] std::string footer() const override { return ""; }

 private:
  SweepLayout layout_;
  std::vector<std::vector<std::string>> csv_values_;  // per axis, per value: the CSV cell (quoted where needed)
};

// Each row is written as ",\n{...}": the first row's leading comma is dropped (separator_length() = 1).
class JsonSweepWriter final : public SweepWriter {
 public:
  explicit JsonSweepWriter(SweepLayout layout) : layout_(std::move(layout)) {}
  [[nodiscard]] std::string header() const override;
  void append_rows(std::string& out, std::int64_t point, const std::vector<std::size_t>& value_index,
                   const Evaluation& ev, std::vector<std::size_t>& hints) const override;
  [[nodiscard]] std::string footer() const override;
  [[nodiscard]] std::size_t separator_length() const override { return 1; }

 private:
  SweepLayout layout_;
};

}  // namespace hwsim
