#include "sim/report/svg_chart.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <iterator>

#include "sim/plan/metrics.hpp"
#include "sim/report/html.hpp"
#include "sim/report/number_text.hpp"

namespace hwsim::chart {

const std::string_view kStyle = R"(
svg.chart { background: #fff; border: 1px solid #d9dce1; border-radius: 6px; font-size: 12px; }
svg .title { font-weight: 600; font-size: 14px; } svg .subtitle { fill: #555; font-size: 12px; }
svg .tick { fill: #555; font-size: 11px; } svg .axis { fill: #333; font-size: 12px; }
svg .label { fill: #222; } svg .value { fill: #333; font-size: 11px; }
svg .value, svg .label, svg .limit-text { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; } svg .note { fill: #999; font-style: italic; }
svg .grid { stroke: #e4e6ea; } svg .zero { stroke: #888; } svg .frame { fill: none; stroke: #c8ccd2; }
svg .whisker { stroke: #222; stroke-width: 1.5; }
svg .front { fill: none; stroke: #222; stroke-width: 1.5; stroke-dasharray: 5 3; }
svg .series { fill: none; stroke-width: 2; } svg .limit { stroke: #c0392b; stroke-width: 2; stroke-dasharray: 6 3; }
svg .limit-text { fill: #c0392b; font-size: 11px; } svg .inside { fill: #fff; font-size: 11px; }
)";

namespace {

constexpr std::string_view kPalette[] = {"#3b6fb6", "#e08a2c", "#4f9a59", "#c44e52", "#8172b3",
                                         "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"};

double pow10(double e) { return std::pow(10.0, e); }

}  // namespace

std::string_view colour(std::size_t i) { return kPalette[i % std::size(kPalette)]; }

std::string ramp(std::size_t i, std::size_t n) {
  // From a light to a dark blue through the same hue, so that order reads as lightness.
  const double t = n <= 1 ? 1.0 : static_cast<double>(i) / static_cast<double>(n - 1);
  const auto mix = [&](double a, double b) { return static_cast<int>(std::lround(a + (b - a) * t)); };
  return fmt::format("#{:02x}{:02x}{:02x}", mix(158, 8), mix(202, 48), mix(225, 107));
}

Ticks nice_ticks(double lo, double hi, bool integer, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = hi = 0;
  if (lo > hi) std::swap(lo, hi);
  if (hi == lo) {
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= integer ? std::max(1.0, std::round(pad)) : pad;
    hi += integer ? std::max(1.0, std::round(pad)) : pad;
    if (lo < 0 && hi - pad >= 0) lo = 0;  // a constant at or above zero: from zero (or just under it) up
  }
  const double raw = (hi - lo) / std::max(1, target);
  const double magnitude = pow10(std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude;
  if (integer) step = std::max(1.0, std::round(step));
  Ticks t{{}, step};
  const double first = std::floor(lo / step + 1e-9);
  const double last = std::ceil(hi / step - 1e-9);
  for (double k = first; k <= last && t.values.size() < 200; k += 1) {
    const double v = k * step;
    t.values.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  }
  if (t.values.size() < 2) t.values.push_back(t.values.back() + step);
  return t;
}

Ticks log_ticks(double lo, double hi) {
  const int a = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  const int b = std::max(a + 1, static_cast<int>(std::ceil(std::log10(hi) - 1e-9)));
  Ticks t{{}, 0};
  for (int e = a; e <= b; ++e) {
    t.values.push_back(pow10(e));
    if (e < b && b - a <= 3) {
      t.values.push_back(2 * pow10(e));
      t.values.push_back(5 * pow10(e));
    }
  }
  return t;
}

AxisUnit metric_unit(const std::string& key, double max_abs) {
  const MetricInfo* m = find_metric_info(key);
  if (m == nullptr) return {};
  switch (m->style) {
    case MetricStyle::money:
    case MetricStyle::usd_rate: return {1, "USD", "", true, false};
    case MetricStyle::percent: return {0.01, "%", "", false, false};
    case MetricStyle::energy:  // from a kWh up in Wh with SI prefixes ("40 MWh"), else in joules
      return max_abs >= 3.6e6 ? AxisUnit{3600, "Wh", "Wh", false, false} : AxisUnit{1, "J", "J", false, false};
    case MetricStyle::plain: return {1, std::string(m->unit), "", m->unit == "USD", m->unit.empty()};
    case MetricStyle::quantity: break;
  }
  if (m->dimension != Dimension::seconds) {
    const std::string symbol = format_quantity(1, m->dimension).substr(2);  // "1 W" -> "W"
    return {1, symbol, symbol, false, false};
  }
  constexpr std::pair<double, std::string_view> kDurations[] = {{86400, "days"}, {3600, "h"},  {60, "min"},
                                                                {1, "s"},        {1e-3, "ms"}, {1e-6, "us"}};
  for (const auto& [factor, name] : kDurations) {
    if (max_abs >= 2 * factor || factor == 1e-6) return {factor, std::string(name), "", false, false};
  }
  return {1, "s", "", false, false};
}

Axis::Axis(double lo, double hi, double p0, double p1, AxisUnit unit, std::string label, bool log)
    : unit_(std::move(unit)), label_(std::move(label)), log_(log && lo > 0 && hi > lo), p0_(p0), p1_(p1) {
  const double f = unit_.factor;
  ticks_ = log_ ? log_ticks(lo / f, hi / f) : nice_ticks(lo / f, hi / f, unit_.integer);
}

double Axis::tick_at(double shown) const {
  const double a = ticks_.values.front();
  const double b = ticks_.values.back();
  double u = 0;
  if (log_) {
    u = (std::log10(std::max(shown, a)) - std::log10(a)) / (std::log10(b) - std::log10(a));
  } else {
    u = (shown - a) / (b - a);
  }
  return p0_ + std::clamp(u, 0.0, 1.0) * (p1_ - p0_);
}

double Axis::at(double value_in_si) const { return tick_at(value_in_si / unit_.factor); }

std::string Axis::tick_label(double shown) const {
  return tick_text(shown, log_ ? shown : ticks_.step, unit_.tick_unit, unit_.money);
}

std::string Axis::title() const {
  std::string t = label_;
  // The unit after the label, unless the label names it already ("USD per million tokens").
  if (!unit_.unit.empty() && !(unit_.unit.size() >= 3 && label_.find(unit_.unit) != std::string::npos)) {
    t += ", " + unit_.unit;
  }
  return log_ ? t + " (log scale)" : t;
}

std::string Axis::short_title() const {
  if (unit_.unit.empty()) return title();
  return log_ ? unit_.unit + " (log scale)" : unit_.unit;
}

double Axis::widest_tick_px() const {
  double w = 0;
  for (double t : ticks_.values) w = std::max(w, text_px(tick_label(t)));
  return w;
}

std::string x_axis(const Axis& x, const Frame& f) {
  std::string out;
  for (double t : x.ticks().values) {
    const double px = x.tick_at(t);
    out += line(px, f.top, px, f.bottom, t == 0 && !x.log() ? "zero" : "grid");
    out += text(px, f.bottom + 14, x.tick_label(t), "middle", "tick");
  }
  return out + text((f.left + f.right) / 2, f.bottom + 32, x.title(), "middle", "axis");
}

std::string y_axis(const Axis& y, const Frame& f) {
  std::string out;
  for (double t : y.ticks().values) {
    const double py = y.tick_at(t);
    out += line(f.left, py, f.right, py, t == 0 && !y.log() ? "zero" : "grid");
    out += text(f.left - 6, py + 4, y.tick_label(t), "end", "tick");
  }
  const double mid = (f.top + f.bottom) / 2;
  return out +
         fmt::format(
             "<text class=\"axis\" transform=\"translate(16 {:.1f}) rotate(-90)\" text-anchor=\"middle\">{}"
             "</text>",
             mid,
             html_escape(fit(text_px(y.title()) <= f.bottom - f.top ? y.title() : y.short_title(), f.bottom - f.top)));
}

std::string legend(const std::vector<LegendItem>& items, double x, double y, double width, double& height) {
  std::string out;
  double cx = x;
  double cy = y;
  for (const auto& item : items) {
    const double w = 20 + 0.9 * text_px(item.label);  // legend text is 11 px
    if (cx > x && cx + w > x + width) {
      cx = x;
      cy += 16;
    }
    out += rect(cx, cy - 9, 10, 10, item.colour);
    out += text(cx + 14, cy, fit(item.label, width - 14), "start", "tick");
    cx += w + 10;
  }
  height += cy - y + 16;
  return out;
}

std::string open(double width, double height, const std::string& title, const std::string& subtitle) {
  std::string out = fmt::format(
      "<svg class=\"chart\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\">"
      "<title>{2}</title><text class=\"title\" x=\"10\" y=\"20\">{3}</text>",
      width, height, html_escape(subtitle.empty() ? title : title + ": " + subtitle),
      html_escape(fit(title, (width - 20) * 12 / 14.5)));
  if (!subtitle.empty()) out += text(10, 36, fit(subtitle, width - 20), "start", "subtitle");
  return out;
}

std::string text(double x, double y, const std::string& s, std::string_view anchor, std::string_view cls) {
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\"{}>{}</text>", x, y, anchor,
                     cls.empty() ? "" : fmt::format(" class=\"{}\"", cls), html_escape(s));
}

std::string rect(double x, double y, double w, double h, std::string_view fill, const std::string& tooltip) {
  const std::string r = fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"", x,
                                    y, std::max(0.0, w), h, fill);
  return tooltip.empty() ? r + "/>" : fmt::format("{}><title>{}</title></rect>", r, html_escape(tooltip));
}

std::string line(double x1, double y1, double x2, double y2, std::string_view cls) {
  return fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" class=\"{}\"/>", x1, y1, x2, y2,
                     cls);
}

std::string circle(double x, double y, double r, std::string_view fill, const std::string& tooltip) {
  return fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\"><title>{}</title></circle>", x, y, r,
                     fill, html_escape(tooltip));
}

std::string polyline(const std::vector<std::pair<double, double>>& points, std::string_view cls,
                     std::string_view stroke) {
  std::string p;
  for (const auto& [x, y] : points) p += fmt::format("{:.1f},{:.1f} ", x, y);
  return fmt::format("<polyline class=\"{}\" points=\"{}\"{}/>", cls, p,
                     stroke.empty() ? "" : fmt::format(" stroke=\"{}\"", stroke));
}

double text_px(std::string_view s) { return 6.5 * static_cast<double>(s.size()); }

std::string fit(const std::string& s, double px) {
  const auto n = static_cast<std::size_t>(std::max(2.0, px / 6.5));
  return s.size() <= n ? s : s.substr(0, n - 1) + "~";
}

std::vector<std::size_t> pareto_front(const std::vector<std::pair<double, double>>& cost_value) {
  std::vector<std::size_t> order(cost_value.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto& [ca, va] = cost_value[a];
    const auto& [cb, vb] = cost_value[b];
    return ca < cb || (ca == cb && va > vb);
  });
  std::vector<std::size_t> front;
  for (const std::size_t i : order) {
    if (front.empty() || cost_value[i].second > cost_value[front.back()].second) front.push_back(i);
  }
  return front;
}

}  // namespace hwsim::chart
