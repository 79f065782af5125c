#include "sim/report/html.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <optional>

#include "sim/core/catalog_paths.hpp"
#include "sim/report/html_charts.hpp"
#include "sim/report/report.hpp"
#include "sim/report/svg_chart.hpp"

namespace hwsim {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// Metric rows x result columns, as in the text table, with P10-P90 under values that have a spread; rows whose
// label the registry indents ("  compute" under "prefill") are indented.
std::string table(const std::vector<const Result*>& results, const std::vector<Metric> Result::*part,
                  const std::string& heading) {
  std::vector<std::string> keys;
  for (const auto* r : results) {
    for (const auto& m : r->*part) {
      if (std::find(keys.begin(), keys.end(), m.key) == keys.end()) keys.push_back(m.key);
    }
  }
  if (keys.empty()) return "";
  std::string out = fmt::format("<table><thead><tr><th>{}</th>", html_escape(heading));
  for (const auto* r : results) out += fmt::format("<th>{}</th>", html_escape(r->deployment));
  out += "</tr></thead><tbody>\n";
  if (part == &Result::metrics) {
    out += "<tr><td>fits</td>";
    for (const auto* r : results) out += fmt::format("<td>{}</td>", r->fits ? "yes" : "<b>no</b>");
    out += "</tr>\n";
  }
  for (const auto& k : keys) {
    const std::string label = metric_label(k);
    const std::size_t indent = label.find_first_not_of(' ');
    out += fmt::format("<tr><td title=\"{}\"{}>{}</td>", html_escape(k),
                       indent > 0 && indent != std::string::npos ? " class=\"sub\"" : "",
                       html_escape(indent == std::string::npos ? label : label.substr(indent)));
    for (const auto* r : results) {
      std::string c = "-";
      for (const auto& m : r->*part) {
        if (m.key == k) c = html_escape(format_metric(k, m.value));
      }
      if (const Percentiles* p = percentiles_of(*r, k); p != nullptr && p->p90 > p->p10) {
        c += fmt::format("<br><span class=\"spread\">P10-P90 {} - {}</span>", html_escape(format_metric(k, p->p10)),
                         html_escape(format_metric(k, p->p90)));
      }
      out += "<td>" + c + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody></table>\n";
}

// The figures of the summary table, in this order (columns no result has are left out).
constexpr std::string_view kSummaryKeys[] = {
    "throughput_tokens_per_s", "usd_per_million_tokens", "tco_usd", "it_power_w",
    "time_to_train_s",         "cost_to_train_usd"};

// Every workload x deployment in one table, the cheapest per token of each workload marked.
std::string summary_table(const Evaluation& ev) {
  std::vector<std::string> keys;
  for (const auto key : kSummaryKeys) {
    const bool any = std::any_of(ev.results.begin(), ev.results.end(),
                                 [&](const Result& r) { return r.metric(std::string(key)).has_value(); });
    if (any) keys.emplace_back(key);
  }
  std::string out = "<table class=\"summary\"><thead><tr><th>workload</th><th>deployment</th><th>fits</th>";
  for (const auto& k : keys) out += fmt::format("<th>{}</th>", html_escape(metric_label(k)));
  out += "</tr></thead><tbody>\n";
  std::vector<const Result*> order;  // grouped by workload, in first-seen order
  for (const auto& r : ev.results) {
    const auto same = [&](const Result* o) { return o->workload == r.workload; };
    const auto last = std::find_if(order.rbegin(), order.rend(), same);
    order.insert(last == order.rend() ? order.end() : last.base(), &r);
  }
  for (std::size_t i = 0; i < order.size(); ++i) {
    const Result& r = *order[i];
    const bool first = i == 0 || order[i - 1]->workload != r.workload;
    std::optional<double> cheapest;
    for (const auto& o : ev.results) {
      const auto v = o.metric("usd_per_million_tokens");
      if (o.workload == r.workload && o.fits && v && (!cheapest || *v < *cheapest)) cheapest = v;
    }
    out += fmt::format(
        "<tr{}><td>{}</td><td>{}</td><td>{}</td>", first ? " class=\"group\"" : "",
        first ? fmt::format("{} <span class=\"kind\">({})</span>", html_escape(r.workload), html_escape(r.kind)) : "",
        html_escape(r.deployment), r.fits ? "yes" : "<b>no</b>");
    for (const auto& k : keys) {
      const auto v = r.metric(k);
      const bool best = k == "usd_per_million_tokens" && v && r.fits && cheapest && *v == *cheapest;
      out += fmt::format("<td{}>{}</td>", best ? " class=\"best\"" : "", v ? html_escape(format_metric(k, *v)) : "-");
    }
    out += "</tr>\n";
  }
  return out + "</tbody></table>\n";
}

std::string workload_section(const Evaluation& ev, const std::string& workload) {
  std::vector<const Result*> rs;
  for (const auto& r : ev.results) {
    if (r.workload == workload) rs.push_back(&r);
  }
  std::string out = fmt::format("<h2>{} <span class=\"kind\">({})</span></h2>\n<div class=\"charts\">\n",
                                html_escape(workload), html_escape(rs.front()->kind));
  out += metric_chart(rs, "Throughput", {"throughput_tokens_per_s"}, {"throughput"});
  std::optional<ChartLimit> budget;
  if (ev.power_budget_w) {
    budget = ChartLimit{*ev.power_budget_w,
                        "facility power budget " + format_quantity(*ev.power_budget_w, Dimension::watts)};
  }
  out += metric_chart(rs, "Power at load", {"it_power_w", "facility_power_w"}, {"IT (at the wall)", "facility (x PUE)"},
                      budget);
  out += metric_chart(rs, "Total cost of ownership", {"tco_usd"}, {"TCO"});
  out += metric_chart(rs, "Cost per million tokens", {"usd_per_million_tokens"}, {"$/M tokens"});
  out += metric_chart(rs, "Time to train", {"time_to_train_s"}, {"time to train"});
  out += metric_chart(rs, "Cost to train", {"cost_to_train_usd"}, {"cost to train"});
  out += cost_chart(rs);
  out += pareto_chart(rs);
  for (const auto* r : rs) {
    for (const auto& key : {std::string("usd_per_million_tokens"), std::string("throughput_tokens_per_s")}) {
      out += tornado_chart(*r, key);
    }
  }
  out += "</div>\n";
  out += table(rs, &Result::metrics, "metric");
  out += table(rs, &Result::cost_breakdown, "TCO part");
  out += table(rs, &Result::breakdown, "time breakdown");
  for (const auto* r : rs) {
    if (r->sizing) {
      out += fmt::format("<p class=\"note\">{}: {}</p>\n", html_escape(r->deployment),
                         html_escape(describe_sizing(*r->sizing)));
    }
    if (!r->message.empty()) {
      out += fmt::format("<p class=\"note\">{}: {}</p>\n", html_escape(r->deployment), html_escape(r->message));
    }
  }
  return out;
}

constexpr std::string_view kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; background: #f6f7f9; }
h1 { margin: 0 0 4px; font-size: 24px; } h2 { margin: 28px 0 10px; font-size: 19px; }
.kind { color: #777; font-weight: normal; }
.meta { color: #555; margin: 2px 0; max-width: 1300px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(660px, 1fr)); gap: 14px; }
table { border-collapse: collapse; margin: 14px 0; background: #fff; font-size: 13px; }
th, td { border: 1px solid #d9dce1; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.sub { padding-left: 24px; color: #444; }
table.summary td:nth-child(2) { text-align: left; } table.summary tr.group td { border-top: 2px solid #9aa0a8; }
td.best { font-weight: 600; background: #eaf4ea; }
th { background: #eef0f3; } .spread { color: #777; font-size: 11px; } .note { color: #555; }
)";

}  // namespace

std::string render_html(const std::vector<Evaluation>& evs) {
  std::string title = "hwsim report";
  if (evs.size() == 1) title += ": " + evs.front().scenario;
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n",
      html_escape(title), std::string(kStyle) + std::string(chart::kStyle));
  for (const auto& ev : evs) {
    out += fmt::format("<h1>{}</h1>\n", html_escape(ev.scenario));
    if (!ev.description.empty()) out += fmt::format("<p class=\"meta\">{}</p>\n", html_escape(ev.description));
    out += fmt::format("<p class=\"meta\">{} &middot; hwsim {} &middot; efficiencies: {}</p>\n", html_escape(ev.file),
                       html_escape(version_string()),
                       html_escape(ev.results.empty() ? "default" : ev.results.front().calibration));
    const bool spread =
        std::any_of(ev.results.begin(), ev.results.end(), [](const Result& r) { return !r.uncertainty.empty(); });
    if (spread) {
      out +=
          "<p class=\"meta\">Whiskers and P10-P90 figures: spread over the scenario's range inputs "
          "(uniform, Latin-hypercube samples).</p>\n";
    }
    for (const auto& w : ev.warnings) out += fmt::format("<p class=\"note\">warning: {}</p>\n", html_escape(w));
    if (!ev.assumptions.empty()) {
      out += fmt::format("<p class=\"meta\">{}</p>\n", html_escape(describe_assumptions(ev.assumptions)));
    }
    std::vector<std::string> workloads;
    for (const auto& r : ev.results) {
      if (std::find(workloads.begin(), workloads.end(), r.workload) == workloads.end()) workloads.push_back(r.workload);
    }
    if (!ev.results.empty()) out += "<h2>Summary</h2>\n" + summary_table(ev);
    for (const auto& w : workloads) out += workload_section(ev, w);
  }
  return out + "</body>\n</html>\n";
}

}  // namespace hwsim
