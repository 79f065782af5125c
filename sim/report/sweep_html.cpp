#include "sim/report/sweep_html.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>

#include "sim/report/html.hpp"
#include "sim/report/number_text.hpp"
#include "sim/report/report.hpp"
#include "sim/report/svg_chart.hpp"

namespace hwsim {

namespace {

using Row = SweepTable::Row;

// The leading number of a YAML value ("0.1 USD/kWh" -> 0.1); NaN for words.
double leading_number(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  return end == text.c_str() ? std::nan("") : v;
}

// What the page knows of one varied input: its values as numbers (when every value is one), their unit and whether
// they are whole.
struct InputAxis {
  const VaryAxis* axis = nullptr;
  std::vector<double> numbers;  // empty for words (node names): charted by position
  std::string unit;             // the text after the number ("USD/kWh"), "" when none
  bool integer = true;

  explicit InputAxis(const VaryAxis& a) : axis(&a) {
    for (const auto& v : a.values) {
      const double x = leading_number(v);
      if (!std::isfinite(x)) {
        numbers.clear();
        return;
      }
      numbers.push_back(x);
      integer = integer && x == std::round(x);
      char* end = nullptr;
      std::strtod(v.c_str(), &end);
      std::string rest(end);
      rest.erase(0, rest.find_first_not_of(' '));
      if (unit.empty()) unit = rest;
    }
  }
  [[nodiscard]] double x_of(std::size_t k) const { return numbers.empty() ? static_cast<double>(k) : numbers[k]; }
};

// "facility.pue=1.1, deployments.dgx-h100.count=4": a row's inputs.
std::string inputs_text(const SweepTable& t, const Row& r) {
  std::string out;
  for (std::size_t a = 0; a < t.axes.size(); ++a) {
    out += fmt::format("{}{}={}", out.empty() ? "" : ", ", t.axes[a].path, t.axes[a].values[r.value_index[a]]);
  }
  return out;
}

std::string swatch(std::string_view colour, const std::string& label) {
  return fmt::format("<span class=\"item\"><span class=\"swatch\" style=\"background:{}\"></span>{}</span>", colour,
                     html_escape(label));
}

// Points of one workload, fitting, with a finite value of metric column `m`.
std::vector<const Row*> charted(const std::vector<const Row*>& rows, std::size_t m) {
  std::vector<const Row*> out;
  for (const Row* r : rows) {
    if (r->fits && std::isfinite(r->metrics[m])) out.push_back(r);
  }
  return out;
}

struct Pareto {
  std::size_t cost = 0;  // metric columns
  std::size_t value = 0;
};

// Throughput against cost, a colour per deployment, the front dashed; the front's points listed under the chart.
std::string pareto_section(const SweepTable& t, const std::vector<const Row*>& rows,
                           const std::vector<std::string>& deployments, Pareto p) {
  std::vector<const Row*> shown;
  std::vector<std::pair<double, double>> points;
  for (const Row* r : rows) {
    if (!r->fits || !std::isfinite(r->metrics[p.cost]) || !std::isfinite(r->metrics[p.value])) continue;
    shown.push_back(r);
    points.emplace_back(r->metrics[p.cost], r->metrics[p.value]);
  }
  if (points.empty()) return "";
  double x_lo = std::numeric_limits<double>::infinity();
  double x_hi = 0;
  double y_lo = x_lo;
  double y_hi = 0;
  for (const auto& [x, y] : points) {
    x_lo = std::min(x_lo, x);
    x_hi = std::max(x_hi, x);
    y_lo = std::min(y_lo, y);
    y_hi = std::max(y_hi, y);
  }
  const std::string& cost_key = t.metrics[p.cost];
  const std::string& value_key = t.metrics[p.value];
  const bool x_log = x_lo > 0 && x_hi / x_lo >= chart::kLogRatio;
  const bool y_log = y_lo > 0 && y_hi / y_lo >= chart::kLogRatio;
  constexpr double kW = 660;
  constexpr double kTop = 46;
  constexpr double kBottom = 360;
  const chart::Axis y(y_log ? y_lo / 1.2 : 0, y_hi * (y_log ? 1.2 : 1.05), kBottom, kTop,
                      chart::metric_unit(value_key, y_hi), metric_label(value_key), y_log);
  const double left = y.widest_tick_px() + 36;
  const chart::Axis x(x_log ? x_lo / 1.2 : 0, x_hi * (x_log ? 1.2 : 1.05), left, kW - 24,
                      chart::metric_unit(cost_key, x_hi), metric_label(cost_key), x_log);
  const chart::Frame frame{left, kTop, kW - 24, kBottom};
  std::string out = "<figure>" + chart::open(kW, kBottom + 46, "Throughput vs cost",
                                             "every point and deployment; dashed: the Pareto front (up and left is "
                                             "better)");
  out += chart::y_axis(y, frame) + chart::x_axis(x, frame);
  const auto front = chart::pareto_front(points);
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto d = static_cast<std::size_t>(std::find(deployments.begin(), deployments.end(), shown[i]->deployment) -
                                            deployments.begin());
    out += chart::circle(
        x.at(points[i].first), y.at(points[i].second), 3.5, chart::colour(d),
        fmt::format("{}, {}: {}, {}", shown[i]->deployment, inputs_text(t, *shown[i]),
                    format_metric(value_key, points[i].second), format_metric(cost_key, points[i].first)));
  }
  std::vector<std::pair<double, double>> line;
  for (const std::size_t i : front) line.emplace_back(x.at(points[i].first), y.at(points[i].second));
  out += chart::polyline(line, "front") + "</svg>";
  std::string legend;
  for (std::size_t d = 0; d < deployments.size(); ++d) legend += swatch(chart::colour(d), deployments[d]);
  out += "<figcaption class=\"legend\">" + legend + "</figcaption></figure>\n";
  out += fmt::format(
      "<table><thead><tr><th>Pareto front: deployment</th><th>inputs</th><th>{}</th><th>{}</th></tr>"
      "</thead><tbody>\n",
      html_escape(metric_label(value_key)), html_escape(metric_label(cost_key)));
  for (const std::size_t i : front) {
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", html_escape(shown[i]->deployment),
                       html_escape(inputs_text(t, *shown[i])), html_escape(format_metric(value_key, points[i].second)),
                       html_escape(format_metric(cost_key, points[i].first)));
  }
  return out + "</tbody></table>\n";
}

