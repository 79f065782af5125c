#include "sim/report/html.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

#include "sim/core/catalog_paths.hpp"
#include "sim/report/report.hpp"

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

using Format1 = std::function<std::string(double)>;

constexpr std::string_view kPalette[] = {"#3b6fb6", "#e08a2c", "#4f9a59", "#c44e52", "#8172b3", "#8c8c8c"};
constexpr double kWidth = 640;

// Short tick labels: 1.2k, 3.4M, 0.05.
std::string compact(double v) {
  const double a = std::fabs(v);
  if (a >= 1e12) return fmt::format("{:.3g}T", v / 1e12);
  if (a >= 1e9) return fmt::format("{:.3g}G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g}M", v / 1e6);
  if (a >= 1e3) return fmt::format("{:.3g}k", v / 1e3);
  return fmt::format("{:.3g}", v);
}

std::string fit_label(const std::string& s, std::size_t n) { return s.size() <= n ? s : s.substr(0, n - 1) + "~"; }

// Round tick values (steps of 1, 2 or 5 x 10^k) covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi) {
  if (!(hi > lo)) hi = lo + (lo == 0 ? 1 : std::fabs(lo));
  const double raw = (hi - lo) / 5;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  const double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude;
  std::vector<double> ticks;
  for (double t = std::floor(lo / step) * step; t <= hi + step * 1e-6; t += step) {
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  }
  if (ticks.back() < hi) ticks.push_back(ticks.back() + step);
  return ticks;
}

struct Scale {
  double lo, hi, x0, x1;
  [[nodiscard]] double at(double v) const { return x0 + (v - lo) / (hi - lo) * (x1 - x0); }
};

std::string svg_open(double height, const std::string& title) {
  return fmt::format(
      "<svg class=\"chart\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\">"
      "<title>{2}</title><text class=\"title\" x=\"10\" y=\"20\">{2}</text>",
      kWidth, height, html_escape(title));
}

std::string text(double x, double y, const std::string& s, std::string_view anchor = "start",
                 std::string_view cls = "") {
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\"{}>{}</text>", x, y, anchor,
                     cls.empty() ? "" : fmt::format(" class=\"{}\"", cls), html_escape(s));
}

std::string rect(double x, double y, double w, double h, std::string_view fill) {
  return fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>", x, y,
                     std::max(0.0, w), h, fill);
}

std::string line(double x1, double y1, double x2, double y2, std::string_view cls) {
  return fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" class=\"{}\"/>", x1, y1, x2, y2,
                     cls);
}

// Vertical grid lines with tick labels under the plot, and the axis label below them.
std::string x_axis(const Scale& s, const std::vector<double>& ticks, double top, double bottom, const Format1& tick,
                   const std::string& label) {
  std::string out;
  for (double t : ticks) {
    out += line(s.at(t), top, s.at(t), bottom, t == 0 ? "zero" : "grid");
    out += text(s.at(t), bottom + 14, tick(t), "middle", "tick");
  }
  out += text((s.x0 + s.x1) / 2, bottom + 32, label, "middle", "axis");
  return out;
}

std::string legend(const std::vector<std::string>& names, double y) {
  std::string out;
  double x = 10;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += rect(x, y - 9, 10, 10, kPalette[i % std::size(kPalette)]);
    out += text(x + 14, y, names[i], "start", "tick");
    x += 24 + 6.5 * static_cast<double>(names[i].size());
  }
  return out;
}

// One row of a bar chart: a value per series (absent: the deployment does not fit), with its P10-P90 when known.
struct BarRow {
  std::string label;
  std::vector<std::optional<double>> values;
  std::vector<const Percentiles*> spreads;
};

