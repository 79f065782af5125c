// The streamed sweep formats: one CSV row, or one JSON object, per point x deployment/workload.
#include "sim/report/sweep_writer.hpp"

#include <fmt/format.h>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "sim/plan/json_text.hpp"
#include "sim/report/csv.hpp"

namespace hwsim {

namespace {

// Shortest text that reads back as the same double (std::to_chars: no locale, no allocation).
void append_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_integer(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// The value of metric `key` in `r`, looking first at position `hint` (results of one sweep list their metrics in
// the same order, so the hint almost always hits); updates the hint.
const Metric* find_metric(const Result& r, const std::string& key, std::size_t& hint) {
  if (hint < r.metrics.size() && r.metrics[hint].key == key) return &r.metrics[hint];
  for (std::size_t i = 0; i < r.metrics.size(); ++i) {
    if (r.metrics[i].key == key) {
      hint = i;
      return &r.metrics[i];
    }
  }
  return nullptr;
}

void append_json_string(std::string& out, const std::string& text) { out += json_text(nlohmann::json(text), -1); }

}  // namespace

CsvSweepWriter::CsvSweepWriter(SweepLayout layout) : layout_(std::move(layout)) {
  for (const auto& a : layout_.axes) {
    csv_values_.emplace_back();
    for (const auto& v : a.values) csv_values_.back().push_back(csv_cell(v));
  }
}

void CsvSweepWriter::append_rows(std::string& out, std::int64_t point, const std::vector<std::size_t>& value_index,
                                 const Evaluation& ev, std::vector<std::size_t>& hints) const {
  const SweepLayout& s = layout_;
  hints.resize(ev.results.size() * s.metrics.size());
  std::size_t h = 0;
  for (const auto& r : ev.results) {
    append_integer(out, point);
    for (std::size_t a = 0; a < s.axes.size(); ++a) {
      out += ',';
      out += csv_values_[a][value_index[a]];
    }
    out += ',';
    append_csv_cell(out, r.deployment);
    out += ',';
    append_csv_cell(out, r.workload);
    out += r.fits ? ",true" : ",false";
    for (const auto& m : s.metrics) {
      out += ',';
      if (const Metric* v = find_metric(r, m, hints[h++])) append_number(out, v->value);
    }
    out += '\n';
  }
}

void JsonSweepWriter::append_rows(std::string& out, std::int64_t point, const std::vector<std::size_t>& value_index,
                                  const Evaluation& ev, std::vector<std::size_t>& /*hints*/) const {
  const SweepLayout& s = layout_;
  for (const auto& r : ev.results) {
    out += ",\n{\"point\":";
    append_integer(out, point);
    out += ",\"inputs\":{";
    for (std::size_t a = 0; a < s.axes.size(); ++a) {
      if (a > 0) out += ',';
      append_json_string(out, s.axes[a].path);
      out += ':';
      append_json_string(out, s.axes[a].values[value_index[a]]);
    }
    out += "},\"deployment\":";
    append_json_string(out, r.deployment);
    out += ",\"workload\":";
    append_json_string(out, r.workload);
    out += r.fits ? ",\"fits\":true,\"metrics\":{" : ",\"fits\":false,\"metrics\":{";
    for (std::size_t i = 0; i < r.metrics.size(); ++i) {
      if (i > 0) out += ',';
      append_json_string(out, r.metrics[i].key);
      out += ':';
      append_number(out, r.metrics[i].value);
    }
    out += "}}";
  }
}

std::string CsvSweepWriter::header() const {
  const SweepLayout& s = layout_;
  std::string h = "point";
  for (const auto& a : s.axes) {
    h += ',';
    append_csv_cell(h, a.path);
  }
  h += ",deployment,workload,fits";
  for (const auto& m : s.metrics) h += "," + m;
  return h + "\n";
}

std::string JsonSweepWriter::header() const {
  const SweepLayout& s = layout_;
  nlohmann::ordered_json vary = nlohmann::ordered_json::array();
  for (const auto& a : s.axes) vary.push_back({{"path", a.path}, {"values", a.values}});
  return fmt::format("{{\"scenario\":{},\"vary\":{},\"points\":{},\"rows\":[",
                     json_text(nlohmann::json(s.scenario), -1), json_text(vary, -1), s.total);
}

std::string JsonSweepWriter::footer() const { return "\n]}\n"; }

}  // namespace hwsim
