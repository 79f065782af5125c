// Rendering evaluations for people (table, md) and machines (json, csv). Contract: json is exactly one document
// with the field names of DESIGN.md ("JSON result"); metrics absent from a result are absent from its output.
#pragma once

#include <string>
#include <vector>

#include "sim/plan/evaluate.hpp"

namespace hwsim {

enum class Format { table, json, csv, md };

Format parse_format(const std::string& name);  // throws InputError for an unknown format
std::string render(const std::vector<Evaluation>& evaluations, Format format);

// "1.23 kW", "4.5 ms", "$1.2M", "312 TFLOP/s": a metric value for people, by its key's unit suffix.
std::string format_metric(const std::string& key, double value);
// A short label for a metric key ("throughput_tokens_per_s" -> "throughput (tokens/s)").
std::string metric_label(const std::string& key);

}  // namespace hwsim
