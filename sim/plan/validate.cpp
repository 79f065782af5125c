#include "sim/plan/validate.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>

#include "sim/plan/evaluate.hpp"

namespace hwsim {

namespace {

const Schema& not_modelled_schema() {
  static const Schema item{
      "not-modelled case",
      {
          {.name = "id", .kind = ValueKind::text, .required = true, .doc = "case id"},
          {.name = "kind",
           .kind = ValueKind::choice,
           .required = true,
           .choices = {"training", "inference", "power", "micro"},
           .doc = "what is measured"},
          {.name = "reason", .kind = ValueKind::text, .required = true, .doc = "why hwsim does not model it"},
      }};
  static const Schema s{
      "not-modelled",
      {{.name = "cases", .kind = ValueKind::list_of_maps, .required = true, .child = &item, .doc = "cases left out"}}};
  return s;
}

// "gpu" or "cpu": the accelerators of the deployment a case runs on.
std::string device_label(const Scenario& sc, const std::string& deployment) {
  for (const auto& d : sc.deployments) {
    if (d.name == deployment && d.node != nullptr) return d.node->has_gpus() ? "gpu" : "cpu";
  }
  return "";
}

// Summaries accumulate |error| and are divided by the count once every case is in.
void add_case(KindSummary& k, const ValidationRow& row) {
  const double a = std::fabs(row.error);
  k.mape += a;
  k.cases += 1;
  if (a >= k.max_abs_error) {
    k.max_abs_error = a;
    k.worst = row.id;
  }
}

void finish(KindSummary& k) { k.mape /= std::max(1, k.cases); }

}  // namespace

ValidationReport run_validation(const std::filesystem::path& dir, const LoadOptions& options,
                                const EfficiencyModel& efficiency, const ValidationFilter& filter) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw InputError(Diagnostic{{dir.string(), 0, 0}, "", "validation directory does not exist"});
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ValidationReport report;
  Diagnostics diags;
  for (const auto& f : files) {
    try {
      if (f.filename() == "not-modelled.yaml") {
        const ConfigNode root = load_yaml_file(f, f.string());
        Diagnostics local;
        validate(root, not_modelled_schema(), local);
        local.throw_if_any();
        for (const Reader& c : Reader(root, not_modelled_schema()).list("cases")) {
          report.not_modelled.push_back({c.text("id"), c.text("kind"), c.text("reason")});
        }
        continue;
      }
      const Scenario sc = load_scenario(f, options);
      if (!sc.validation) {
        throw InputError(Diagnostic{{f.string(), 1, 1}, "validation", "a validation case needs a `validation:` block"});
      }
      const ValidationCase& v = *sc.validation;
      if (!filter.split.empty() && v.split != filter.split) continue;
      const Evaluation ev = evaluate(sc, efficiency);
      ValidationRow row{.id = v.id,
                        .kind = v.kind,
                        .file = f.string(),
                        .metric = v.metric,
                        .confidence = v.confidence,
                        .source = v.source,
                        .split = v.split,
                        .device = device_label(sc, v.deployment),
                        .measured = v.measured,
                        .error = -1.0};
      for (const auto& r : ev.results) {
        if (r.deployment != v.deployment || r.workload != v.workload) continue;
        row.calibration = r.calibration;
        if (!r.fits) {
          row.failure = r.message;
        } else if (auto value = r.metric(v.metric)) {
          row.predicted = *value;
          row.error = *value / v.measured - 1.0;
        } else {
          throw InputError(
              Diagnostic{v.where, "validation.metric", fmt::format("no metric '{}' in the result", v.metric)});
        }
      }
      report.rows.push_back(std::move(row));
    } catch (const InputError& e) {
      for (const auto& d : e.diagnostics()) diags.add(d.where, d.key_path, d.message);
    }
  }
  diags.throw_if_any();
  std::sort(report.rows.begin(), report.rows.end(), [](const ValidationRow& a, const ValidationRow& b) {
    return std::tie(a.kind, a.id) < std::tie(b.kind, b.id);
  });
  for (const auto& row : report.rows) {
    add_case(report.summary[row.kind], row);
    add_case(report.by_split[row.split][row.kind], row);
    add_case(report.by_source[row.source], row);
  }
  for (auto& [kind, k] : report.summary) finish(k);
  for (auto& [split, kinds] : report.by_split) {
    for (auto& [kind, k] : kinds) finish(k);
  }
  for (auto& [source, k] : report.by_source) finish(k);
  return report;
}

}  // namespace hwsim
