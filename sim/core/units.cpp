#include "sim/core/units.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

namespace hwsim {
namespace {

// A base unit as written after the prefix, its dimension, its SI scale, and which prefixes it takes.
enum class Prefixes { none, si, si_and_binary, si_and_sub };
struct BaseUnit {
  std::string_view symbol;
  Dimension dimension;
  double scale;
  Prefixes prefixes;
};

// Longest symbols first where one is a suffix of another ("USD/kWh" before "Wh").
constexpr std::array kBaseUnits{
    BaseUnit{"USD/kW/month", Dimension::usd_per_kw_month, 1e-3, Prefixes::none},
    BaseUnit{"USD/kWh", Dimension::usd_per_kwh, 1.0, Prefixes::none},
    BaseUnit{"USD/h", Dimension::usd_per_hour, 1.0, Prefixes::none},
    BaseUnit{"USD", Dimension::usd, 1.0, Prefixes::none},
    BaseUnit{"FLOP/s", Dimension::flop_per_second, 1.0, Prefixes::si},
    BaseUnit{"OP/s", Dimension::flop_per_second, 1.0, Prefixes::si},
    BaseUnit{"FLOP", Dimension::flop, 1.0, Prefixes::si},
    BaseUnit{"B/s", Dimension::bytes_per_second, 1.0, Prefixes::si_and_binary},
    BaseUnit{"b/s", Dimension::bytes_per_second, 1.0 / 8.0, Prefixes::si_and_binary},
    BaseUnit{"mm2", Dimension::area_m2, 1e-6, Prefixes::none},
    BaseUnit{"Hz", Dimension::hertz, 1.0, Prefixes::si},
    BaseUnit{"Wh", Dimension::joules, 3600.0, Prefixes::si},
    BaseUnit{"W", Dimension::watts, 1.0, Prefixes::si_and_sub},
    BaseUnit{"J", Dimension::joules, 1.0, Prefixes::si_and_sub},
    BaseUnit{"B", Dimension::bytes, 1.0, Prefixes::si_and_binary},
    BaseUnit{"b", Dimension::bytes, 1.0 / 8.0, Prefixes::si_and_binary},
    BaseUnit{"s", Dimension::seconds, 1.0, Prefixes::si_and_sub},
    BaseUnit{"min", Dimension::seconds, 60.0, Prefixes::none},
    BaseUnit{"h", Dimension::seconds, 3600.0, Prefixes::none},
    BaseUnit{"days", Dimension::seconds, 86400.0, Prefixes::none},
    BaseUnit{"day", Dimension::seconds, 86400.0, Prefixes::none},
};

struct Prefix {
  std::string_view symbol;
  double factor;
  bool binary;
  bool sub_unit;
};
constexpr std::array kPrefixes{
    Prefix{"", 1.0, false, false},
    Prefix{"k", 1e3, false, false},
    Prefix{"M", 1e6, false, false},
    Prefix{"G", 1e9, false, false},
    Prefix{"T", 1e12, false, false},
    Prefix{"P", 1e15, false, false},
    Prefix{"E", 1e18, false, false},
    Prefix{"Ki", 1024.0, true, false},
    Prefix{"Mi", 1048576.0, true, false},
    Prefix{"Gi", 1073741824.0, true, false},
    Prefix{"Ti", 1099511627776.0, true, false},
    Prefix{"Pi", 1125899906842624.0, true, false},
    Prefix{"m", 1e-3, false, true},
    Prefix{"u", 1e-6, false, true},
    Prefix{"n", 1e-9, false, true},
};

bool prefix_allowed(const Prefix& p, Prefixes allowed) {
  if (p.symbol.empty()) return true;
  switch (allowed) {
    case Prefixes::none: return false;
    case Prefixes::si: return !p.binary && !p.sub_unit;
    case Prefixes::si_and_binary: return !p.sub_unit;
    case Prefixes::si_and_sub: return !p.binary;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The length of the decimal number at the start of `text` ([+-]digits[.digits][(e|E)[+-]digits]; 0 when there is
// none). Only this form is a number: strtod would also take hexadecimal floats, "inf" and "nan".
std::size_t decimal_length(std::string_view text) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t from = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i - from;
  };
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t mantissa = digits();
  if (i < text.size() && text[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    const std::size_t mark = i++;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) i = mark;  // "5 EB" is 5 exabytes, not an exponent
  }
  // "0x1p10": hexadecimal, not "0" followed by the unit "x1p10".
  if (i < text.size() && (text[i] == 'x' || text[i] == 'X')) return 0;
  return i;
}

// decimal_length's grammar as a regular expression, its mantissa nonzero for NumberSign::positive (as `nonzero` in
// parse_number reads it). Held to parse_quantity by tests/test_json_schema.cpp.
std::string decimal_pattern(NumberSign sign) {
  const std::string mantissa = sign == NumberSign::positive
                                   ? "(?:[0-9]*[1-9][0-9]*(?:\\.[0-9]*)?|[0-9]*\\.[0-9]*[1-9][0-9]*)"
                                   : "(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)";
  return (sign == NumberSign::any ? "[+-]?" : "\\+?") + mantissa + "(?:[eE][+-]?[0-9]+)?";
}

// Parses a leading number; returns the rest of the text. Throws on no number, and on one a double cannot hold
// (beyond about 1.8e308, or so small it would silently become zero).
double parse_number(std::string_view& text, std::string_view whole) {
  const std::size_t length = decimal_length(text);
  if (length == 0) throw UnitError(fmt::format("expected a number with a unit, got \"{}\"", whole));
  const std::string digits(text.substr(0, length));
  const double v = std::strtod(digits.c_str(), nullptr);
  if (std::isinf(v)) throw UnitError(fmt::format("\"{}\" is too large a number", whole));
  const bool nonzero = digits.find_first_of("123456789") < digits.find_first_of("eE");
  if (nonzero && std::fabs(v) < std::numeric_limits<double>::min()) {
    throw UnitError(fmt::format("\"{}\" is too small a number (it would be taken as zero)", whole));
  }
  text.remove_prefix(length);
  return v;
}

// Quantities beyond these magnitudes (in SI units) describe nothing real, and products of a few of them would
// overflow a double (prices times counts times years) into infinities and NaNs: they are refused as typos.
constexpr double kLargestQuantity = 1e30;
constexpr double kSmallestQuantity = 1e-30;

double checked_magnitude(double si, std::string_view whole) {
  const double m = std::fabs(si);
  if (m > kLargestQuantity) {
    throw UnitError(fmt::format("\"{}\" is beyond the largest quantity hwsim takes (1e30 in SI units)", whole));
  }
  if (m != 0 && m < kSmallestQuantity) {
    throw UnitError(fmt::format("\"{}\" is below the smallest quantity hwsim takes (1e-30 in SI units)", whole));
  }
  return si;
}

struct UnitFactor {
  Dimension dimension;
  double factor;
};

bool same_ignoring_case(std::string_view a, std::string_view b) {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The units a miscased one could have meant ("w" -> W; "gb/s" -> GB/s, Gb/s), as "700 W" or "700 GB/s".
std::string case_hint(std::string_view unit, std::string_view whole) {
  std::vector<std::string> meant;
  for (const auto& base : kBaseUnits) {
    for (const auto& p : kPrefixes) {
      if (!prefix_allowed(p, base.prefixes)) continue;
      const std::string spelling = fmt::format("{}{}", p.symbol, base.symbol);
      if (same_ignoring_case(spelling, unit)) {
        meant.push_back(fmt::format("\"{}{}\"", whole.substr(0, whole.size() - unit.size()), spelling));
      }
    }
  }
  if (meant.empty()) return "";
  return fmt::format(": did you mean {}? (units are case-sensitive)", fmt::join(meant, " or "));
}

UnitFactor parse_unit(std::string_view unit, std::string_view whole) {
  if (unit.empty()) return {Dimension::dimensionless, 1.0};
  for (const auto& base : kBaseUnits) {
    if (unit.size() < base.symbol.size() || unit.substr(unit.size() - base.symbol.size()) != base.symbol) continue;
    std::string_view prefix = unit.substr(0, unit.size() - base.symbol.size());
    for (const auto& p : kPrefixes) {
      if (p.symbol == prefix && prefix_allowed(p, base.prefixes)) return {base.dimension, p.factor * base.scale};
    }
  }
  throw UnitError(fmt::format(
      "unknown unit \"{}\" in \"{}\"{} (units: B, b, B/s, b/s, Hz, FLOP, FLOP/s, OP/s, W, J, Wh, s, min, h, "
      "day, USD, USD/kWh, "
      "USD/kW/month, USD/h, mm2; prefixes k M G T P, Ki Mi Gi Ti for bytes, m u n for time/power)",
      unit, whole, case_hint(unit, whole)));
}

}  // namespace

std::string_view dimension_name(Dimension dim) {
  switch (dim) {
    case Dimension::dimensionless: return "plain number";
    case Dimension::bytes: return "size";
    case Dimension::bytes_per_second: return "bandwidth";
    case Dimension::hertz: return "frequency";
    case Dimension::flop: return "operation count";
    case Dimension::flop_per_second: return "compute rate";
    case Dimension::watts: return "power";
    case Dimension::joules: return "energy";
    case Dimension::seconds: return "time";
    case Dimension::usd: return "price";
    case Dimension::usd_per_kwh: return "energy price";
    case Dimension::usd_per_kw_month: return "power price";
    case Dimension::usd_per_hour: return "hourly price";
    case Dimension::area_m2: return "area";
  }
  return "quantity";
}

std::string_view dimension_example(Dimension dim) {
  switch (dim) {
    case Dimension::dimensionless: return "1.3";
    case Dimension::bytes: return "80 GiB";
    case Dimension::bytes_per_second: return "3.35 TB/s";
    case Dimension::hertz: return "1.41 GHz";
    case Dimension::flop: return "3.1e23 FLOP";
    case Dimension::flop_per_second: return "312 TFLOP/s";
    case Dimension::watts: return "400 W";
    case Dimension::joules: return "1.5 kWh";
    case Dimension::seconds: return "4 us";
    case Dimension::usd: return "199000 USD";
    case Dimension::usd_per_kwh: return "0.10 USD/kWh";
    case Dimension::usd_per_kw_month: return "150 USD/kW/month";
    case Dimension::usd_per_hour: return "2.50 USD/h";
    case Dimension::area_m2: return "826 mm2";
  }
  return "";
}

std::vector<std::string> unit_symbols(Dimension dim) {
  std::vector<std::string> out;
  for (const auto& base : kBaseUnits) {
    if (base.dimension != dim) continue;
    for (const auto& p : kPrefixes) {
      if (prefix_allowed(p, base.prefixes)) out.push_back(std::string(p.symbol) + std::string(base.symbol));
    }
  }
  return out;
}

std::string quantity_pattern(Dimension dim, NumberSign sign) {
  // Blanks as trim() takes them; "LO..HI": blanks may follow LO (trimmed) but not the dots (parse_number reads
  // right after them).
  const std::string blank = "[ \\t]*";
  const std::string number = decimal_pattern(sign);
  std::string units;
  for (const auto& u : unit_symbols(dim)) units += (units.empty() ? "" : "|") + u;
  const std::string unit = units.empty() ? "" : blank + "(?:" + units + ")";
  return "^" + blank + "(?:" + number + blank + "\\.\\.)?" + number + unit + blank + "$";
}

ParsedQuantity parse_quantity(std::string_view text) {
  const std::string_view whole = trim(text);
  if (whole.empty()) throw UnitError("expected a quantity, got an empty value");
  ParsedQuantity q;
  std::string_view rest = whole;
  const std::size_t dots = whole.find("..");
  std::optional<double> lo_raw;
  if (dots != std::string_view::npos) {
    std::string_view low_text = trim(whole.substr(0, dots));
    lo_raw = parse_number(low_text, whole);
    if (!trim(low_text).empty()) throw UnitError(fmt::format("a range is written LO..HI UNIT, got \"{}\"", whole));
    rest = whole.substr(dots + 2);
  }
  const double first = parse_number(rest, whole);
  const UnitFactor unit = parse_unit(trim(rest), whole);
  q.dimension = unit.dimension;
  if (lo_raw) {
    if (first < *lo_raw) throw UnitError(fmt::format("range \"{}\" has its low end above its high end", whole));
    q.low = checked_magnitude(*lo_raw * unit.factor, whole);
    q.high = checked_magnitude(first * unit.factor, whole);
    q.value = (*q.low + *q.high) / 2;
  } else {
    q.value = checked_magnitude(first * unit.factor, whole);
  }
  return q;
}

std::string format_quantity(double v, Dimension dim, int digits) {
  struct Display {
    std::string_view unit;
    bool prefixed;
    double scale;
  };
  Display d{"", false, 1.0};
  switch (dim) {
    case Dimension::dimensionless: return fmt::format("{:.{}g}", v, digits);
    case Dimension::bytes: d = {"B", true, 1.0}; break;
    case Dimension::bytes_per_second: d = {"B/s", true, 1.0}; break;
    case Dimension::hertz: d = {"Hz", true, 1.0}; break;
    case Dimension::flop: d = {"FLOP", true, 1.0}; break;
    case Dimension::flop_per_second: d = {"FLOP/s", true, 1.0}; break;
    case Dimension::watts: d = {"W", true, 1.0}; break;
    case Dimension::joules: d = {"J", true, 1.0}; break;
    case Dimension::seconds: d = {"s", true, 1.0}; break;
    case Dimension::usd: return fmt::format("{:.{}g} USD", v, std::max(digits, 7));
    case Dimension::usd_per_kwh: return fmt::format("{:.{}g} USD/kWh", v, digits);
    case Dimension::usd_per_kw_month: return fmt::format("{:.{}g} USD/kW/month", v * 1e3, digits);
    case Dimension::usd_per_hour: return fmt::format("{:.{}g} USD/h", v, digits);
    case Dimension::area_m2: return fmt::format("{:.{}g} mm2", v * 1e6, digits);
  }
  if (dim == Dimension::bytes && v >= 1024.0) {
    // Whole binary multiples print in binary units ("80 GiB", "1440 GiB"), everything else with SI prefixes.
    constexpr std::array<std::string_view, 5> kBinary{"Ki", "Mi", "Gi", "Ti", "Pi"};
    std::size_t level = 0;
    double scaled = v / 1024.0;
    while (level + 1 < kBinary.size() && scaled >= 1024.0) {
      scaled /= 1024.0;
      ++level;
    }
    const auto whole = [](double x) { return std::fabs(x - std::round(x)) < 1e-9; };
    if (whole(scaled)) return fmt::format("{:g} {}B", scaled, kBinary[level]);
    if (level > 0 && whole(scaled * 1024.0) && scaled * 1024.0 < 10000.0) {
      return fmt::format("{:g} {}B", scaled * 1024.0, kBinary[level - 1]);
    }
  }
  const double a = std::fabs(v);
  if (dim == Dimension::seconds && a >= 86400.0) return fmt::format("{:.{}g} days", v / 86400.0, digits);
  if (dim == Dimension::seconds && a >= 3600.0) return fmt::format("{:.{}g} h", v / 3600.0, digits);
  if (dim == Dimension::seconds && a >= 60.0) return fmt::format("{:.{}g} min", v / 60.0, digits);
  if (dim == Dimension::seconds && a > 0 && a < 1.0) {
    if (a >= 1e-3) return fmt::format("{:.{}g} ms", v * 1e3, digits);
    if (a >= 1e-6) return fmt::format("{:.{}g} us", v * 1e6, digits);
    return fmt::format("{:.{}g} ns", v * 1e9, digits);
  }
  constexpr std::array<std::pair<double, std::string_view>, 6> kSi{
      {{1e18, "E"}, {1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}}};
  for (const auto& [factor, symbol] : kSi) {
    if (a >= factor) return fmt::format("{:.{}g} {}{}", v / factor, digits, symbol, d.unit);
  }
  return fmt::format("{:.{}g} {}", v, digits, d.unit);
}

}  // namespace hwsim
