#include "sim/report/report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "sim/core/catalog_paths.hpp"
#include "sim/plan/json_text.hpp"
#include "sim/report/csv.hpp"
#include "sim/report/html.hpp"

namespace hwsim {

Format parse_format(const std::string& name) {
  if (name == "table") return Format::table;
  if (name == "json") return Format::json;
  if (name == "csv") return Format::csv;
  if (name == "md") return Format::md;
  if (name == "html") return Format::html;
  throw InputError(
      Diagnostic{{"--format", 0, 0}, "", fmt::format("unknown format '{}' (table, json, csv, md, html)", name)});
}

std::string markdown_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    // Everywhere: what opens emphasis, code, links, HTML, tables and entities; at the start: list and heading marks.
    const bool special = std::string_view("\\`*_[]<>|~&").find(c) != std::string_view::npos ||
                         (out.empty() && std::string_view("#+-").find(c) != std::string_view::npos);
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else if (special) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::string markdown_code(std::string_view text) {
  std::size_t longest = 0;
  std::size_t run = 0;
  std::string inner;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (c == '\n' || c == '\r' || c == '\t') {
      inner += ' ';
    } else if (c == '|') {
      inner += "\\|";  // a table cell ends at a bare '|', even inside a code span
    } else {
      inner += c;
    }
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !inner.empty() && (inner.front() == '`' || inner.back() == '`');
  return fence + (pad ? " " : "") + inner + (pad ? " " : "") + fence;
}

const Percentiles* percentiles_of(const Result& r, const std::string& key) {
  for (const auto& p : r.uncertainty) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

std::string metric_label(const std::string& key) {
  const MetricInfo* m = find_metric_info(key);
  return m == nullptr ? key : std::string(m->label);
}

std::string describe_sizing(const Sizing& s) {
  std::string out = fmt::format("sized to {} node{}, bound by {}", s.count, s.count == 1 ? "" : "s", s.binding);
  if (s.binding == "throughput_target" || s.binding == "train_time") {
    out += fmt::format(" (the budgets allow up to {}, bound by {})", s.max_count, s.max_binding);
  }
  return out;
}

std::string describe_assumptions(const std::vector<Metric>& assumptions) {
  if (assumptions.empty()) return {};
  const auto get = [&](const std::string& key) -> std::optional<double> {
    for (const auto& m : assumptions) {
      if (m.key == key) return m.value;
    }
    return std::nullopt;
  };
  std::string pue = fmt::format("PUE {:g}", get("pue").value_or(0));
  if (auto liquid = get("pue_liquid")) pue += fmt::format(" (liquid-cooled racks {:g})", *liquid);
  return fmt::format(
      "cost assumptions: {}, electricity {:g} USD/kWh, colocation {:g} USD/kW/month of provisioned power, utilization "
      "{:g}%, {:g} years straight-line, maintenance {:g}% of capex per year, staff and software {:g} USD per node "
      "per year; USD per million tokens counts output tokens (trained tokens for training), the (input + output) "
      "figure every token",
      pue, get("electricity_usd_per_kwh").value_or(0), get("colocation_usd_per_kw_month").value_or(0),
      get("utilization").value_or(0) * 100, get("years").value_or(0), get("maintenance_per_year").value_or(0) * 100,
      get("operations_usd_per_node_year").value_or(0));
}

namespace {

// What a training configuration adds to its recompute word in the tables: the layers a partial recompute repeats
// and the layers offloaded to host memory ("" for neither).
std::string layer_settings(int recompute_layers, int activation_offload_layers) {
  std::string s;
  if (recompute_layers > 0) s += fmt::format("({} layers)", recompute_layers);
  if (activation_offload_layers > 0) s += fmt::format(" offload={}", activation_offload_layers);
  return s;
}

nlohmann::ordered_json to_json(const Evaluation& ev) {
  nlohmann::ordered_json doc;
  doc["scenario"] = ev.scenario;
  doc["description"] = ev.description;
  doc["version"] = version_string();
  doc["assumptions"] = nlohmann::ordered_json::object();
  for (const auto& a : ev.assumptions) doc["assumptions"][a.key] = a.value;
  doc["results"] = nlohmann::ordered_json::array();
  for (const auto& r : ev.results) {
    nlohmann::ordered_json j;
    j["deployment"] = r.deployment;
    j["workload"] = r.workload;
    j["kind"] = r.kind;
    j["metrics"] = nlohmann::ordered_json::object();
    for (const auto& m : r.metrics) j["metrics"][m.key] = m.value;
    j["breakdown"] = nlohmann::ordered_json::object();
    for (const auto& m : r.breakdown) j["breakdown"][m.key] = m.value;
    if (!r.cost_breakdown.empty()) {
      j["cost_breakdown"] = nlohmann::ordered_json::object();
      for (const auto& m : r.cost_breakdown) j["cost_breakdown"][m.key] = m.value;
    }
    j["fits"] = r.fits;
    if (r.sla_met) j["sla_met"] = *r.sla_met;
    j["message"] = r.message;
    j["calibration"] = r.calibration;
    j["parallelism"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : r.parallelism) j["parallelism"][k] = v;
    if (r.training_choice) {
      j["parallelism"]["micro_batch"] = r.training_choice->micro_batch;
      j["parallelism"]["sequence_parallel"] = r.training_choice->sequence_parallel;
      j["parallelism"]["recompute"] = r.training_choice->recompute;
      if (r.training_choice->recompute_layers > 0)
        j["parallelism"]["recompute_layers"] = r.training_choice->recompute_layers;
      if (r.training_choice->activation_offload_layers > 0)
        j["parallelism"]["activation_offload_layers"] = r.training_choice->activation_offload_layers;
      j["parallelism"]["stack"] = r.training_choice->stack;
    }
    if (!r.compute_dtype.empty()) j["compute_dtype"] = r.compute_dtype;
    if (r.sizing) {
      j["sizing"] = {{"count", r.sizing->count},
                     {"binding", r.sizing->binding},
                     {"max_count", r.sizing->max_count},
                     {"max_binding", r.sizing->max_binding}};
      j["sizing"]["limits"] = nlohmann::ordered_json::object();
      for (const auto& m : r.sizing->limits) j["sizing"]["limits"][m.key] = m.value;
    }
    if (r.search) {
      j["search"] = {{"configurations", r.search->configurations}};
      if (r.search->seconds) j["search"]["seconds"] = *r.search->seconds;
      j["search"]["threads"] = r.search->threads;
      j["top"] = nlohmann::ordered_json::array();
      for (const auto& t : r.search->top) {
        nlohmann::ordered_json e;
        for (const auto& [k, v] : t.parallelism) e["parallelism"][k] = v;
        if (t.batch > 0) {
          e["batch"] = t.batch;
          if (t.sla_met) e["sla_met"] = *t.sla_met;
        } else {
          e["micro_batch"] = t.micro_batch;
          e["recompute"] = t.recompute;
          if (t.recompute_layers > 0) e["recompute_layers"] = t.recompute_layers;
          if (t.activation_offload_layers > 0) e["activation_offload_layers"] = t.activation_offload_layers;
        }
        e["throughput_tokens_per_s"] = t.tokens_per_s;
        e["memory_per_device_bytes"] = t.memory_per_device_bytes;
        j["top"].push_back(std::move(e));
      }
    }
    if (!r.uncertainty.empty()) {
      j["uncertainty"] = nlohmann::ordered_json::object();
      for (const auto& p : r.uncertainty) j["uncertainty"][p.key] = {{"p10", p.p10}, {"p50", p.p50}, {"p90", p.p90}};
    }
    if (!r.sensitivity.empty()) {
      j["sensitivity"] = nlohmann::ordered_json::array();
      for (const auto& e : r.sensitivity) {
        j["sensitivity"].push_back({{"input", e.input},
                                    {"metric", e.metric},
                                    {"elasticity", e.elasticity},
                                    {"at_low", e.at_low},
                                    {"at_high", e.at_high}});
      }
    }
    doc["results"].push_back(std::move(j));
  }
  doc["warnings"] = ev.warnings;
  return doc;
}

// Rows are metric keys in first-seen order over all results; columns are results.
std::vector<std::string> row_keys(const Evaluation& ev, bool breakdown) {
  std::vector<std::string> keys;
  for (const auto& r : ev.results) {
    for (const auto& m : breakdown ? r.breakdown : r.metrics) {
      if (std::find(keys.begin(), keys.end(), m.key) == keys.end()) keys.push_back(m.key);
    }
  }
  return keys;
}

std::string cell(const Result& r, const std::string& key, bool breakdown) {
  for (const auto& m : breakdown ? r.breakdown : r.metrics) {
    if (m.key == key) return format_metric(key, m.value);
  }
  return "-";
}

std::string render_grid(const std::vector<std::vector<std::string>>& rows, bool markdown) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line = markdown ? "|" : "";
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      const std::string& c = rows[r][i];
      if (markdown) {
        line += fmt::format(" {} |", c);
      } else if (i == 0) {
        line += fmt::format("{:<{}}", c, width[i]);
      } else {
        line += fmt::format("  {:>{}}", c, width[i]);
      }
    }
    out += line;
    out += '\n';
    if (r == 0) {
      if (markdown) {
        std::string sep = "|";
        for (std::size_t i = 0; i < rows[r].size(); ++i) sep += i == 0 ? " --- |" : " ---: |";
        out += sep + "\n";
      } else {
        std::size_t total = 0;
        for (std::size_t i = 0; i < width.size(); ++i) total += width[i] + (i == 0 ? 0 : 2);
        out += std::string(total, '-') + "\n";
      }
    }
  }
  return out;
}

