#include "sim/report/sweep_html.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <map>

#include "sim/report/html.hpp"
#include "sim/report/report.hpp"

namespace hwsim {

namespace {

constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

struct Point {
  double x = 0;
  double y = 0;
};

struct Series {
  std::string name;
  std::vector<Point> points;
};

// The leading number of a YAML value ("0.1 USD/kWh" -> 0.1); NaN for words.
double leading_number(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  return end == text.c_str() ? std::nan("") : v;
}

// A scatter chart; `front` (when given) is drawn as a line over the points.
std::string scatter(const std::string& title, const std::string& x_label, const std::string& y_label,
                    const std::vector<Series>& series, const std::vector<Point>& front = {},
                    const std::vector<std::string>& x_words = {}) {
  constexpr double W = 660, H = 360, L = 80, R = 40, T = 30, B = 50;
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : series) {
    for (const auto& p : s.points) {
      x0 = std::min(x0, p.x);
      x1 = std::max(x1, p.x);
      y0 = std::min(y0, p.y);
      y1 = std::max(y1, p.y);
    }
  }
  std::string out = fmt::format(
      "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" font-size=\"11\">\n",
      W, H, W, H);
  out += fmt::format("<text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">{}</text>\n", W / 2,
                     html_escape(title));
  if (!std::isfinite(x0))
    return out + "<text x=\"320\" y=\"180\" text-anchor=\"middle\">no values</text></svg></figure>\n";
  if (x1 == x0) {
    x0 -= 0.5;
    x1 += 0.5;
  }
  if (y1 == y0) {
    y0 -= std::max(0.5, std::fabs(y0) * 0.05);
    y1 += std::max(0.5, std::fabs(y1) * 0.05);
  }
  const auto sx = [&](double x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
  const auto sy = [&](double y) { return H - B - (y - y0) / (y1 - y0) * (H - T - B); };
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>\n", L, T,
                     W - L - R, H - T - B);
  for (int i = 0; i <= 4; ++i) {
    const double xv = x0 + (x1 - x0) * i / 4.0;
    const double yv = y0 + (y1 - y0) * i / 4.0;
    std::string xt = fmt::format("{:.4g}", xv);
    if (!x_words.empty()) {
      const auto k = static_cast<std::size_t>(std::llround(xv));
      xt = std::fabs(xv - std::round(xv)) < 1e-9 && k < x_words.size() ? x_words[k] : "";
    }
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", sx(xv), H - B + 15,
                       html_escape(xt));
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:.4g}</text>\n", L - 5, sy(yv) + 4, yv);
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", L + (W - L - R) / 2, H - 12,
                     html_escape(x_label));
  out += fmt::format("<text x=\"14\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {})\">{}</text>\n",
                     T + (H - T - B) / 2, T + (H - T - B) / 2, html_escape(y_label));
  for (std::size_t i = 0; i < series.size(); ++i) {
    const char* colour = kColours[i % std::size(kColours)];
    for (const auto& p : series[i].points) {
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\" fill-opacity=\"0.6\"/>\n", sx(p.x),
                         sy(p.y), colour);
    }
    out += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}"
        "</text>\n",
        L + 8, T + 8 + 14 * static_cast<double>(i), colour, L + 22, T + 17 + 14 * static_cast<double>(i),
        html_escape(series[i].name));
  }
  if (!front.empty()) {
    std::string pts;
    for (const auto& p : front) pts += fmt::format("{:.1f},{:.1f} ", sx(p.x), sy(p.y));
    out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.5\"/>\n", pts);
  }
  return out + "</svg></figure>\n";
}

std::ptrdiff_t metric_index(const SweepTable& t, const std::string& key) {
  const auto it = std::find(t.metrics.begin(), t.metrics.end(), key);
  return it == t.metrics.end() ? -1 : it - t.metrics.begin();
}

// The points no other point beats on both: lower x (cost) and higher y (throughput), by increasing x.
std::vector<Point> pareto_front(std::vector<Point> points) {
  std::sort(points.begin(), points.end(),
            [](const Point& a, const Point& b) { return a.x < b.x || (a.x == b.x && a.y > b.y); });
  std::vector<Point> front;
  for (const auto& p : points) {
    if (front.empty() || p.y > front.back().y) front.push_back(p);
  }
  return front;
}

}  // namespace

std::string render_sweep_html(const SweepTable& t) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>hwsim sweep: {}</title>"
      "<style>body{{font-family:sans-serif;margin:2em}}figure{{display:inline-block;"
      "margin:0.5em}}td,th{{padding:2px 8px;text-align:left}}</style></head><body>\n"
      "<h1>Sweep of {}</h1>\n<table><tr><th>input</th><th>values</th></tr>\n",
      html_escape(t.scenario), html_escape(t.scenario));
  for (const auto& a : t.axes) {
    std::string values;
    for (const auto& v : a.values) values += (values.empty() ? "" : ", ") + v;
    out += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", html_escape(a.path), html_escape(values));
  }
  out += fmt::format(
      "</table>\n<p>{} rows (points x deployment/workload); results that do not fit are left out of "
      "the charts.</p>\n",
      t.rows.size());
  // One series per deployment/workload, in first-seen order.
  std::vector<std::string> names;
  for (const auto& r : t.rows) {
    const std::string n = r.deployment + "/" + r.workload;
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
  const auto series_index = [&](const SweepTable::Row& r) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), r.deployment + "/" + r.workload) -
                                    names.begin());
  };
  // Pareto front: throughput against TCO.
  const auto tput = metric_index(t, "throughput_tokens_per_s");
  const auto tco = metric_index(t, "tco_usd");
  if (tput >= 0 && tco >= 0) {
    std::vector<Series> series(names.size());
    std::vector<Point> all;
    for (std::size_t i = 0; i < names.size(); ++i) series[i].name = names[i];
    for (const auto& r : t.rows) {
      const Point p{r.metrics[static_cast<std::size_t>(tco)], r.metrics[static_cast<std::size_t>(tput)]};
      if (!r.fits || !std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      series[series_index(r)].points.push_back(p);
      all.push_back(p);
    }
    out += "<h2>Throughput against TCO (line: Pareto front)</h2>\n";
    out += scatter("throughput vs TCO", metric_label("tco_usd"), metric_label("throughput_tokens_per_s"), series,
                   pareto_front(all));
  }
  // Each metric against each varied input.
  for (std::size_t a = 0; a < t.axes.size(); ++a) {
    const auto& axis = t.axes[a];
    bool numeric = true;
    for (const auto& v : axis.values) numeric = numeric && std::isfinite(leading_number(v));
    out += fmt::format("<h2>Against {}</h2>\n", html_escape(axis.path));
    for (std::size_t m = 0; m < t.metrics.size(); ++m) {
      std::vector<Series> series(names.size());
      for (std::size_t i = 0; i < names.size(); ++i) series[i].name = names[i];
      for (const auto& r : t.rows) {
        const double y = r.metrics[m];
        if (!r.fits || !std::isfinite(y)) continue;
        const std::size_t k = r.value_index[a];
        series[series_index(r)].points.push_back(
            {numeric ? leading_number(axis.values[k]) : static_cast<double>(k), y});
      }
      bool any = false;
      for (const auto& s : series) any = any || !s.points.empty();
      if (!any) continue;
      out += scatter(fmt::format("{} vs {}", metric_label(t.metrics[m]), axis.path), axis.path,
                     metric_label(t.metrics[m]), series, {}, numeric ? std::vector<std::string>{} : axis.values);
    }
  }
  return out + "</body></html>\n";
}

}  // namespace hwsim