std::string bar_chart(const std::string& title, const std::string& axis_label, const std::vector<std::string>& series,
                      const std::vector<BarRow>& rows, const Format1& value_text, const Format1& tick) {
  const double left = 150;
  const double right = 130;
  const double top = series.size() > 1 ? 48 : 34;
  const double bar = 16;
  const double block = static_cast<double>(series.size()) * (bar + 3) + 10;
  const double bottom = top + block * static_cast<double>(rows.size());
  double high = 0;
  for (const auto& r : rows) {
    for (std::size_t s = 0; s < r.values.size(); ++s) {
      if (r.values[s]) high = std::max(high, *r.values[s]);
      if (r.spreads[s] != nullptr) high = std::max(high, r.spreads[s]->p90);
    }
  }
  const auto ticks = nice_ticks(0, high);
  const Scale sc{ticks.front(), ticks.back(), left, kWidth - right};
  std::string out = svg_open(bottom + 44, title);
  if (series.size() > 1) out += legend(series, 38);
  out += x_axis(sc, ticks, top - 4, bottom, tick, axis_label);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double y0 = top + block * static_cast<double>(i) + 5;
    out += text(left - 8, y0 + block / 2 - 2, fit_label(rows[i].label, 22), "end", "label");
    for (std::size_t s = 0; s < rows[i].values.size(); ++s) {
      const double y = y0 + static_cast<double>(s) * (bar + 3);
      if (!rows[i].values[s]) {
        out += text(left + 4, y + bar - 4, "does not fit", "start", "note");
        continue;
      }
      const double v = *rows[i].values[s];
      double end = sc.at(v);
      out += rect(left, y, end - left, bar, kPalette[s % std::size(kPalette)]);
      if (const Percentiles* p = rows[i].spreads[s]; p != nullptr && p->p90 > p->p10) {
        const double mid = y + bar / 2;
        out += line(sc.at(p->p10), mid, sc.at(p->p90), mid, "whisker");
        out += line(sc.at(p->p10), mid - 5, sc.at(p->p10), mid + 5, "whisker");
        out += line(sc.at(p->p90), mid - 5, sc.at(p->p90), mid + 5, "whisker");
        end = std::max(end, sc.at(p->p90));
      }
      out += text(end + 5, y + bar - 3, value_text(v), "start", "value");
    }
  }
  return out + "</svg>\n";
}

const Result* in(const std::vector<const Result*>& results, std::size_t i) { return results[i]; }

BarRow metric_row(const Result& r, const std::vector<std::string>& keys) {
  BarRow row{r.deployment, {}, {}};
  for (const auto& k : keys) {
    row.values.push_back(r.fits ? r.metric(k) : std::nullopt);
    row.spreads.push_back(r.fits ? percentiles_of(r, k) : nullptr);
  }
  return row;
}

std::string metric_chart(const std::vector<const Result*>& results, const std::string& title,
                         const std::vector<std::string>& keys, const std::vector<std::string>& series,
                         const std::string& axis_label, const Format1& tick) {
  std::vector<BarRow> rows;
  for (std::size_t i = 0; i < results.size(); ++i) rows.push_back(metric_row(*in(results, i), keys));
  return bar_chart(
      title, axis_label, series, rows, [&](double v) { return format_metric(keys.front(), v); }, tick);
}

// TCO split into its parts, one stacked bar per deployment.
std::string cost_chart(const std::vector<const Result*>& results) {
  std::vector<std::string> names;
  for (const auto* r : results) {
    for (const auto& m : r->cost_breakdown) {
      if (std::find(names.begin(), names.end(), m.key) == names.end()) names.push_back(m.key);
    }
  }
  if (names.empty()) return "";
  std::vector<std::string> labels;
  for (const auto& n : names) {
    // The chart's title says "over the facility's years": the legend drops the tables' "(all years)" to fit the card.
    std::string label(metric_label(n));
    if (const auto at = label.find(" (all years)"); at != std::string::npos) label.erase(at);
    labels.push_back(std::move(label));
  }
  const double left = 150;
  const double right = 90;
  const double top = 50;
  const double block = 30;
  const double bottom = top + block * static_cast<double>(results.size());
  double high = 0;
  for (const auto* r : results) {
    double sum = 0;
    for (const auto& m : r->cost_breakdown) sum += m.value;
    high = std::max(high, sum);
  }
  const auto ticks = nice_ticks(0, high);
  const Scale sc{ticks.front(), ticks.back(), left, kWidth - right};
  std::string out = svg_open(bottom + 44, "TCO breakdown (capex + opex over the facility's years)");
  out += legend(labels, 40);
  out += x_axis(
      sc, ticks, top - 4, bottom, [](double v) { return std::string(1, '$').append(compact(v)); }, "USD");
  for (std::size_t i = 0; i < results.size(); ++i) {
    const double y = top + block * static_cast<double>(i) + 6;
    out += text(left - 8, y + 13, fit_label(results[i]->deployment, 22), "end", "label");
    double x = left;
    double sum = 0;
    for (const auto& m : results[i]->cost_breakdown) {
      const auto k = static_cast<std::size_t>(std::find(names.begin(), names.end(), m.key) - names.begin());
      const double w = sc.at(sum + m.value) - sc.at(sum);
      out += fmt::format("<g><title>{}: {}</title>{}</g>", html_escape(labels[k]), format_metric("tco_usd", m.value),
                         rect(x, y, w, 18, kPalette[k % std::size(kPalette)]));
      x += w;
      sum += m.value;
    }
    out += text(x + 5, y + 13, format_metric("tco_usd", sum), "start", "value");
  }
  return out + "</svg>\n";
}

