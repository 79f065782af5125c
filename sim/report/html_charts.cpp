#include "sim/report/html_charts.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/report/number_text.hpp"
#include "sim/report/report.hpp"
#include "sim/report/svg_chart.hpp"

namespace hwsim {

namespace {

constexpr double kWidth = 640;

// One row of a bar chart: a value per series (absent: the deployment does not fit), with its P10-P90 when known.
struct BarRow {
  std::string label;
  std::vector<std::optional<double>> values;
  std::vector<const Percentiles*> spreads;
};

// The largest bar end (value or P90) and the smallest positive one (value or P10) of `rows`.
std::pair<double, double> bar_range(const std::vector<BarRow>& rows) {
  double high = 0;
  double low = std::numeric_limits<double>::infinity();
  const auto see = [&](double v) {
    high = std::max(high, v);
    if (v > 0) low = std::min(low, v);
  };
  for (const auto& r : rows) {
    for (std::size_t s = 0; s < r.values.size(); ++s) {
      if (r.values[s]) see(*r.values[s]);
      if (r.spreads[s] != nullptr) {
        see(r.spreads[s]->p10);
        see(r.spreads[s]->p90);
      }
    }
  }
  return {low, high};
}

std::string whisker(const chart::Axis& x, const Percentiles& p, double mid) {
  return chart::line(x.at(p.p10), mid, x.at(p.p90), mid, "whisker") +
         chart::line(x.at(p.p10), mid - 5, x.at(p.p10), mid + 5, "whisker") +
         chart::line(x.at(p.p90), mid - 5, x.at(p.p90), mid + 5, "whisker");
}

std::string bar_chart(const std::string& title, const std::vector<std::string>& keys,
                      const std::vector<std::string>& series, const std::vector<BarRow>& rows,
                      const std::optional<ChartLimit>& limit) {
  auto [low, high] = bar_range(rows);
  if (limit) high = std::max(high, limit->value * 1.04);  // the limit inside the plot, never on its edge
  const bool log = std::isfinite(low) && high / low >= chart::kLogRatio;
  double label_px = 0;
  double value_px = 0;
  for (const auto& r : rows) {
    label_px = std::max(label_px, chart::text_px(chart::fit(r.label, 150)));
    for (std::size_t s = 0; s < r.values.size(); ++s) {
      if (r.values[s]) value_px = std::max(value_px, chart::text_px(format_metric(keys[s], *r.values[s])));
    }
  }
  const double left = label_px + 18;
  const double right = std::max(value_px, 70.0) + 14;
  double top = 34;
  std::string body;
  if (series.size() > 1) {
    std::vector<chart::LegendItem> items;
    for (std::size_t s = 0; s < series.size(); ++s) items.push_back({series[s], std::string(chart::colour(s))});
    body += chart::legend(items, 10, top + 6, kWidth - 20, top);
  }
  if (limit) top += 16;  // the limit's label above the plot
  const double bar = 16;
  const double block = static_cast<double>(series.size()) * (bar + 3) + 10;
  const double bottom = top + block * static_cast<double>(rows.size());
  const chart::Axis x(log ? low : 0, high, left, kWidth - right, chart::metric_unit(keys.front(), high), title, log);
  std::string out = chart::open(kWidth, bottom + 46, title) + body;
  out += chart::x_axis(x, {left, top - 4, kWidth - right, bottom});
  const double base = x.at(x.low());
  if (limit) {  // under the bars and their labels (which have a halo)
    const double px = x.at(limit->value);
    out += chart::line(px, top - 8, px, bottom, "limit");
    out += chart::text(px > kWidth / 2 ? px + 4 : px - 4, top - 10, limit->label, px > kWidth / 2 ? "end" : "start",
                       "limit-text");
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double y0 = top + block * static_cast<double>(i) + 5;
    out += chart::text(left - 8, y0 + block / 2 - 2, chart::fit(rows[i].label, 150), "end", "label");
    for (std::size_t s = 0; s < rows[i].values.size(); ++s) {
      const double y = y0 + static_cast<double>(s) * (bar + 3);
      if (!rows[i].values[s]) {
        out += chart::text(left + 4, y + bar - 4, "does not fit", "start", "note");
        continue;
      }
      const double v = *rows[i].values[s];
      double end = x.at(v);
      out += chart::rect(base, y, end - base, bar, chart::colour(s), series[s] + ": " + format_metric(keys[s], v));
      if (const Percentiles* p = rows[i].spreads[s]; p != nullptr && p->p90 > p->p10) {
        out += whisker(x, *p, y + bar / 2);
        end = std::max(end, x.at(p->p90));
      }
      const std::string text = format_metric(keys[s], v);
      const double limit_px = limit ? x.at(limit->value) : -1;
      if (limit_px > end && limit_px < end + 9 + chart::text_px(text) && end - base > chart::text_px(text) + 10) {
        out += chart::text(end - 5, y + bar - 4, text, "end", "inside");  // in the bar, clear of the limit's line
      } else {
        out += chart::text(end + 5, y + bar - 3, text, "start", "value");
      }
    }
  }
  return out + "</svg>\n";
}

// "$250K", "0.08 USD/kWh", "1.3": a range input's value in its unit.
std::string input_value(double v, const std::string& unit) {
  if (unit == "USD") return money_text(v);
  return unit.empty() ? readable_number(v) : readable_number(v) + " " + unit;
}

}  // namespace

std::string metric_chart(const std::vector<const Result*>& results, const std::string& title,
                         const std::vector<std::string>& keys, const std::vector<std::string>& series,
                         const std::optional<ChartLimit>& limit) {
  std::vector<BarRow> rows;
  bool any = false;
  for (const Result* r : results) {
    BarRow row{r->deployment, {}, {}};
    for (const auto& k : keys) {
      row.values.push_back(r->fits ? r->metric(k) : std::nullopt);
      row.spreads.push_back(r->fits ? percentiles_of(*r, k) : nullptr);
      any = any || row.values.back().has_value();
    }
    rows.push_back(std::move(row));
  }
  return any ? bar_chart(title, keys, series, rows, limit) : "";
}

std::string cost_chart(const std::vector<const Result*>& results) {
  std::vector<std::string> names;
  for (const auto* r : results) {
    for (const auto& m : r->cost_breakdown) {
      if (std::find(names.begin(), names.end(), m.key) == names.end()) names.push_back(m.key);
    }
  }
  if (names.empty()) return "";
  std::vector<chart::LegendItem> items;
  for (std::size_t k = 0; k < names.size(); ++k) {
    // The subtitle says "over the facility's years": the legend drops the tables' "(all years)".
    std::string label(metric_label(names[k]));
    if (const auto at = label.find(" (all years)"); at != std::string::npos) label.erase(at);
    items.push_back({std::move(label), std::string(chart::colour(k))});
  }
  double high = 0;
  double value_px = 0;
  for (const auto* r : results) {
    double sum = 0;
    for (const auto& m : r->cost_breakdown) sum += m.value;
    high = std::max(high, sum);
    value_px = std::max(value_px, chart::text_px(format_metric("tco_usd", sum)));
  }
  const double left = 150;
  const double right = value_px + 16;
  double top = 44;
  const std::string legend = chart::legend(items, 10, top + 8, kWidth - 20, top);
  const double block = 30;
  const double bottom = top + block * static_cast<double>(results.size());
  const chart::Axis x(0, high, left, kWidth - right, chart::metric_unit("tco_usd", high), "TCO");
  std::string out = chart::open(kWidth, bottom + 46, "TCO breakdown", "capex + opex over the facility's years");
  out += legend + chart::x_axis(x, {left, top - 4, kWidth - right, bottom});
  for (std::size_t i = 0; i < results.size(); ++i) {
    const double y = top + block * static_cast<double>(i) + 6;
    out += chart::text(left - 8, y + 13, chart::fit(results[i]->deployment, 140), "end", "label");
    double sum = 0;
    for (const auto& m : results[i]->cost_breakdown) {
      const auto k = static_cast<std::size_t>(std::find(names.begin(), names.end(), m.key) - names.begin());
      const double x0 = x.at(sum);
      out += chart::rect(x0, y, x.at(sum + m.value) - x0, 18, chart::colour(k),
                         items[k].label + ": " + format_metric("tco_usd", m.value));
      sum += m.value;
    }
    out += chart::text(x.at(sum) + 5, y + 13, format_metric("tco_usd", sum), "start", "value");
  }
  return out + "</svg>\n";
}

std::string pareto_chart(const std::vector<const Result*>& results) {
  std::vector<const Result*> shown;
  std::vector<std::pair<double, double>> points;  // ($/M tokens, tokens/s)
  for (const auto* r : results) {
    const auto cost = r->metric("usd_per_million_tokens");
    const auto tput = r->metric("throughput_tokens_per_s");
    if (!r->fits || !cost || !tput) continue;
    shown.push_back(r);
    points.emplace_back(*cost, *tput);
  }
  if (points.empty()) return "";
  const auto span = [&](auto get) {
    double lo = std::numeric_limits<double>::infinity();
    double hi = 0;
    for (const auto& p : points) {
      lo = std::min(lo, get(p));
      hi = std::max(hi, get(p));
    }
    return std::pair{lo, hi};
  };
  const auto [cost_lo, cost_hi] = span([](const auto& p) { return p.first; });
  const auto [tput_lo, tput_hi] = span([](const auto& p) { return p.second; });
  const bool x_log = cost_lo > 0 && cost_hi / cost_lo >= chart::kLogRatio;
  const bool y_log = tput_lo > 0 && tput_hi / tput_lo >= chart::kLogRatio;
  const double top = 50;
  const double bottom = 350;
  const double right = kWidth - 30;
  const chart::Axis y(y_log ? tput_lo / 1.3 : 0, tput_hi * (y_log ? 1.3 : 1.08), bottom, top,
                      chart::metric_unit("throughput_tokens_per_s", tput_hi), "throughput", y_log);
  const double left = y.widest_tick_px() + 36;
  const chart::Axis x(x_log ? cost_lo / 1.3 : 0, cost_hi * (x_log ? 1.3 : 1.08), left, right,
                      chart::metric_unit("usd_per_million_tokens", cost_hi), "USD per million tokens", x_log);
  const chart::Frame frame{left, top, right, bottom};
  std::string out = chart::open(kWidth, bottom + 46, "Throughput vs cost",
                                "dashed: the Pareto front (none both cheaper and faster); up and left is better");
  out += chart::y_axis(y, frame) + chart::x_axis(x, frame);
  const auto front = chart::pareto_front(points);
  std::vector<std::pair<double, double>> line;
  for (const std::size_t i : front) line.emplace_back(x.at(points[i].first), y.at(points[i].second));
  out += chart::polyline(line, "front");
  std::vector<std::pair<double, double>> placed;  // label anchors so far: near points get their labels stacked
  for (std::size_t i = 0; i < points.size(); ++i) {
    const double px = x.at(points[i].first);
    const double py = y.at(points[i].second);
    const bool on_front = std::find(front.begin(), front.end(), i) != front.end();
    out += chart::circle(
        px, py, on_front ? 6 : 4.5, on_front ? chart::colour(1) : chart::colour(7),
        fmt::format("{}: {}, {}", shown[i]->deployment, format_metric("throughput_tokens_per_s", points[i].second),
                    format_metric("usd_per_million_tokens", points[i].first)));
    double label_y = py - 9;
    while (std::any_of(placed.begin(), placed.end(), [&](const auto& q) {
      return std::fabs(q.first - px) < 90 && std::fabs(q.second - label_y) < 13;
    })) {
      label_y += label_y < top + 20 ? 14 : -14;
    }
    placed.emplace_back(px, label_y);
    const bool right_side = px < right - 130;
    out += chart::text(right_side ? px + 9 : px - 9, std::max(label_y, top + 10), chart::fit(shown[i]->deployment, 120),
                       right_side ? "start" : "end", "label");
  }
  return out + "</svg>\n";
}

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
  double lo = *mid;
  double hi = *mid;
  for (const auto* s : rows) {
    lo = std::min({lo, s->at_low, s->at_high});
    hi = std::max({hi, s->at_low, s->at_high});
  }
  const double pad = std::max((hi - lo) * 0.5, std::fabs(*mid) * 1e-3);  // room for the input values at bar ends
  const double left = 210;
  const double right = kWidth - 20;
  double top = 50;
  const std::string legend = chart::legend({{"input at its low end", std::string(chart::colour(0))},
                                            {"input at its high end", std::string(chart::colour(1))}},
                                           10, top + 8, kWidth - 20, top);
  const double block = 36;
  const double bottom = top + block * static_cast<double>(rows.size());
  const chart::Axis x(lo - pad, hi + pad, left, right, chart::metric_unit(key, std::max(std::fabs(lo), std::fabs(hi))),
                      metric_label(key));
  std::string out = chart::open(kWidth, bottom + 46, fmt::format("Sensitivity: {} / {}", r.deployment, r.workload),
                                fmt::format("{} with each input at its low and high end", metric_label(key)));
  out += legend + chart::x_axis(x, {left, top - 4, right, bottom});
  const double m = x.at(*mid);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double y = top + block * static_cast<double>(i) + 6;
    const Sensitivity& s = *rows[i];
    out += chart::text(left - 8, y + 10, chart::fit(s.input, left - 16), "end", "label");
    out += chart::text(left - 8, y + 24, fmt::format("elasticity {:+.2f}", s.elasticity), "end", "tick");
    const bool apart = (s.at_low - *mid) * (s.at_high - *mid) <= 0;  // on either side of the point estimate
    const double h = apart ? 22 : 11;
    for (const auto& [value, input, colour, dy] :
         {std::tuple{s.at_low, s.input_low, chart::colour(0), 0.0},
          std::tuple{s.at_high, s.input_high, chart::colour(1), apart ? 0.0 : 11.0}}) {
      const double end = x.at(value);
      out +=
          chart::rect(std::min(m, end), y + dy, std::fabs(end - m), h, colour,
                      fmt::format("{} = {}: {}", s.input, input_value(input, s.input_unit), format_metric(key, value)));
      const bool left_side = value < *mid;
      out += chart::text(left_side ? end - 4 : end + 4, y + dy + h / 2 + 4, input_value(input, s.input_unit),
                         left_side ? "end" : "start", "value");
    }
  }
  out += chart::line(m, top - 4, m, bottom, "zero");
  return out + "</svg>\n";
}

}  // namespace hwsim
