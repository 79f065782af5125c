// Sizing under constraints (`count: fill`): the most nodes a deployment's budgets allow, or the fewest nodes whose
// throughput reaches a workload's target within them, and the constraint that binds.
// Contract:
// - Budgets: facility `power_budget` (provisioned power x PUE), deployment `capex_budget` (capex of nodes, network
//   and racks, as sim/cost computes it) and `max_racks`. Each is monotone in the node count (nodes, fat-tree
//   switches and links, and racks never decrease as nodes are added), so the largest count within all of them is
//   found by doubling then bisection. The binding budget is the first, in that order, that one more node exceeds.
// - Throughput target (`min_throughput_tokens_per_s` of a workload, or a training deadline `train_time`, which asks
//   train_tokens / train_time): inference throughput is replicas x the throughput of one replica, and replicas =
//   devices / (tp x pp) never decrease with nodes, so the fewest nodes is found by bisection. Training with a fixed
//   parallelism is not assumed monotone: every count whose devices split into tp x pp x cp x dp (with dp x
//   micro_batch at most global_batch; gradient accumulation rounds the micro-batches up) is evaluated, fewest
//   first. Training with `parallelism: auto` or `micro_batch: auto` searches the configuration at each count
//   visited: doubling from one node, then bisection, then every count from target / (the best tokens/s per node
//   seen) up to the answer (at most 1024 counts below it), because a count whose devices do not split into the
//   best tp x pp x cp runs a worse configuration than its neighbours.
// - A target the budgets cannot reach is a result (fits = false, the shortfall in `message`), not an error.
#pragma once

#include <string>
#include <vector>

#include "sim/plan/pipeline.hpp"

namespace hwsim {

// Without any budget, sizing for a throughput target searches up to this many nodes.
inline constexpr int kMaxFillNodes = 1 << 20;

struct BudgetFill {
  int count = 0;        // the most nodes within every budget (kMaxFillNodes when none is declared)
  std::string binding;  // power_budget | capex_budget | max_racks, or count when none binds below kMaxFillNodes
};

// The budgets `sys` exceeds, in the order power_budget, capex_budget, max_racks (empty when within all).
std::vector<std::string> budgets_exceeded(const Scenario& scenario, const DeploymentDecl& deployment,
                                          const System& sys);

// The most nodes of a `count: fill` deployment within its budgets. Throws InputError (at the deployment's line)
// when not even one node fits a budget.
BudgetFill largest_within_budgets(const Scenario& scenario, const DeploymentDecl& deployment);

// A `count: fill` deployment evaluated for one workload: at the budgets' count, or at the fewest nodes that reach
// the workload's throughput target; `sizing` says which count and why.
Result evaluate_sized(const Scenario& scenario, const DeploymentDecl& deployment, const WorkloadDecl& workload,
                      const BudgetFill& fill, const EfficiencyModel& efficiency, const EvaluateOptions& options);

// For a deployment with a fixed count: one line per budget it exceeds.
std::vector<std::string> budget_warnings(const Scenario& scenario, const DeploymentDecl& deployment, const System& sys);

}  // namespace hwsim