// Throughput against $/M tokens, one point per deployment; the Pareto front (no other point is both cheaper and
// faster) is joined and highlighted.
std::string pareto_chart(const std::vector<const Result*>& results) {
  struct Point {
    std::string label;
    double cost, throughput;
    bool front = false;
  };
  std::vector<Point> points;
  for (const auto* r : results) {
    const auto cost = r->metric("usd_per_million_tokens");
    const auto tput = r->metric("throughput_tokens_per_s");
    if (r->fits && cost && tput) points.push_back({r->deployment, *cost, *tput});
  }
  if (points.empty()) return "";
  std::sort(points.begin(), points.end(), [](const Point& a, const Point& b) {
    return a.cost < b.cost || (a.cost == b.cost && a.throughput > b.throughput);
  });
  double best = -1;
  for (auto& p : points) {
    p.front = p.throughput > best;
    best = std::max(best, p.throughput);
  }
  const double left = 80;
  const double right = 40;
  const double top = 40;
  const double height = 400;
  const double bottom = height - 50;
  double max_cost = 0;
  double max_tput = 0;
  for (const auto& p : points) {
    max_cost = std::max(max_cost, p.cost);
    max_tput = std::max(max_tput, p.throughput);
  }
  const auto xt = nice_ticks(0, max_cost * 1.08);
  const auto yt = nice_ticks(0, max_tput * 1.08);
  const Scale xs{xt.front(), xt.back(), left, kWidth - right};
  const Scale ys{yt.front(), yt.back(), bottom, top};
  std::string out = svg_open(height, "Throughput vs cost (Pareto front highlighted: up and left is better)");
  out += x_axis(
      xs, xt, top, bottom, [](double v) { return fmt::format("${:.3g}", v); }, "USD per million tokens");
  for (double t : yt) {
    out += line(left, ys.at(t), kWidth - right, ys.at(t), t == 0 ? "zero" : "grid");
    out += text(left - 6, ys.at(t) + 4, compact(t), "end", "tick");
  }
  out += fmt::format(
      "<text class=\"axis\" transform=\"translate(18 {:.1f}) rotate(-90)\" text-anchor=\"middle\">"
      "throughput (tokens/s)</text>",
      (top + bottom) / 2);
  std::string front;
  for (const auto& p : points) {
    if (p.front) front += fmt::format("{:.1f},{:.1f} ", xs.at(p.cost), ys.at(p.throughput));
  }
  out += fmt::format("<polyline class=\"front\" points=\"{}\"/>", front);
  std::vector<std::pair<double, double>> placed;  // label anchors so far: near points get their labels stacked
  for (const auto& p : points) {
    const double x = xs.at(p.cost);
    const double y = ys.at(p.throughput);
    double label_y = y - 7;
    while (std::any_of(placed.begin(), placed.end(), [&](const auto& q) {
      return std::fabs(q.first - x) < 90 && std::fabs(q.second - label_y) < 13;
    })) {
      label_y -= 14;
    }
    placed.emplace_back(x, label_y);
    out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\"><title>{}: {}, {}</title></circle>", x,
                       y, p.front ? 6 : 4.5, p.front ? kPalette[1] : kPalette[5], html_escape(p.label),
                       format_metric("throughput_tokens_per_s", p.throughput),
                       format_metric("usd_per_million_tokens", p.cost));
    const bool right_side = x < kWidth - right - 120;
    out += text(right_side ? x + 9 : x - 9, label_y, p.label, right_side ? "start" : "end", "label");
  }
  return out + "</svg>\n";
}

