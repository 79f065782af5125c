// The figures and paths many test files share, each with one home (the test files also compile together, a few to a
// translation unit, where a second definition of a name would clash).
#pragma once

#include <filesystem>

namespace hwsim::test {

// Relative tolerance of an expected value the test derives with the engine's own arithmetic: only rounding differs.
inline constexpr double kRel = 1e-12;
inline constexpr double kGiB = 1024.0 * 1024 * 1024;

// The source tree and the scenario fixtures (tests/fixtures/scenarios/), as CMake gives them.
inline const std::filesystem::path kSource{HWSIM_SOURCE_DIR};
inline const std::filesystem::path kScenarioFixtures = std::filesystem::path(HWSIM_FIXTURES_DIR) / "scenarios";

}  // namespace hwsim::test