// How the metric charts split and colour rows: x = the input `x_axis`; with one input a single panel coloured by
// deployment, with more a panel per deployment coloured by the other inputs' values.
struct Layout {
  std::size_t x_axis = 0;
  std::vector<InputAxis> inputs;
  std::vector<std::string> deployments;
  std::size_t series_count = 1;  // distinct values of the other inputs together

  [[nodiscard]] bool by_deployment() const { return inputs.size() == 1; }
  // The other inputs' values of a row as one index, first input slowest.
  [[nodiscard]] std::size_t series_of(const Row& r) const {
    std::size_t s = 0;
    for (std::size_t a = 0; a < inputs.size(); ++a) {
      if (a != x_axis) s = s * inputs[a].axis->values.size() + r.value_index[a];
    }
    return s;
  }
  [[nodiscard]] std::string series_label(std::size_t s) const {
    std::string out;
    for (std::size_t a = inputs.size(); a-- > 0;) {
      if (a == x_axis) continue;
      const auto& values = inputs[a].axis->values;
      out = values[s % values.size()] + (out.empty() ? "" : ", " + out);
      s /= values.size();
    }
    return out;
  }
  [[nodiscard]] std::string colour_of(const Row& r) const {
    if (by_deployment()) {
      const auto d = std::find(deployments.begin(), deployments.end(), r.deployment) - deployments.begin();
      return std::string(chart::colour(static_cast<std::size_t>(d)));
    }
    return series_colour(series_of(r));
  }
  // A ramp when the other inputs are numbers (their order reads as lightness), else a colour each.
  [[nodiscard]] std::string series_colour(std::size_t s) const {
    bool numbers = true;
    for (std::size_t a = 0; a < inputs.size(); ++a) numbers = numbers && (a == x_axis || !inputs[a].numbers.empty());
    return numbers ? chart::ramp(s, series_count) : std::string(chart::colour(s));
  }
};

// The x axis of the metric charts: numbers on a nice scale, or words at their positions.
std::string x_axis_of(const InputAxis& in, const chart::Axis& x, const chart::Frame& f) {
  if (!in.numbers.empty()) return chart::x_axis(x, f);
  std::string out;
  for (std::size_t k = 0; k < in.axis->values.size(); ++k) {
    const double px = x.at(static_cast<double>(k));
    out += chart::line(px, f.top, px, f.bottom, "grid");
    out += chart::text(px, f.bottom + 14, chart::fit(in.axis->values[k], 90), "middle", "tick");
  }
  return out + chart::text((f.left + f.right) / 2, f.bottom + 32, in.axis->path, "middle", "axis");
}

