// The evaluation pipeline of one deployment x workload, read top to bottom: system shaping (deployment -> System)
// -> performance (sim/train, sim/infer; under a power cap, again at the clock the cap leaves) -> power (sim/power,
// which owns IT and facility watts) -> cost (sim/cost, which prices them) -> metrics (sim/plan/metrics.hpp).
// Contract: a workload that does not fit is a result (fits = false, with the reason and the idle site and cost
// figures), never an exception.
#pragma once

#include "sim/perf/efficiency.hpp"
#include "sim/perf/system.hpp"
#include "sim/plan/result.hpp"
#include "sim/scenario/scenario.hpp"

namespace hwsim {

// The deployment with `nodes` nodes (a partial deployment, `devices: N`, is always one node): devices, racks,
// scale-out fabric.
System shape_system(const Scenario& scenario, const DeploymentDecl& deployment, int nodes);

// The PUE a deployment's watts are multiplied by: the facility's, for the cooling of its racks and nodes.
inline double deployment_pue(const Scenario& scenario, const System& system) {
  return scenario.facility.pue_for(scenario.rack.cooling, system.node->cooling);
}

// One workload on one system: the metrics of the JSON contract, or fits = false with the reason.
Result evaluate_pair(const Scenario& scenario, const DeploymentDecl& deployment, const System& system,
                     const WorkloadDecl& workload, const EfficiencyModel& efficiency, const EvaluateOptions& options);

}  // namespace hwsim
