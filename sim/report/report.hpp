// Rendering evaluations for people (table, md) and machines (json, csv). Contract: json is exactly one document
// with the field names of DESIGN.md ("JSON result"); metrics absent from a result are absent from its output.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/plan/evaluate.hpp"
#include "sim/plan/metrics.hpp"
#include "sim/report/number_text.hpp"

namespace hwsim {

enum class Format { table, json, csv, md, html };

Format parse_format(const std::string& name);  // throws InputError for an unknown format
std::string render(const std::vector<Evaluation>& evaluations, Format format);

// The P10/P50/P90 of a result's metric, when the result has uncertainty figures for it.
const Percentiles* percentiles_of(const Result& result, const std::string& key);

// "sized to 13 nodes, bound by throughput_target (the budgets allow up to 60, bound by max_racks)": how
// `count: fill` chose the count.
std::string describe_sizing(const Sizing& sizing);

// "cost assumptions: PUE 1.42, electricity 0.0806 USD/kWh, ...": the facility's cost inputs in one line, and what
// the $/M token figures count (every report prints it).
std::string describe_assumptions(const std::vector<Metric>& assumptions);
// Text from the user (names, descriptions, file paths) as Markdown that shows it and does nothing else: ASCII
// punctuation backslash-escaped (no links, emphasis, HTML tags or table breaks), line breaks as spaces.
std::string markdown_text(std::string_view text);
// The same as a code span: fenced by more backticks than it holds, '|' escaped for table cells.
std::string markdown_code(std::string_view text);
// A short label for a metric key ("throughput_tokens_per_s" -> "throughput (tokens/s)").
std::string metric_label(const std::string& key);

}  // namespace hwsim
