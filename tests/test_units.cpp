// Units (DESIGN.md "Units"): quantities are strings with units, parsed to SI; SI and binary prefixes are kept
// apart, bits and bytes are respected, a range LO..HI has its midpoint as point value, and bad text is an error.
// Tolerance: parsed values are exact products of the number and the prefix, so comparisons use a relative
// epsilon of 1e-12 (only floating-point rounding of the multiplication is allowed).
#include <catch2/catch.hpp>

#include <string>

#include "sim/core/units.hpp"
#include "tests/support/constants.hpp"

using hwsim::Dimension;
using hwsim::parse_quantity;
using hwsim::ParsedQuantity;
using hwsim::UnitError;

namespace {

using hwsim::test::kRel;

// The value of `text` in SI after checking its dimension.
double si(const std::string& text, Dimension expected) {
  const ParsedQuantity q = parse_quantity(text);
  CHECK(q.dimension == expected);
  return q.value;
}

// The message of the UnitError that parsing `text` throws ("" when it does not throw).
std::string unit_error(const std::string& text) {
  try {
    parse_quantity(text);
  } catch (const UnitError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("binary prefixes are powers of 1024, SI prefixes powers of 1000", "[units]") {
  CHECK(si("40 MiB", Dimension::bytes) == 41943040.0);  // 40 x 1024^2
  CHECK(si("1 KiB", Dimension::bytes) == 1024.0);
  CHECK(si("80 GiB", Dimension::bytes) == 80.0 * 1024 * 1024 * 1024);  // 85,899,345,920
  CHECK(si("2 TiB", Dimension::bytes) == 2.0 * 1099511627776.0);
  CHECK(si("80 GB", Dimension::bytes) == 8e10);  // 80 x 10^9
  CHECK(si("1 kB", Dimension::bytes) == 1000.0);
  CHECK(si("4 PB", Dimension::bytes) == 4e15);
  // The ASTRA-sim bug the rule guards against: "GB" and "GiB" differ by 7.4%.
  CHECK(si("1 GiB", Dimension::bytes) / si("1 GB", Dimension::bytes) == Approx(1.073741824).epsilon(kRel));
}

TEST_CASE("bits are an eighth of bytes, in sizes and in rates", "[units]") {
  CHECK(si("200 Gb/s", Dimension::bytes_per_second) == Approx(200e9 / 8).epsilon(kRel));  // 25e9 B/s
  CHECK(si("200 Gb/s", Dimension::bytes_per_second) == Approx(25e9).epsilon(kRel));
  CHECK(si("400 Gb/s", Dimension::bytes_per_second) == Approx(50e9).epsilon(kRel));
  CHECK(si("1555 GB/s", Dimension::bytes_per_second) == Approx(1.555e12).epsilon(kRel));
  CHECK(si("3.35 TB/s", Dimension::bytes_per_second) == Approx(3.35e12).epsilon(kRel));
  CHECK(si("8 b", Dimension::bytes) == Approx(1.0).epsilon(kRel));
  CHECK(si("1 Mib", Dimension::bytes) == Approx(1048576.0 / 8).epsilon(kRel));
  CHECK(si("1 GiB/s", Dimension::bytes_per_second) == Approx(1073741824.0).epsilon(kRel));
}

TEST_CASE("power in W, kW and MW, energy in J and Wh", "[units]") {
  CHECK(si("400 W", Dimension::watts) == 400.0);
  CHECK(si("10.2 kW", Dimension::watts) == Approx(10200.0).epsilon(kRel));
  CHECK(si("1 MW", Dimension::watts) == 1e6);
  CHECK(si("250 mW", Dimension::watts) == Approx(0.25).epsilon(kRel));
  CHECK(si("1.5 kWh", Dimension::joules) == Approx(1.5 * 1000 * 3600).epsilon(kRel));  // 5.4e6 J
  CHECK(si("3 J", Dimension::joules) == 3.0);
}

TEST_CASE("frequencies in Hz with SI prefixes", "[units]") {
  CHECK(si("1.41 GHz", Dimension::hertz) == Approx(1.41e9).epsilon(kRel));
  CHECK(si("1755 MHz", Dimension::hertz) == Approx(1.755e9).epsilon(kRel));
  CHECK(si("3.0 GHz", Dimension::hertz) == Approx(3e9).epsilon(kRel));
}

TEST_CASE("FLOP/s and OP/s are the same compute-rate dimension", "[units]") {
  CHECK(si("312 TFLOP/s", Dimension::flop_per_second) == Approx(312e12).epsilon(kRel));
  CHECK(si("624 TOP/s", Dimension::flop_per_second) == Approx(624e12).epsilon(kRel));
  CHECK(si("2.25 PFLOP/s", Dimension::flop_per_second) == Approx(2.25e15).epsilon(kRel));
  CHECK(si("3.1e23 FLOP", Dimension::flop) == Approx(3.1e23).epsilon(kRel));
  CHECK(si("1 GFLOP", Dimension::flop) == 1e9);
}

TEST_CASE("times in s, ms, us, ns, min, h and days", "[units]") {
  CHECK(si("4 us", Dimension::seconds) == Approx(4e-6).epsilon(kRel));
  CHECK(si("5 ms", Dimension::seconds) == Approx(5e-3).epsilon(kRel));
  CHECK(si("100 ns", Dimension::seconds) == Approx(1e-7).epsilon(kRel));
  CHECK(si("2 s", Dimension::seconds) == 2.0);
  CHECK(si("90 min", Dimension::seconds) == 5400.0);
  CHECK(si("72 h", Dimension::seconds) == 259200.0);
  CHECK(si("30 days", Dimension::seconds) == 2592000.0);
  CHECK(si("1 day", Dimension::seconds) == 86400.0);
}

TEST_CASE("money: USD, USD/kWh, USD/kW/month, USD/h", "[units]") {
  CHECK(si("199000 USD", Dimension::usd) == 199000.0);
  CHECK(si("0.10 USD/kWh", Dimension::usd_per_kwh) == Approx(0.10).epsilon(kRel));
  // USD/kW/month is stored per watt: 150 USD per 1000 W per month = 0.15 USD/W/month.
  CHECK(si("150 USD/kW/month", Dimension::usd_per_kw_month) == Approx(150.0 / 1000).epsilon(kRel));
  CHECK(si("2.50 USD/h", Dimension::usd_per_hour) == Approx(2.5).epsilon(kRel));
}

TEST_CASE("areas in mm2 are stored in m2", "[units]") {
  CHECK(si("826 mm2", Dimension::area_m2) == Approx(826e-6).epsilon(kRel));  // 826 x (1e-3 m)^2
}

TEST_CASE("plain numbers are dimensionless, exponents included", "[units]") {
  CHECK(si("1.3", Dimension::dimensionless) == Approx(1.3).epsilon(kRel));
  CHECK(si("300e9", Dimension::dimensionless) == 3e11);
  CHECK(si("  42  ", Dimension::dimensionless) == 42.0);
  CHECK(si("1555GB/s", Dimension::bytes_per_second) == Approx(1.555e12).epsilon(kRel));  // space optional
}

TEST_CASE("a range LO..HI UNIT has the midpoint as its value and keeps both ends", "[units]") {
  const ParsedQuantity price = parse_quantity("25000..40000 USD");
  CHECK(price.dimension == Dimension::usd);
  CHECK(price.value == (25000.0 + 40000.0) / 2);  // 32500
  REQUIRE(price.low);
  REQUIRE(price.high);
  CHECK(*price.low == 25000.0);
  CHECK(*price.high == 40000.0);

  const ParsedQuantity pue = parse_quantity("1.2..1.5");
  CHECK(pue.dimension == Dimension::dimensionless);
  CHECK(pue.value == Approx((1.2 + 1.5) / 2).epsilon(kRel));  // 1.35

  // The unit (with its prefix) applies to both ends: 0.05..0.20 USD/kWh, 1..2 GiB.
  const ParsedQuantity mem = parse_quantity("1..2 GiB");
  CHECK(*mem.low == 1073741824.0);
  CHECK(*mem.high == 2147483648.0);
  CHECK(mem.value == 1.5 * 1073741824.0);

  // A point value has no ends.
  const ParsedQuantity point = parse_quantity("400 W");
  CHECK_FALSE(point.low);
  CHECK_FALSE(point.high);
}

TEST_CASE("unknown units are errors that list the known units", "[units]") {
  CHECK_THAT(unit_error("3 furlongs"),
             Catch::Matchers::StartsWith("unknown unit \"furlongs\" in \"3 furlongs\" (units: B,"));
  // Prefixes belong to their units: binary prefixes only on bytes, sub-unit prefixes only on time, power, energy.
  CHECK_THAT(unit_error("1.41 GiHz"), Catch::Matchers::StartsWith("unknown unit \"GiHz\" in \"1.41 GiHz\""));
  CHECK_THAT(unit_error("5 mB"), Catch::Matchers::StartsWith("unknown unit \"mB\" in \"5 mB\""));
  CHECK_THAT(unit_error("2 kUSD"), Catch::Matchers::StartsWith("unknown unit \"kUSD\" in \"2 kUSD\""));
  CHECK_THAT(unit_error("80 gb"), Catch::Matchers::StartsWith("unknown unit \"gb\" in \"80 gb\""));
}

TEST_CASE("a quantity without a number is an error", "[units]") {
  CHECK(unit_error("GB/s") == "expected a number with a unit, got \"GB/s\"");
  CHECK(unit_error("fast") == "expected a number with a unit, got \"fast\"");
  CHECK(unit_error("inf W") == "expected a number with a unit, got \"inf W\"");
  CHECK(unit_error("") == "expected a quantity, got an empty value");
  CHECK(unit_error("   ") == "expected a quantity, got an empty value");
}

TEST_CASE("a range must be written LO..HI UNIT with LO <= HI", "[units]") {
  CHECK(unit_error("40000..25000 USD") == "range \"40000..25000 USD\" has its low end above its high end");
  CHECK(unit_error("1 GB..2 GB") == "a range is written LO..HI UNIT, got \"1 GB..2 GB\"");
  CHECK(unit_error("..5 W") == "expected a number with a unit, got \"..5 W\"");
  CHECK_NOTHROW(parse_quantity("5..5 W"));  // a degenerate range is allowed
}

TEST_CASE("format_quantity prints readable prefixes that parse back to the same value", "[units]") {
  struct Case {
    double value;
    Dimension dim;
    const char* text;
  };
  const Case cases[] = {
      {312e12, Dimension::flop_per_second, "312 TFLOP/s"},
      {41943040.0, Dimension::bytes, "40 MiB"},           // whole MiB print binary
      {80.0 * 1073741824.0, Dimension::bytes, "80 GiB"},  // whole GiB print binary
      {1e9, Dimension::bytes, "1 GB"},                    // not whole in any binary unit: SI
      {1.555e12, Dimension::bytes_per_second, "1.555 TB/s"},
      {1.41e9, Dimension::hertz, "1.41 GHz"},
      {10200.0, Dimension::watts, "10.2 kW"},
      {4e-6, Dimension::seconds, "4 us"},
      {5e-3, Dimension::seconds, "5 ms"},
      {199000.0, Dimension::usd, "199000 USD"},
      {0.1, Dimension::usd_per_kwh, "0.1 USD/kWh"},
      {0.15, Dimension::usd_per_kw_month, "150 USD/kW/month"},
      {826e-6, Dimension::area_m2, "826 mm2"},
      {1.3, Dimension::dimensionless, "1.3"},
  };
  for (const Case& c : cases) {
    INFO("value " << c.value);
    const std::string text = hwsim::format_quantity(c.value, c.dim);
    CHECK(text == c.text);
    const ParsedQuantity back = parse_quantity(text);
    CHECK(back.dimension == c.dim);
    CHECK(back.value == Approx(c.value).epsilon(kRel));
  }
}

TEST_CASE("strong types give bytes / (bytes/s) = seconds and FLOP / (FLOP/s) = seconds", "[units]") {
  // 80 GiB over 2039 GB/s: 85,899,345,920 B / 2.039e12 B/s = 42.13 ms.
  const hwsim::Seconds t = hwsim::Bytes(80.0 * 1073741824.0) / hwsim::BytesPerSecond(2039e9);
  CHECK(t.value() == Approx(85899345920.0 / 2039e9).epsilon(kRel));
  const hwsim::Seconds c = hwsim::Flop(312e12) / hwsim::FlopPerSecond(312e12);
  CHECK(c.value() == 1.0);
  const hwsim::Joules e = hwsim::Watts(400) * hwsim::Seconds(3600);
  CHECK(e.value() == 400.0 * 3600);
}

TEST_CASE("a unit in the wrong case names the units it could have meant", "[units]") {
  const auto message = [](const char* text) {
    try {
      (void)parse_quantity(text);
    } catch (const UnitError& e) {
      return std::string(e.what());
    }
    return std::string("parsed");
  };
  CHECK(message("700 w").find("did you mean \"700 W\"?") != std::string::npos);
  CHECK(message("0.1 usd/kwh").find("did you mean \"0.1 USD/kWh\"?") != std::string::npos);
  // Two units differ only in case: both are named.
  CHECK(message("5 mw").find("did you mean \"5 MW\" or \"5 mW\"?") != std::string::npos);
  CHECK(message("3 tb/s").find("\"3 TB/s\" or \"3 Tb/s\"") != std::string::npos);
  // A range keeps its low end in the hint.
  CHECK(message("1..2 gib").find("did you mean \"1..2 GiB\" or \"1..2 Gib\"?") != std::string::npos);
  // No unit of any case: no guess.
  CHECK(message("3 furlongs").find("did you mean") == std::string::npos);
}