// For the text table: P10-P90 of the headline figures that have a spread, and the top sensitivities.
std::string spread_lines(const Evaluation& ev) {
  std::string out;
  for (const auto& r : ev.results) {
    std::vector<std::string> parts;
    for (const std::string key : {"throughput_tokens_per_s", "it_power_w", "tco_usd", "usd_per_million_tokens"}) {
      const Percentiles* p = percentiles_of(r, key);
      if (p != nullptr && p->p90 > p->p10) {
        parts.push_back(
            fmt::format("{} {} - {}", metric_label(key), format_metric(key, p->p10), format_metric(key, p->p90)));
      }
    }
    std::vector<std::string> top;
    for (const auto& e : r.sensitivity) {
      if (top.size() < 3) top.push_back(fmt::format("{} ({}) {:+.2f}", e.input, metric_label(e.metric), e.elasticity));
    }
    if (!parts.empty()) out += fmt::format("{} / {}: P10-P90 {}\n", r.deployment, r.workload, fmt::join(parts, "; "));
    if (!top.empty()) out += fmt::format("{} / {}: elasticity {}\n", r.deployment, r.workload, fmt::join(top, ", "));
  }
  return out.empty() ? out : out + "\n";
}

std::string render_human(const Evaluation& ev, bool markdown) {
  // Text from the scenario, shown as text in Markdown (markdown_text).
  const auto user = [&](const std::string& text) { return markdown ? markdown_text(text) : text; };
  std::string out;
  out += markdown ? fmt::format("## {}\n\n", user(ev.scenario)) : fmt::format("Scenario: {}\n", ev.scenario);
  if (!ev.description.empty()) out += markdown ? user(ev.description) + "\n\n" : ev.description + "\n";
  if (!markdown) out += "\n";
  if (ev.results.empty()) return out + "(no results)\n";
  for (const bool breakdown : {false, true}) {
    const auto keys = row_keys(ev, breakdown);
    if (keys.empty()) continue;
    std::vector<std::vector<std::string>> rows;
    rows.push_back({breakdown ? "breakdown" : "metric"});
    for (const auto& r : ev.results) rows[0].push_back(user(r.deployment + " / " + r.workload));
    if (!breakdown) {
      rows.push_back({"fits"});
      for (const auto& r : ev.results) rows.back().push_back(r.fits ? "yes" : "NO");
      rows.push_back({"parallelism"});
      for (const auto& r : ev.results) {
        std::string p;
        for (const auto& [k, v] : r.parallelism) {
          if (k == "tp" || k == "etp" || (k == "zero" ? v != 0 : v != 1))
            p += fmt::format("{}{}={}", p.empty() ? "" : " ", k, v);
        }
        if (r.training_choice) {
          const auto& t = *r.training_choice;
          p += fmt::format(" mb={}{} recompute={}", t.micro_batch, t.sequence_parallel ? " sp" : "", t.recompute);
          p += layer_settings(t.recompute_layers, t.activation_offload_layers);
        }
        rows.back().push_back(p);
      }
    }
    for (const auto& k : keys) {
      std::string label = metric_label(k);
      // A sub-row's indent ("  compute" under "prefill"): Markdown drops a cell's leading spaces, not non-breaking
      // ones.
      if (const std::size_t indent = label.find_first_not_of(' ');
          markdown && indent > 0 && indent != std::string::npos) {
        label = std::string("&nbsp;&nbsp;&nbsp;&nbsp;").append(label.substr(indent));
      }
      rows.push_back({label});
      for (const auto& r : ev.results) rows.back().push_back(cell(r, k, breakdown));
    }
    out += render_grid(rows, markdown) + "\n";
  }
  for (const auto& r : ev.results) {
    if (!r.search) continue;
    out += fmt::format("{}{} / {}: searched {} configurations{} on {} thread(s); best:\n", markdown ? "\n" : "",
                       user(r.deployment), user(r.workload), r.search->configurations,
                       r.search->seconds ? fmt::format(" in {:.3g} s", *r.search->seconds) : std::string(),
                       r.search->threads);
    for (std::size_t i = 0; i < r.search->top.size(); ++i) {
      const auto& t = r.search->top[i];
      std::string p;
      for (const auto& [k, v] : t.parallelism) p += fmt::format("{}={} ", k, v);
      const std::string settings =
          t.batch > 0 ? fmt::format("batch={}{}", t.batch, t.sla_met && !*t.sla_met ? " (SLA missed)" : "")
                      : fmt::format("mb={} recompute={}{}", t.micro_batch, t.recompute,
                                    layer_settings(t.recompute_layers, t.activation_offload_layers));
      out += fmt::format("{}  {}. {}{}: {} ({} per device)\n", markdown ? "  " : "", i + 1, p, settings,
                         format_metric("throughput_tokens_per_s", t.tokens_per_s),
                         format_metric("memory_per_device_bytes", t.memory_per_device_bytes));
    }
  }
  if (!markdown) out += spread_lines(ev);
  for (const auto& r : ev.results) {
    if (r.sizing) {
      out += fmt::format("{}{} / {}: {}\n", markdown ? "- " : "", user(r.deployment), user(r.workload),
                         describe_sizing(*r.sizing));
    }
  }
  for (const auto& r : ev.results) {
    if (!r.message.empty()) {
      out +=
          fmt::format("{}{} / {}: {}\n", markdown ? "- " : "", user(r.deployment), user(r.workload), user(r.message));
    }
  }
  for (const auto& w : ev.warnings) out += fmt::format("{}warning: {}\n", markdown ? "- " : "", user(w));
  if (!ev.assumptions.empty()) out += fmt::format("{}{}\n", markdown ? "\n" : "", describe_assumptions(ev.assumptions));
  out += fmt::format("{}efficiencies: {}\n", markdown ? "\n" : "",
                     ev.results.empty() ? "default" : ev.results.front().calibration);
  return out;
}

