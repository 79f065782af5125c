#include "sim/report/number_text.hpp"

#include <fmt/format.h>
#include <array>
#include <cmath>
#include <span>
#include <string_view>
#include <utility>

#include "sim/plan/metrics.hpp"

namespace hwsim {

namespace {

constexpr double kSecondsPerDay = 86400.0;

// Drops trailing zeros of a fixed-notation number ("1.500" -> "1.5", "2.000" -> "2"; "100" stays).
std::string trim_zeros(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

// "1234567" -> "1,234,567" (the digits of a whole number, with its sign).
std::string with_separators(double whole) {
  const std::string digits = fmt::format("{:.0f}", std::fabs(whole));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (whole < 0 && out != "0" ? "-" : "") + out;
}

struct Prefix {
  double factor;
  std::string_view symbol;
};

// `value` scaled by the largest prefix (from `prefixes`, largest first, each 1000x the next) that leaves it at 1 or
// more once rounded to `digits` significant digits; the prefix's symbol, or "" when none applies.
std::pair<double, std::string_view> scaled(double value, std::span<const Prefix> prefixes, int digits) {
  const double a = std::fabs(value);
  for (const auto& p : prefixes) {
    if (a >= p.factor || std::stod(significant(a / p.factor, digits)) >= 1) return {value / p.factor, p.symbol};
  }
  return {value, ""};
}

constexpr std::array<Prefix, 5> kBig{{{1e18, "E"}, {1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}}};
constexpr std::array<Prefix, 6> kSi{{{1e18, "E"}, {1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}}};
constexpr std::array<Prefix, 4> kMoney{{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}}};

std::string energy_text(double joules) {
  const double wh = joules / 3600.0;
  if (std::fabs(wh) < 1e3) return format_quantity(joules, Dimension::joules, 4);
  if (std::fabs(wh) >= 1e12) return readable_number(wh / 1e9) + " GWh";
  constexpr std::array<Prefix, 3> kWh{{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}}};
  const auto [v, symbol] = scaled(wh, kWh, 4);
  return fmt::format("{} {}Wh", significant(v, 4), symbol);
}

std::string duration_text(double seconds) {
  constexpr double kYear = 365.0 * kSecondsPerDay;
  if (std::fabs(seconds) >= 2 * kYear) return readable_number(seconds / kYear) + " years";
  return format_quantity(seconds, Dimension::seconds, 4);
}

}  // namespace

std::string significant(double value, int digits) {
  if (value == 0 || !std::isfinite(value)) return fmt::format("{}", value);
  const int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(value))));
  return trim_zeros(fmt::format("{:.{}f}", value, std::max(0, digits - 1 - magnitude)));
}

std::string readable_number(double v, int digits) {
  if (!std::isfinite(v)) return fmt::format("{}", v);
  const double a = std::fabs(v);
  if (a >= 1e6 || std::stod(significant(a, digits)) >= 1e6) {
    const auto [x, symbol] = scaled(v, kBig, digits);
    if (std::fabs(x) >= 1e3) return fmt::format("{} {}", with_separators(std::round(x)), symbol);
    return fmt::format("{} {}", significant(x, digits), symbol);
  }
  if (a >= 1e3 || v == std::round(v) || std::stod(significant(a, digits)) >= 1e3) {
    return with_separators(std::round(v));
  }
  return significant(v, digits);
}

std::string money_text(double usd) {
  if (std::fabs(usd) < 1e3 && std::stod(significant(std::fabs(usd), 3)) < 1e3) return fmt::format("${:.2f}", usd);
  const auto [v, symbol] = scaled(usd, kMoney, 3);
  if (std::fabs(v) >= 1e3) return fmt::format("${}{}", with_separators(std::round(v)), symbol);
  return fmt::format("${}{}", significant(v, 3), symbol);
}

std::string format_metric(const std::string& key, double value) {
  const MetricInfo* m = find_metric_info(key);
  if (m == nullptr) return readable_number(value);
  switch (m->style) {
    case MetricStyle::percent: return fmt::format("{:.1f}%", value * 100);
    case MetricStyle::usd_rate:
      return fmt::format("${}", std::fabs(value) >= 1e3 ? readable_number(value) : significant(value, 4));
    case MetricStyle::money: return money_text(value);
    case MetricStyle::plain:
      return m->unit.empty() ? readable_number(value) : fmt::format("{} {}", readable_number(value), m->unit);
    case MetricStyle::energy: return energy_text(value);
    case MetricStyle::quantity:
      if (m->dimension == Dimension::seconds) return duration_text(value);
      break;
  }
  return format_quantity(value, m->dimension, 4);
}

std::string tick_text(double value, double step, const std::string& unit, bool money) {
  const auto [v, symbol] = scaled(value, money ? std::span<const Prefix>(kMoney) : std::span<const Prefix>(kSi), 6);
  const double unit_step = std::fabs(step) * (value == 0 ? 1 : v / value);
  const int decimals = unit_step > 0 ? std::max(0, static_cast<int>(std::ceil(-std::log10(unit_step) - 1e-9))) : 0;
  // Every tick of an axis with the decimals of its step ("$0.026", "$0.030"); zero as "0".
  const std::string number = value == 0 ? "0" : fmt::format("{:.{}f}", v, std::min(decimals, 12));
  if (money)
    return (value < 0 ? "-$" : "$") + (number.front() == '-' ? number.substr(1) : number) + std::string(symbol);
  if (unit.empty()) return number + std::string(symbol);
  return fmt::format("{} {}{}", number, symbol, unit);
}

}  // namespace hwsim
