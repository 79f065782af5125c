// `hwsim validate` reports: a table for people, JSON for machines (sim/report/validation_report.hpp).
#include "sim/report/validation_report.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "sim/plan/json_text.hpp"
#include "sim/report/report.hpp"

namespace hwsim {

std::string render_validation_text(const ValidationReport& r) {
  std::string out = fmt::format("{:<46} {:<10} {:<26} {:>14} {:>14} {:>8}\n", "case", "kind", "metric", "predicted",
                                "measured", "error");
  for (const auto& row : r.rows) {
    if (!row.failure.empty()) {
      out += fmt::format("{:<46} {:<10} {:<26} {:>14} {:>14} {:>8}  {}\n", row.id, row.kind, row.metric, "-",
                         format_metric(row.metric, row.measured), "FAILED", row.failure);
      continue;
    }
    out +=
        fmt::format("{:<46} {:<10} {:<26} {:>14} {:>14} {:>+7.1f}%\n", row.id, row.kind, row.metric,
                    format_metric(row.metric, row.predicted), format_metric(row.metric, row.measured), row.error * 100);
  }
  out += "\n";
  for (const auto& row : r.rows) {
    if (row.calibration != "default") out += fmt::format("{}: calibrated by {}\n", row.id, row.calibration);
  }
  const auto summary_line = [](const std::string& label, const KindSummary& k) {
    return fmt::format("{}: {} cases, MAPE {:.1f}%, worst {:.1f}% ({})\n", label, k.cases, k.mape * 100,
                       k.max_abs_error * 100, k.worst);
  };
  for (const auto& [kind, k] : r.summary) out += summary_line(kind, k);
  out += "\nper split:\n";
  for (const auto& [split, kinds] : r.by_split) {
    for (const auto& [kind, k] : kinds) out += "  " + summary_line(fmt::format("{} {}", split, kind), k);
  }
  out += "per source:\n";
  for (const auto& [source, k] : r.by_source) out += "  " + summary_line(source, k);
  if (!r.not_modelled.empty()) {
    out += fmt::format("\nnot modelled ({} cases, excluded):\n", r.not_modelled.size());
    for (const auto& n : r.not_modelled) out += fmt::format("  {} ({}): {}\n", n.id, n.kind, n.reason);
  }
  return out;
}

std::string render_validation_json(const ValidationReport& r) {
  nlohmann::ordered_json j;
  j["cases"] = nlohmann::ordered_json::array();
  for (const auto& row : r.rows) {
    nlohmann::ordered_json c{
        {"name", row.id},           {"kind", row.kind},   {"metric", row.metric},         {"predicted", row.predicted},
        {"measured", row.measured}, {"error", row.error}, {"confidence", row.confidence}, {"file", row.file},
        {"source", row.source},     {"split", row.split}, {"device", row.device}};
    if (!row.failure.empty()) c["failure"] = row.failure;
    c["calibration"] = row.calibration;
    j["cases"].push_back(std::move(c));
  }
  j["mape"] = nlohmann::ordered_json::object();
  j["max_abs_error"] = nlohmann::ordered_json::object();
  j["count"] = nlohmann::ordered_json::object();
  for (const auto& [kind, k] : r.summary) {
    j["mape"][kind] = k.mape;
    j["max_abs_error"][kind] = k.max_abs_error;
    j["count"][kind] = k.cases;
  }
  j["by_split"] = nlohmann::ordered_json::object();
  for (const auto& [split, kinds] : r.by_split) {
    nlohmann::ordered_json& s = j["by_split"][split];
    for (const auto& [kind, k] : kinds) {
      s["mape"][kind] = k.mape;
      s["count"][kind] = k.cases;
    }
  }
  j["by_source"] = nlohmann::ordered_json::object();
  for (const auto& [source, k] : r.by_source) {
    j["by_source"][source] = {{"mape", k.mape}, {"count", k.cases}, {"max_abs_error", k.max_abs_error}};
  }
  j["not_modelled"] = nlohmann::ordered_json::array();
  for (const auto& n : r.not_modelled)
    j["not_modelled"].push_back({{"name", n.id}, {"kind", n.kind}, {"reason", n.reason}});
  return json_text(j) + "\n";
}

}  // namespace hwsim