// The figures a reviewer compares first, in this order (those no result of the workload has are left out).
constexpr std::string_view kMarkdownSummaryKeys[] = {
    "throughput_tokens_per_s", "ttft_s",          "tpot_s",           "step_time_s", "mfu", "it_power_w", "tco_usd",
    "usd_per_million_tokens",  "time_to_train_s", "cost_to_train_usd"};

// A pull-request comment: per workload one compact row per deployment (P10-P90 under a value that has a spread),
// the inputs that move each result most, then every metric in a collapsed section.
std::string render_markdown(const Evaluation& ev) {
  std::string out = fmt::format("## {}\n\n", markdown_text(ev.scenario));
  if (!ev.description.empty()) out += markdown_text(ev.description) + "\n\n";
  std::vector<std::string> workloads;
  for (const auto& r : ev.results) {
    if (std::find(workloads.begin(), workloads.end(), r.workload) == workloads.end()) workloads.push_back(r.workload);
  }
  for (const auto& w : workloads) {
    std::vector<const Result*> results;
    for (const auto& r : ev.results) {
      if (r.workload == w) results.push_back(&r);
    }
    std::vector<std::vector<std::string>> rows{{"deployment", "fits"}};
    std::vector<std::string> keys;
    for (const auto key : kMarkdownSummaryKeys) {
      const bool any =
          std::any_of(results.begin(), results.end(), [&](const Result* r) { return r->metric(std::string(key)); });
      if (!any) continue;
      keys.emplace_back(key);
      rows[0].push_back(metric_label(keys.back()));
    }
    for (const Result* r : results) {
      rows.push_back({markdown_text(r->deployment), r->fits ? "yes" : "**no**"});
      for (const auto& k : keys) {
        std::string c = markdown_text(cell(*r, k, false));
        if (const Percentiles* p = percentiles_of(*r, k); p != nullptr && p->p90 > p->p10) {
          c += fmt::format("<br><sub>P10-P90 {} - {}</sub>", format_metric(k, p->p10), format_metric(k, p->p90));
        }
        rows.back().push_back(c);
      }
    }
    out += fmt::format("**{}** ({})\n\n{}\n", markdown_text(w), results.front()->kind, render_grid(rows, true));
  }
  std::string ranked;
  for (const auto& r : ev.results) {
    for (const auto& key : {std::string("usd_per_million_tokens"), std::string("throughput_tokens_per_s")}) {
      std::vector<std::string> top;
      for (const auto& e : r.sensitivity) {
        if (e.metric == key && top.size() < 3) top.push_back(fmt::format("`{}` {:+.2f}", e.input, e.elasticity));
      }
      if (!top.empty()) {
        ranked += fmt::format("- {} / {}, {}: {}\n", markdown_text(r.deployment), markdown_text(r.workload),
                              metric_label(key), fmt::join(top, ", "));
      }
    }
  }
  if (!ranked.empty()) out += "Inputs that move the result most (elasticity, largest first):\n\n" + ranked + "\n";
  for (const auto& r : ev.results) {
    if (r.sizing) {
      out += fmt::format("- {} / {}: {}\n", markdown_text(r.deployment), markdown_text(r.workload),
                         describe_sizing(*r.sizing));
    }
  }
  for (const auto& r : ev.results) {
    if (!r.message.empty())
      out += fmt::format("- {} / {}: {}\n", markdown_text(r.deployment), markdown_text(r.workload),
                         markdown_text(r.message));
  }
  for (const auto& warning : ev.warnings) out += fmt::format("- warning: {}\n", markdown_text(warning));
  if (!ev.assumptions.empty()) out += fmt::format("- {}\n", describe_assumptions(ev.assumptions));
  out += "\n<details><summary>All metrics</summary>\n\n" + render_human(ev, true) + "\n</details>\n";
  return out;
}

