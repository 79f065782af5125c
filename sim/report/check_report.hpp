// Reports of `hwsim check`: a table for terminals, Markdown for a pull-request comment, one JSON document, and
// JUnit XML for CI (one testsuite per scenario, one testcase per expectation and per baselined metric).
#pragma once

#include <string>
#include <vector>

#include "sim/plan/baseline.hpp"

namespace hwsim {

std::string render_check_text(const std::vector<ScenarioCheck>& checks);
std::string render_check_markdown(const std::vector<ScenarioCheck>& checks);
std::string render_check_json(const std::vector<ScenarioCheck>& checks);
std::string render_check_junit(const std::vector<ScenarioCheck>& checks);

}  // namespace hwsim