// One panel: the rows of one deployment (or all, coloured by deployment) of metric column `m`, a line per series;
// values in the unit that fits `unit_max` (the largest of the row of panels).
std::string panel(const SweepTable& t, const Layout& lay, const std::vector<const Row*>& rows, std::size_t m,
                  const std::string& title, double width, std::pair<double, double> y_range, double unit_max) {
  const InputAxis& in = lay.inputs[lay.x_axis];
  const std::string& key = t.metrics[m];
  constexpr double kTop = 44;
  constexpr double kBottom = 260;
  const chart::Axis y(y_range.first, y_range.second, kBottom, kTop, chart::metric_unit(key, unit_max),
                      metric_label(key));
  const double left = y.widest_tick_px() + 36;
  const double right = width - 22;
  const double n = static_cast<double>(in.axis->values.size());
  const chart::AxisUnit x_unit{1, in.unit, "", in.unit == "USD", in.integer};
  const chart::Axis x = in.numbers.empty() ? chart::Axis(-0.5, n - 0.5, left, right, {}, in.axis->path)
                                           : chart::Axis(*std::min_element(in.numbers.begin(), in.numbers.end()),
                                                         *std::max_element(in.numbers.begin(), in.numbers.end()), left,
                                                         right, x_unit, in.axis->path);
  const chart::Frame frame{left, kTop, right, kBottom};
  std::string out = chart::open(width, kBottom + 46, title) + chart::y_axis(y, frame) + x_axis_of(in, x, frame);
  std::map<std::string, std::vector<const Row*>> lines;  // by series (deployment, or the other inputs' values)
  for (const Row* r : rows) {
    lines[lay.by_deployment() ? r->deployment : fmt::format("{:08}", lay.series_of(*r))].push_back(r);
  }
  for (auto& [name, members] : lines) {
    std::sort(members.begin(), members.end(), [&](const Row* a, const Row* b) {
      return in.x_of(a->value_index[lay.x_axis]) < in.x_of(b->value_index[lay.x_axis]);
    });
    std::vector<std::pair<double, double>> pts;
    for (const Row* r : members) pts.emplace_back(x.at(in.x_of(r->value_index[lay.x_axis])), y.at(r->metrics[m]));
    const std::string colour = lay.colour_of(*members.front());
    if (pts.size() > 1) out += chart::polyline(pts, "series", colour);
    for (std::size_t i = 0; i < pts.size(); ++i) {
      out += chart::circle(pts[i].first, pts[i].second, 3, colour,
                           fmt::format("{}, {}: {}", members[i]->deployment, inputs_text(t, *members[i]),
                                       format_metric(key, members[i]->metrics[m])));
    }
  }
  return out + "</svg>";
}

// The range of metric column `m` over `rows`.
std::pair<double, double> range_of(const std::vector<const Row*>& rows, std::size_t m) {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  for (const Row* r : rows) {
    lo = std::min(lo, r->metrics[m]);
    hi = std::max(hi, r->metrics[m]);
  }
  return {lo, hi};
}

// Metric column `m` of one workload: with one input a chart (the caller writes the legend and the grid), with more
// a row of panels, one per deployment, under the metric's name and the legend of the other inputs' colours.
std::string metric_row(const SweepTable& t, const Layout& lay, const std::vector<const Row*>& rows, std::size_t m) {
  const auto shown = charted(rows, m);
  if (shown.empty()) return "";
  const std::string label = metric_label(t.metrics[m]);
  const auto [lo, hi] = range_of(shown, m);
  const double unit_max = std::max(std::fabs(lo), std::fabs(hi));  // one unit for a row of panels ("h", not "min")
  if (lay.by_deployment()) return panel(t, lay, shown, m, label, 660, {lo, hi}, unit_max) + "\n";
  std::string names;
  for (std::size_t a = 0; a < lay.inputs.size(); ++a) {
    if (a != lay.x_axis) names += (names.empty() ? "" : ", ") + lay.inputs[a].axis->path;
  }
  std::string legend = html_escape(names) + ": ";
  for (std::size_t s = 0; s < lay.series_count; ++s) legend += swatch(lay.series_colour(s), lay.series_label(s));
  std::string out =
      fmt::format("<h3>{}</h3>\n<div class=\"legend\">{}</div>\n<div class=\"panels\">\n", html_escape(label), legend);
  for (const auto& d : lay.deployments) {
    std::vector<const Row*> mine;
    for (const Row* r : shown) {
      if (r->deployment == d) mine.push_back(r);
    }
    if (!mine.empty()) out += panel(t, lay, mine, m, d, 440, range_of(mine, m), unit_max) + "\n";
  }
  return out + "</div>\n";
}