std::string render_csv(const std::vector<Evaluation>& evs) {
  std::vector<std::string> metric_keys;
  std::vector<std::string> breakdown_keys;
  std::vector<std::string> assumption_keys;  // the cost assumptions, a column each (every row repeats its scenario's)
  for (const auto& ev : evs) {
    for (const auto& a : ev.assumptions) {
      if (std::find(assumption_keys.begin(), assumption_keys.end(), a.key) == assumption_keys.end()) {
        assumption_keys.push_back(a.key);
      }
    }
    for (const auto& k : row_keys(ev, false)) {
      if (std::find(metric_keys.begin(), metric_keys.end(), k) == metric_keys.end()) metric_keys.push_back(k);
    }
    for (const auto& k : row_keys(ev, true)) {
      if (std::find(breakdown_keys.begin(), breakdown_keys.end(), k) == breakdown_keys.end()) {
        breakdown_keys.push_back(k);
      }
    }
  }
  std::string out = "scenario,deployment,workload,kind,fits";
  for (const auto& k : metric_keys) out += "," + k;
  for (const auto& k : breakdown_keys) out += ",breakdown." + k;
  for (const auto& k : assumption_keys) out += ",assumption." + k;
  out += ",message\n";
  for (const auto& ev : evs) {
    for (const auto& r : ev.results) {
      out += fmt::format("{},{},{},{},{}", csv_cell(ev.scenario), csv_cell(r.deployment), csv_cell(r.workload), r.kind,
                         r.fits ? "true" : "false");
      for (const bool breakdown : {false, true}) {
        for (const auto& k : breakdown ? breakdown_keys : metric_keys) {
          std::string v;
          for (const auto& m : breakdown ? r.breakdown : r.metrics) {
            if (m.key == k) v = fmt::format("{:.9g}", m.value);
          }
          out += ',';
          out += v;
        }
      }
      for (const auto& k : assumption_keys) {
        out += ',';
        for (const auto& a : ev.assumptions) {
          if (a.key == k) out += fmt::format("{:.9g}", a.value);
        }
      }
      out += ',';
      out += csv_cell(r.message);
      out += '\n';
    }
  }
  return out;
}

}  // namespace

std::string render(const std::vector<Evaluation>& evs, Format format) {
  switch (format) {
    case Format::json: {
      if (evs.size() == 1) return json_text(to_json(evs.front())) + "\n";
      nlohmann::ordered_json all;
      all["scenarios"] = nlohmann::ordered_json::array();
      for (const auto& ev : evs) all["scenarios"].push_back(to_json(ev));
      return json_text(all) + "\n";
    }
    case Format::csv: return render_csv(evs);
    case Format::html: return render_html(evs);
    case Format::table:
    case Format::md: {
      std::string out;
      for (std::size_t i = 0; i < evs.size(); ++i) {
        if (i > 0) out += "\n";
        out += format == Format::md ? render_markdown(evs[i]) : render_human(evs[i], false);
      }
      return out;
    }
  }
  return "";
}

}  // namespace hwsim