// A tornado: the metric of one result with each input at its low and at its high end (the others at midpoints),
// widest swing on top, around the point estimate; each row is labelled with the input's elasticity.
std::string tornado_chart(const Result& r, const std::string& key) {
  const auto mid = r.metric(key);
  std::vector<const Sensitivity*> rows;
  for (const auto& s : r.sensitivity) {
    if (s.metric == key) rows.push_back(&s);
  }
  if (rows.empty() || !mid) return "";
  std::stable_sort(rows.begin(), rows.end(), [](const Sensitivity* a, const Sensitivity* b) {
    return std::fabs(a->at_high - a->at_low) > std::fabs(b->at_high - b->at_low);
  });
  if (rows.size() > 10) rows.resize(10);
  const double left = 200;
  const double right = 60;
  const double top = 48;
  const double block = 26;
  const double bottom = top + block * static_cast<double>(rows.size());
  double lo = *mid;
  double hi = *mid;
  for (const auto* s : rows) {
    lo = std::min({lo, s->at_low, s->at_high});
    hi = std::max({hi, s->at_low, s->at_high});
  }
  const double pad = std::max((hi - lo) * 0.08, std::fabs(*mid) * 1e-3);
  const auto ticks = nice_ticks(lo - pad, hi + pad);
  const Scale sc{ticks.front(), ticks.back(), left, kWidth - right};
  std::string out =
      svg_open(bottom + 44, fmt::format("Sensitivity of {}: {} / {}", metric_label(key), r.deployment, r.workload));
  out += legend({"input at its low end", "input at its high end"}, 38);
  const bool money = key == "usd_per_million_tokens";
  out += x_axis(
      sc, ticks, top - 4, bottom, [&](double v) { return money ? fmt::format("${:.3g}", v) : compact(v); },
      metric_label(key) + (money ? " (USD); label: elasticity" : " (tokens/s); label: elasticity"));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double y = top + block * static_cast<double>(i) + 5;
    const Sensitivity& s = *rows[i];
    out += text(left - 8, y + 12, fit_label(s.input, 30), "end", "label");
    for (const auto& [value, color] : {std::pair{s.at_low, kPalette[0]}, std::pair{s.at_high, kPalette[1]}}) {
      const double x0 = sc.at(std::min(*mid, value));
      out += rect(x0, y, sc.at(std::max(*mid, value)) - x0, 16, color);
    }
    const double right_end = sc.at(std::max({*mid, s.at_low, s.at_high}));
    out += text(right_end + 4, y + 12, fmt::format("{:+.2f}", s.elasticity), "start", "value");
  }
  out += line(sc.at(*mid), top - 4, sc.at(*mid), bottom, "zero");
  return out + "</svg>\n";
}

// Metric rows x result columns, as in the text table, with P10-P90 under values that have a spread.
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
    out += fmt::format("<tr><td title=\"{0}\">{1}</td>", html_escape(k), html_escape(metric_label(k)));
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

std::string workload_section(const Evaluation& ev, const std::string& workload) {
  std::vector<const Result*> rs;
  for (const auto& r : ev.results) {
    if (r.workload == workload) rs.push_back(&r);
  }
  const auto money = [](double v) { return std::string(1, '$').append(compact(v)); };
  std::string out = fmt::format("<h2>{} <span class=\"kind\">({})</span></h2>\n<div class=\"charts\">\n",
                                html_escape(workload), html_escape(rs.front()->kind));
  out += metric_chart(rs, "Throughput", {"throughput_tokens_per_s"}, {"throughput"}, "tokens/s", compact);
  out += metric_chart(rs, "Power at load", {"it_power_w", "facility_power_w"}, {"IT (at the wall)", "facility (x PUE)"},
                      "W", [](double v) { return compact(v) + "W"; });
  out += metric_chart(rs, "Total cost of ownership", {"tco_usd"}, {"TCO"}, "USD", money);
  out += metric_chart(rs, "Cost per million tokens", {"usd_per_million_tokens"}, {"$/M tokens"},
                      "USD per million tokens", [](double v) { return fmt::format("${:.3g}", v); });
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
.meta { color: #555; margin: 2px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(660px, 1fr)); gap: 14px; }
svg.chart { background: #fff; border: 1px solid #d9dce1; border-radius: 6px; font-size: 12px; }
svg .title { font-weight: 600; font-size: 14px; } svg .tick { fill: #555; font-size: 11px; }
svg .axis { fill: #333; font-size: 12px; } svg .label { fill: #222; } svg .value { fill: #333; font-size: 11px; }
svg .note { fill: #999; font-style: italic; } svg .grid { stroke: #e4e6ea; } svg .zero { stroke: #888; }
svg .whisker { stroke: #222; stroke-width: 1.5; }
svg .front { fill: none; stroke: #e08a2c; stroke-width: 2; stroke-dasharray: 5 3; }
table { border-collapse: collapse; margin: 14px 0; background: #fff; font-size: 13px; }
th, td { border: 1px solid #d9dce1; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #eef0f3; } .spread { color: #777; font-size: 11px; } .note { color: #555; }
)";

}  // namespace

std::string render_html(const std::vector<Evaluation>& evs) {
  std::string title = "hwsim report";
  if (evs.size() == 1) title += ": " + evs.front().scenario;
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n",
      html_escape(title), kStyle);
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
    for (const auto& w : workloads) out += workload_section(ev, w);
  }
  return out + "</body>\n</html>\n";
}

}  // namespace hwsim
