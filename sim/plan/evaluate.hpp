// Evaluating a scenario: every deployment x workload through the pipeline (sim/plan/pipeline.hpp), `count: fill`
// deployments through the sizing search around it (sim/plan/sizing.hpp).
#pragma once

#include "sim/perf/efficiency.hpp"
#include "sim/plan/pipeline.hpp"
#include "sim/plan/result.hpp"
#include "sim/scenario/scenario.hpp"

namespace hwsim {

// The deployment as a System: node count (fill: the most its budgets allow, sim/plan/sizing.hpp), racks, fabric.
System build_system(const Scenario& scenario, const DeploymentDecl& deployment);

Evaluation evaluate(const Scenario& scenario, const EfficiencyModel& efficiency, const EvaluateOptions& options = {});

}  // namespace hwsim
