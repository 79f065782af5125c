// Physical quantities: parsing of unit-carrying strings from YAML, printing, and the strong types the engine uses.
// Contract: inside hwsim every quantity is in SI base units (bytes, seconds, FLOP, watts, joules, USD);
// the type names the dimension, and `value()` is the only way back to a raw double.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hwsim {

enum class Dimension {
  dimensionless,
  bytes,
  bytes_per_second,
  hertz,
  flop,
  flop_per_second,
  watts,
  joules,
  seconds,
  usd,
  usd_per_kwh,
  usd_per_kw_month,
  usd_per_hour,
  area_m2,
};

// "bandwidth", "capacity", ... for error messages.
std::string_view dimension_name(Dimension dim);
// An example value of the dimension as a user would write it, e.g. "3.35 TB/s".
std::string_view dimension_example(Dimension dim);

// A quantity as written in YAML: a point value (SI) and, for `LO..HI UNIT`, the uniform range it came from.
struct ParsedQuantity {
  double value = 0;  // SI; the midpoint of a range
  Dimension dimension = Dimension::dimensionless;
  std::optional<double> low;   // set for ranges
  std::optional<double> high;  // set for ranges
};

// Parses "1555 GB/s", "40 MiB", "1.41 GHz", "0.10 USD/kWh", "25000..40000 USD", "1.3", "300e9".
// Throws UnitError with a message that does not include the location (the caller adds it).
ParsedQuantity parse_quantity(std::string_view text);

// Every unit parse_quantity reads as `dim`, its prefix spelled out ("B", "kB", ..., "GiB", "Gb"); none for a plain
// number. In the order of the unit table, each symbol's prefixes in the order of the prefix table.
std::vector<std::string> unit_symbols(Dimension dim);

// The signs of number a pattern admits: any, zero or above, above zero.
enum class NumberSign { any, non_negative, positive };

// A regular expression (ECMA-262 as JSON Schema's `pattern` takes it, anchored at both ends) matching exactly the
// texts parse_quantity reads as a quantity of `dim`: a decimal number, or a range `LO..HI`, then one of
// unit_symbols(dim) (nothing for a plain number), blanks as parse_quantity skips them; numbers signed as `sign`
// admits. Left out: the magnitude limits (1e-30..1e30 in SI units) and a range's LO <= HI.
std::string quantity_pattern(Dimension dim, NumberSign sign);

// Formats an SI value with a readable prefix: 3.12e14 FLOP/s -> "312 TFLOP/s"; bytes that are whole GiB print in GiB.
std::string format_quantity(double value_in_si, Dimension dim, int significant_digits = 4);

class UnitError : public std::exception {
 public:
  explicit UnitError(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

// ---- Strong types -------------------------------------------------------------------------------------------
template <class Tag>
class Quantity {
 public:
  constexpr Quantity() = default;
  constexpr explicit Quantity(double value_in_si) : value_(value_in_si) {}
  [[nodiscard]] constexpr double value() const { return value_; }

  constexpr Quantity operator+(Quantity other) const { return Quantity(value_ + other.value_); }
  constexpr Quantity operator-(Quantity other) const { return Quantity(value_ - other.value_); }
  constexpr Quantity& operator+=(Quantity other) {
    value_ += other.value_;
    return *this;
  }
  constexpr Quantity operator*(double k) const { return Quantity(value_ * k); }
  constexpr Quantity operator/(double k) const { return Quantity(value_ / k); }
  constexpr double operator/(Quantity other) const { return value_ / other.value_; }  // a ratio
  constexpr auto operator<=>(const Quantity&) const = default;

 private:
  double value_ = 0;
};
template <class Tag>
constexpr Quantity<Tag> operator*(double k, Quantity<Tag> q) {
  return q * k;
}

struct BytesTag {};
struct SecondsTag {};
struct FlopTag {};
struct HertzTag {};
struct WattsTag {};
struct JoulesTag {};
struct UsdTag {};
struct BytesPerSecondTag {};
struct FlopPerSecondTag {};
struct UsdPerJouleTag {};
struct UsdPerWattSecondTag {};
struct UsdPerSecondTag {};

using Bytes = Quantity<BytesTag>;
using Seconds = Quantity<SecondsTag>;
using Flop = Quantity<FlopTag>;
using Hertz = Quantity<HertzTag>;
using Watts = Quantity<WattsTag>;
using Joules = Quantity<JoulesTag>;
using Usd = Quantity<UsdTag>;
using BytesPerSecond = Quantity<BytesPerSecondTag>;
using FlopPerSecond = Quantity<FlopPerSecondTag>;
// Money rates. An energy price (USD/kWh in YAML) and a capacity price (colocation, USD/kW/month: per provisioned
// watt per second) share a dimension but not a meaning, so they are different types; UsdPerSecond is a spending rate.
using UsdPerJoule = Quantity<UsdPerJouleTag>;
using UsdPerWattSecond = Quantity<UsdPerWattSecondTag>;
using UsdPerSecond = Quantity<UsdPerSecondTag>;

constexpr Seconds operator/(Bytes b, BytesPerSecond r) { return Seconds(b.value() / r.value()); }
constexpr Seconds operator/(Flop f, FlopPerSecond r) { return Seconds(f.value() / r.value()); }
constexpr Bytes operator*(BytesPerSecond r, Seconds t) { return Bytes(r.value() * t.value()); }
constexpr Flop operator*(FlopPerSecond r, Seconds t) { return Flop(r.value() * t.value()); }
constexpr FlopPerSecond operator/(Flop f, Seconds t) { return FlopPerSecond(f.value() / t.value()); }
constexpr Joules operator*(Watts p, Seconds t) { return Joules(p.value() * t.value()); }
constexpr Watts operator/(Joules e, Seconds t) { return Watts(e.value() / t.value()); }
constexpr UsdPerSecond operator*(Watts p, UsdPerJoule price) { return UsdPerSecond(p.value() * price.value()); }
constexpr UsdPerSecond operator*(Watts p, UsdPerWattSecond price) { return UsdPerSecond(p.value() * price.value()); }
constexpr Usd operator*(UsdPerSecond rate, Seconds t) { return Usd(rate.value() * t.value()); }
constexpr UsdPerSecond operator/(Usd u, Seconds t) { return UsdPerSecond(u.value() / t.value()); }

constexpr double kSecondsPerHour = 3600.0;
constexpr double kSecondsPerYear = 365.25 * 24 * 3600.0;
constexpr double kJoulesPerKwh = 3.6e6;

}  // namespace hwsim
