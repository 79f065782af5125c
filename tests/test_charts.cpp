// Numbers for people and chart axes (sim/report/number_text.hpp, sim/report/svg_chart.hpp): readable numbers never
// use exponent notation (thousands separators below a million, SI suffixes above), ticks are round (1, 2 or 5 x 10^k)
// and cover the data, count axes get whole ticks, log axes powers of ten, and the Pareto front keeps only the points
// no other beats on both cost and value.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "sim/report/number_text.hpp"
#include "sim/report/svg_chart.hpp"

namespace {

// The mantissa of a tick step: 1, 2 or 5 for a nice step.
double mantissa(double step) {
  const double m = step / std::pow(10.0, std::floor(std::log10(step)));
  return std::round(m * 1e6) / 1e6;
}

}  // namespace

TEST_CASE("readable numbers: thousands separators below a million, three digits and an SI suffix above", "[numbers]") {
  CHECK(hwsim::readable_number(1.26e7) == "12.6 M");  // `tokens per kWh` of scenarios/default.yaml
  CHECK(hwsim::readable_number(14.2e6) == "14.2 M");
  CHECK(hwsim::readable_number(8184495) == "8.18 M");
  CHECK(hwsim::readable_number(6.27e10) == "62.7 G");
  CHECK(hwsim::readable_number(149326) == "149,326");
  CHECK(hwsim::readable_number(17873.4) == "17,873");
  CHECK(hwsim::readable_number(-1234) == "-1,234");
  CHECK(hwsim::readable_number(999999.7) == "1 M");  // rounds up into the next suffix, never "1000 k" or "1e+06"
  CHECK(hwsim::readable_number(583) == "583");
  CHECK(hwsim::readable_number(69.84) == "69.8");
  CHECK(hwsim::readable_number(0.28483) == "0.285");
  CHECK(hwsim::readable_number(0.0000123) == "0.0000123");
  CHECK(hwsim::readable_number(0) == "0");
  CHECK(hwsim::significant(0.030600, 4) == "0.0306");
  CHECK(hwsim::money_text(2.5e6) == "$2.5M");
  CHECK(hwsim::money_text(999999) == "$1M");
  CHECK(hwsim::money_text(1.2e12) == "$1.2T");
  CHECK(hwsim::money_text(9.006) == "$9.01");
}

TEST_CASE("reports print metrics readably: no exponent, separators, SI suffixes", "[numbers]") {
  CHECK(hwsim::format_metric("tokens_per_kwh", 1.26e7) == "12.6 M");
  CHECK(hwsim::format_metric("throughput_tokens_per_s", 8184495) == "8.18 M tokens/s");
  CHECK(hwsim::format_metric("throughput_tokens_per_s", 149326) == "149,326 tokens/s");
  CHECK(hwsim::format_metric("usd_per_million_tokens", 12345.6) == "$12,346");
  CHECK(hwsim::format_metric("energy_to_train_j", 47.25 * 3.6e6) == "47.25 kWh");
  CHECK(hwsim::format_metric("energy_to_train_j", 3.6e15) == "1,000 GWh");
  CHECK(hwsim::format_metric("time_to_train_s", 3 * 365 * 86400.0) == "3 years");
  CHECK(hwsim::format_metric("time_to_train_s", 8.504 * 3600) == "8.504 h");
  for (const double v : {1.0, 12.5, 1234.5, 9.9e5, 1.1e6, 4.4e9, 3.3e13, 2.2e17, 7.7e20}) {
    for (const std::string key : {"throughput_tokens_per_s", "tokens_per_kwh", "tco_usd", "usd_per_million_tokens",
                                  "energy_to_train_j", "batch"}) {
      INFO(key << " " << v);
      CHECK(hwsim::format_metric(key, v).find("e+") == std::string::npos);
    }
  }
}

TEST_CASE("nice ticks: steps of 1, 2 or 5 x 10^k that cover the data range", "[charts]") {
  for (const auto& [lo, hi] : {std::pair{0.0, 19060.0}, std::pair{0.0, 8184495.0}, std::pair{1.1, 1.5},
                               std::pair{0.04968, 0.04996}, std::pair{-3.2, 7.9}, std::pair{312450.0, 3413000.0}}) {
    const hwsim::chart::Ticks t = hwsim::chart::nice_ticks(lo, hi);
    INFO(lo << ".." << hi);
    CHECK(t.values.front() <= lo);
    CHECK(t.values.back() >= hi);
    CHECK(t.values.size() >= 3);
    CHECK(t.values.size() <= 12);
    const double m = mantissa(t.step);
    CHECK((m == 1 || m == 2 || m == 5));
    for (double v : t.values) CHECK(std::fabs(v / t.step - std::round(v / t.step)) < 1e-6);
  }
  // 0..19,060: ticks at 0, 5,000, ... 20,000, labelled "20k", never the raw extreme "1.906e+04".
  const auto t = hwsim::chart::nice_ticks(0, 19060);
  CHECK(t.step == 5000);
  CHECK(t.values.back() == 20000);
  CHECK(hwsim::tick_text(t.values.back(), t.step) == "20k");
}

