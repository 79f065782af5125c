// Rendering `hwsim validate` reports. Contract (DESIGN.md): JSON is one document with `cases[]` (name, kind, metric,
// predicted, measured, error, confidence, file, source, split, device, [failure], calibration), `mape`,
// `max_abs_error` and `count` per kind, `by_split: {SPLIT: {mape, count}}`, `by_source: {SOURCE: {mape, count,
// max_abs_error}}` and `not_modelled[]`; the CLI and the Python module print the same text.
#pragma once

#include <string>

#include "sim/plan/validate.hpp"

namespace hwsim {

// One line per case, MAPE per kind, per split and per source, and the cases not modelled with their reason.
std::string render_validation_text(const ValidationReport& report);
std::string render_validation_json(const ValidationReport& report);

}  // namespace hwsim
