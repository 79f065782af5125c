// Charts as inline SVG for the HTML pages (the run report, sim/report/html.cpp and html_charts.cpp; the sweep page,
// sim/report/sweep_html.cpp): the one home of scales, ticks, axes, legends, colours and the Pareto front.
// Contract: every axis has a title with its unit ("IT power, W") and round ticks (steps of 1, 2 or 5 x 10^k that
// cover the data; whole steps on count axes; 1-2-5 per decade on log axes) labelled by tick_text
// (sim/report/number_text.hpp); legends sit above the plot, never over the data; text that could run past its room is
// shortened, its full text kept as a tooltip.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hwsim::chart {

// Largest to smallest positive value at which a chart switches to a log axis (at 50x the smallest bar of a linear
// axis is 2% of the largest: a few pixels).
inline constexpr double kLogRatio = 50;

// The page style of every chart class below (both pages embed it).
extern const std::string_view kStyle;

// Categorical colours (deployments, series), repeating after ten.
std::string_view colour(std::size_t i);
// A sequential ramp for ordered values (a varied input): light to dark, `i` of `n`.
std::string ramp(std::size_t i, std::size_t n);

struct Ticks {
  std::vector<double> values;  // increasing
  double step = 1;             // between ticks (linear axes)
};
// Round ticks (steps of 1, 2 or 5 x 10^k) from at or below `lo` to at or above `hi`, about `target` steps; with
// `integer`, steps are whole numbers (count axes never show 0.5 devices).
Ticks nice_ticks(double lo, double hi, bool integer = false, int target = 5);
// Ticks of a log axis over [lo, hi] (0 < lo < hi): the powers of ten around them, with 2x and 5x between when the
// range spans three decades or less.
Ticks log_ticks(double lo, double hi);

// How an axis shows one kind of value: shown value = value / factor.
struct AxisUnit {
  double factor = 1;
  std::string unit;       // in the title: "tokens/s", "W", "USD", "days", "%"
  std::string tick_unit;  // after each tick's SI prefix ("W": "400 kW"); empty: bare numbers ("500k")
  bool money = false;     // ticks as "$200K"
  bool integer = false;   // whole steps only
};
// The axis unit of a registered metric whose values reach `max_abs` in magnitude (durations in days, hours, minutes,
// seconds or milliseconds, whichever fits; energy in Wh with SI prefixes; counts with whole steps).
AxisUnit metric_unit(const std::string& key, double max_abs);

// One axis: values [lo, hi] (SI) drawn from pixel p0 to pixel p1 (p1 < p0 for a vertical axis).
class Axis {
 public:
  Axis(double lo, double hi, double p0, double p1, AxisUnit unit, std::string label, bool log = false);
  [[nodiscard]] double at(double value_in_si) const;           // the pixel of a value, clamped to the axis
  [[nodiscard]] const Ticks& ticks() const { return ticks_; }  // in shown units
  [[nodiscard]] double tick_at(double shown) const;            // the pixel of a tick
  [[nodiscard]] std::string tick_label(double shown) const;
  [[nodiscard]] std::string title() const;        // "throughput, tokens/s (log scale)"
  [[nodiscard]] std::string short_title() const;  // the unit alone ("USD"), for an axis too short for the title
  [[nodiscard]] double widest_tick_px() const;
  [[nodiscard]] bool log() const { return log_; }
  [[nodiscard]] double low() const { return ticks_.values.front() * unit_.factor; }  // SI
  [[nodiscard]] const AxisUnit& unit() const { return unit_; }

 private:
  AxisUnit unit_;
  std::string label_;
  bool log_;
  Ticks ticks_;
  double p0_, p1_;
};

// The plot area, in pixels.
struct Frame {
  double left, top, right, bottom;
};

// Vertical grid lines through the plot, tick labels under it and the axis title below them (42 px in all).
std::string x_axis(const Axis& x, const Frame& f);
// Horizontal grid lines, tick labels left of the plot and the title turned upright at the chart's left edge (the unit
// alone when the title is longer than the plot is high).
std::string y_axis(const Axis& y, const Frame& f);

struct LegendItem {
  std::string label;
  std::string colour;
};
// Legend entries from (x, y) on, wrapped into rows `width` wide; `height` grows by the rows' height.
std::string legend(const std::vector<LegendItem>& items, double x, double y, double width, double& height);

// An <svg> `width` x `height` with its title (and a smaller subtitle line under it when given), both shortened to
// the width.
std::string open(double width, double height, const std::string& title, const std::string& subtitle = "");
std::string text(double x, double y, const std::string& s, std::string_view anchor = "start",
                 std::string_view cls = "");
std::string rect(double x, double y, double w, double h, std::string_view fill, const std::string& tooltip = "");
std::string line(double x1, double y1, double x2, double y2, std::string_view cls);
std::string circle(double x, double y, double r, std::string_view fill, const std::string& tooltip);
std::string polyline(const std::vector<std::pair<double, double>>& points, std::string_view cls,
                     std::string_view stroke = "");

// Width in pixels of `s` at the charts' 12 px font (an estimate: 6.5 px per character), and `s` cut to `px` with
// a trailing "~" when it is wider.
double text_px(std::string_view s);
std::string fit(const std::string& s, double px);

// The points (cost, value) that no other point beats on both lower cost and higher value, by increasing cost.
std::vector<std::size_t> pareto_front(const std::vector<std::pair<double, double>>& cost_value);

}  // namespace hwsim::chart