TEST_CASE("nice ticks on count axes are whole numbers", "[charts]") {
  for (const auto& [lo, hi] :
       {std::pair{1.0, 3.0}, std::pair{0.0, 1.0}, std::pair{1.0, 8.0}, std::pair{8.0, 64.0}, std::pair{1.0, 1.0}}) {
    const hwsim::chart::Ticks t = hwsim::chart::nice_ticks(lo, hi, true);
    INFO(lo << ".." << hi);
    CHECK(t.step >= 1);
    CHECK(t.values.front() <= lo);
    CHECK(t.values.back() >= hi);
    for (double v : t.values) CHECK(v == std::round(v));
  }
  // Without the count flag, 1..3 would be split in halves.
  CHECK(hwsim::chart::nice_ticks(1, 3).step == 0.5);
}

TEST_CASE("log ticks span the decades of the data", "[charts]") {
  const auto t = hwsim::chart::log_ticks(149326, 8184495);
  CHECK(t.values.front() == 1e5);
  CHECK(t.values.back() == 1e7);
  CHECK(hwsim::tick_text(1e7, 1e7) == "10M");
  const auto wide = hwsim::chart::log_ticks(0.02, 2000);  // five decades: powers of ten only
  CHECK(wide.values.size() == 7);
}

TEST_CASE("tick labels: SI prefix by magnitude, decimals by step, the unit or dollar sign", "[charts]") {
  CHECK(hwsim::tick_text(1.5e6, 5e5) == "1.5M");
  CHECK(hwsim::tick_text(1e6, 5e5) == "1.0M");      // the decimals of the step: 500k, 1.0M, 1.5M
  CHECK(hwsim::tick_text(0.03, 0.002) == "0.030");  // 0.028, 0.030, 0.032
  CHECK(hwsim::tick_text(5e5, 5e5) == "500k");
  CHECK(hwsim::tick_text(4e5, 2e5, "W") == "400 kW");
  CHECK(hwsim::tick_text(0, 2e5, "W") == "0 W");
  CHECK(hwsim::tick_text(2e5, 1e5, "", true) == "$200K");
  CHECK(hwsim::tick_text(0.05, 0.05) == "0.05");
  CHECK(hwsim::tick_text(0.3, 0.1) == "0.3");  // 3 x 0.1 is 0.30000000000000004
  CHECK(hwsim::tick_text(1.2, 0.1) == "1.2");
}

TEST_CASE("axes carry units: durations in the unit that fits, counts with whole ticks", "[charts]") {
  CHECK(hwsim::chart::metric_unit("time_to_train_s", 30 * 86400.0).unit == "days");
  CHECK(hwsim::chart::metric_unit("time_to_train_s", 8 * 3600.0).unit == "h");
  CHECK(hwsim::chart::metric_unit("tpot_s", 0.05).unit == "ms");
  CHECK(hwsim::chart::metric_unit("it_power_w", 1e6).tick_unit == "W");
  CHECK(hwsim::chart::metric_unit("tco_usd", 1e6).money);
  CHECK(hwsim::chart::metric_unit("devices", 64).integer);
  CHECK_FALSE(hwsim::chart::metric_unit("throughput_tokens_per_s", 1e6).integer);
  const hwsim::chart::Axis a(0, 940700, 100, 600, hwsim::chart::metric_unit("it_power_w", 940700), "IT power");
  CHECK(a.title() == "IT power, W");
  CHECK(a.tick_label(a.ticks().values.back()) == "1.0 MW");
  const hwsim::chart::Axis log(149326, 8184495, 100, 600, {}, "throughput", true);
  CHECK(log.title() == "throughput (log scale)");
}

TEST_CASE("the Pareto front keeps the points no other is both cheaper and better than", "[charts]") {
  // (cost, value): 0 and 2 and 4 are on the front; 1 is beaten by 0 (dearer, slower), 3 by 2.
  const std::vector<std::pair<double, double>> p{{1, 10}, {2, 9}, {3, 20}, {3, 15}, {5, 30}};
  CHECK(hwsim::chart::pareto_front(p) == std::vector<std::size_t>{0, 2, 4});
}
