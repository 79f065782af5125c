// The sweep command's arguments: `--vary` axes, `--shard I/N`, the default metric columns.
#include <fmt/format.h>
#include <cmath>
#include <cstdlib>

#include "sim/plan/sweep.hpp"
#include "sim/scenario/overrides.hpp"
#include "sim/scenario/scenario_schema.hpp"

namespace hwsim {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

}  // namespace

[[noreturn]] void bad_vary(const std::string& spec, const std::string& message) {
  throw InputError(Diagnostic{{"--vary " + spec, 0, 0}, "", message});
}

// "PATH=V1,V2,..." or "PATH=LO..HI UNIT:N" (N evenly spaced values; integer keys take integer steps).
VaryAxis parse_vary(const std::string& spec, const ConfigNode& doc, const EntryStore& store, bool with_values) {
  VaryAxis axis{spec, "", {}, 0};
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) {
    bad_vary(spec,
             "expected PATH=V1,V2,... or \"PATH=LO..HI UNIT:N\" (e.g. facility.pue=1.1,1.3 or "
             "\"facility.electricity=0.05..0.20 USD/kWh:16\")");
  }
  axis.path = trim(spec.substr(0, eq));
  const std::string rhs = trim(spec.substr(eq + 1));
  const auto dots = rhs.find("..");
  if (dots == std::string::npos) {
    for (const auto& v : split(rhs, ',')) {
      if (trim(v).empty()) bad_vary(spec, "empty value in the list");
      axis.values.push_back(trim(v));
    }
    axis.count = static_cast<std::int64_t>(axis.values.size());
    return axis;
  }
  const auto colon = rhs.rfind(':');
  if (colon == std::string::npos || colon < dots) {
    bad_vary(spec, "a range needs :N, the number of evenly spaced values (e.g. \"facility.pue=1.1..1.5:5\")");
  }
  char* end = nullptr;
  const std::string n_text = trim(rhs.substr(colon + 1));
  const long n = std::strtol(n_text.c_str(), &end, 10);
  if (n_text.empty() || *end != '\0' || n < 1 || n > 100000000) {
    bad_vary(spec, fmt::format("expected a count of values after ':', got \"{}\"", n_text));
  }
  const std::string lo_text = trim(rhs.substr(0, dots));
  const std::string hi_text = trim(rhs.substr(dots + 2, colon - dots - 2));
  const double lo = std::strtod(lo_text.c_str(), &end);
  const std::string lo_unit = trim(end);
  if (end == lo_text.c_str()) bad_vary(spec, fmt::format("expected a number before '..', got \"{}\"", lo_text));
  const double hi = std::strtod(hi_text.c_str(), &end);
  const std::string unit = trim(end);
  if (end == hi_text.c_str()) bad_vary(spec, fmt::format("expected a number after '..', got \"{}\"", hi_text));
  if (!lo_unit.empty() && lo_unit != unit) {
    bad_vary(spec, fmt::format("the range's ends have different units ('{}' and '{}')", lo_unit, unit));
  }
  const KeyDecl* decl = declared_key(split_path(axis.path), doc, store);
  const bool integer = decl != nullptr && decl->kind == ValueKind::integer;
  // Steps under 1 on an integer key reach every whole number between the rounded ends, and no other: as many values.
  const double step = n == 1 ? 0 : std::fabs(hi - lo) / static_cast<double>(n - 1);
  axis.count = integer && n > 1 && step < 1 ? std::llabs(std::llround(hi) - std::llround(lo)) + 1 : n;
  if (!with_values) return axis;
  for (long i = 0; i < n; ++i) {
    const double v = n == 1 ? lo : lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1);
    std::string text = integer ? fmt::format("{}", std::llround(v)) : fmt::format("{:.10g}", v);
    if (!unit.empty()) text += " " + unit;
    if (axis.values.empty() || axis.values.back() != text) axis.values.push_back(text);
  }
  return axis;
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  char* end = nullptr;
  Shard s;
  bool ok = slash != std::string::npos && slash > 0;
  if (ok) {
    const std::string i = text.substr(0, slash);
    const std::string n = text.substr(slash + 1);
    s.index = static_cast<int>(std::strtol(i.c_str(), &end, 10));
    ok = *end == '\0';
    s.count = static_cast<int>(std::strtol(n.c_str(), &end, 10));
    ok = ok && !n.empty() && *end == '\0' && s.count >= 1 && s.index >= 0 && s.index < s.count;
  }
  if (!ok) {
    throw InputError(Diagnostic{
        {"--shard " + text, 0, 0}, "", "expected I/N with 0 <= I < N (0-based: --shard 0/4 ... --shard 3/4)"});
  }
  return s;
}

}  // namespace hwsim