std::ptrdiff_t metric_index(const SweepTable& t, const std::string& key) {
  const auto it = std::find(t.metrics.begin(), t.metrics.end(), key);
  return it == t.metrics.end() ? -1 : it - t.metrics.begin();
}

constexpr std::string_view kPageStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; background: #f6f7f9; }
h1 { margin: 0 0 8px; font-size: 24px; } h2 { margin: 30px 0 8px; font-size: 20px; }
h3 { margin: 18px 0 4px; font-size: 15px; } .kind { color: #777; font-weight: normal; } .meta { color: #555; }
figure { margin: 6px 0; } .panels { display: flex; flex-wrap: wrap; gap: 10px; }
.legend { font-size: 12px; color: #333; margin: 4px 0 6px; } .item { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; }
table { border-collapse: collapse; margin: 10px 0; background: #fff; font-size: 13px; }
th, td { border: 1px solid #d9dce1; padding: 3px 8px; text-align: left; } th { background: #eef0f3; }
)";

std::string header(const SweepTable& t) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hwsim sweep: {0}</title>"
      "<style>{1}{2}</style></head><body>\n<h1>Sweep of {0}</h1>\n"
      "<table><thead><tr><th>varied input</th><th>values</th></tr></thead><tbody>\n",
      html_escape(t.scenario), kPageStyle, chart::kStyle);
  for (const auto& a : t.axes) {
    std::string values;
    for (const auto& v : a.values) values += (values.empty() ? "" : ", ") + v;
    out += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", html_escape(a.path), html_escape(values));
  }
  return out + fmt::format(
                   "</tbody></table>\n<p class=\"meta\">{} rows (points x deployment/workload); results that do not "
                   "fit are left out of the charts.</p>\n",
                   t.rows.size());
}

}  // namespace

std::string render_sweep_html(const SweepTable& t) {
  std::string out = header(t);
  if (t.axes.empty()) return out + "</body></html>\n";
  Layout lay;
  for (const auto& a : t.axes) lay.inputs.emplace_back(a);
  for (std::size_t a = 1; a < lay.inputs.size(); ++a) {
    const auto& best = lay.inputs[lay.x_axis];
    const bool numeric = !lay.inputs[a].numbers.empty();
    if ((numeric && best.numbers.empty()) ||
        (numeric == !best.numbers.empty() && lay.inputs[a].axis->values.size() > best.axis->values.size())) {
      lay.x_axis = a;
    }
  }
  for (std::size_t a = 0; a < lay.inputs.size(); ++a) {
    if (a != lay.x_axis) lay.series_count *= lay.inputs[a].axis->values.size();
  }
  std::vector<std::string> workloads;
  for (const auto& r : t.rows) {
    if (std::find(workloads.begin(), workloads.end(), r.workload) == workloads.end()) workloads.push_back(r.workload);
    if (std::find(lay.deployments.begin(), lay.deployments.end(), r.deployment) == lay.deployments.end()) {
      lay.deployments.push_back(r.deployment);
    }
  }
  const auto tput = metric_index(t, "throughput_tokens_per_s");
  auto cost = metric_index(t, "usd_per_million_tokens");
  if (cost < 0) cost = metric_index(t, "tco_usd");
  for (const auto& w : workloads) {
    std::vector<const Row*> rows;
    for (const auto& r : t.rows) {
      if (r.workload == w) rows.push_back(&r);
    }
    out +=
        fmt::format("<h2>{} <span class=\"kind\">({})</span></h2>\n", html_escape(w), html_escape(rows.front()->kind));
    if (tput >= 0 && cost >= 0) {
      out += pareto_section(t, rows, lay.deployments, {static_cast<std::size_t>(cost), static_cast<std::size_t>(tput)});
    }
    if (lay.by_deployment()) {
      std::string legend;
      for (std::size_t d = 0; d < lay.deployments.size(); ++d) legend += swatch(chart::colour(d), lay.deployments[d]);
      out += fmt::format("<h3>Against {}</h3>\n<div class=\"legend\">{}</div>\n<div class=\"panels\">\n",
                         html_escape(t.axes.front().path), legend);
    }
    for (std::size_t m = 0; m < t.metrics.size(); ++m) out += metric_row(t, lay, rows, m);
    if (lay.by_deployment()) out += "</div>\n";
  }
  return out + "</body></html>\n";
}

}  // namespace hwsim
