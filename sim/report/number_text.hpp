// Numbers for people: the one home of how hwsim writes a value that someone reads (the table, md and html reports,
// chart ticks, the sweep page). Contract: no exponent notation ("14.2 M", never "1.42e+07"); below a million, whole
// figures carry thousands separators ("149,326"); from a million up, three significant digits and an SI suffix.
// JSON and CSV never come through here: they keep machine numbers (the shortest text that reads back the same).
#pragma once

#include <string>

namespace hwsim {

// "0.285", "69.8", "583", "17,873", "8.18 M", "12.6 G": `digits` significant digits below a thousand, whole numbers
// with thousands separators up to a million, then `digits` significant digits with an SI suffix (M, G, T, P, E).
std::string readable_number(double value, int digits = 3);
// `value` with `digits` significant digits in fixed notation, trailing zeros dropped: (0.030600, 4) -> "0.0306".
std::string significant(double value, int digits);
// "$9.01", "$234K", "$18.9M", "$1.2B", "$3.4T".
std::string money_text(double usd);
// "1,234 tokens/s", "$2.5M", "43.4%", "47.25 kWh", "8.5 h": a metric value in its registered style
// (sim/plan/metrics.hpp MetricStyle); an unregistered key prints as readable_number.
std::string format_metric(const std::string& key, double value);
// A chart tick: `value` with the SI prefix its own magnitude calls for and as many decimals as the tick `step` needs
// (so that every tick of an axis has the same: "0.026", "0.030"), then `unit`: (1.5e6, 5e5, "") -> "1.5M",
// (4e5, 2e5, "W") -> "400 kW", (0, x, "W") -> "0 W". With `money`, the prefixes of money_text ("$200K").
std::string tick_text(double value, double step, const std::string& unit = "", bool money = false);

}  // namespace hwsim
