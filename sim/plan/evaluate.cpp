#include "sim/plan/evaluate.hpp"

#include <fmt/format.h>
#include <cmath>

#include "sim/plan/sizing.hpp"

namespace hwsim {

System build_system(const Scenario& sc, const DeploymentDecl& d) {
  if (!d.fill) {
    const int nodes = d.count.value_or(d.cluster ? d.cluster->count : 1);
    return shape_system(sc, d, nodes);
  }
  return shape_system(sc, d, largest_within_budgets(sc, d).count);
}

namespace {

// Every figure a report prints is a finite number. Inputs that are each within bounds can still combine into an
// infinity or a NaN (a product of huge prices and counts, a rate divided by a zero); that is bad input, named by the
// result and metric it spoiled, never a silent "null" in JSON.
void refuse_non_finite(const Evaluation& ev) {
  Diagnostics diags;
  for (const auto& r : ev.results) {
    for (const auto* list : {&r.metrics, &r.breakdown}) {
      for (const auto& m : *list) {
        if (std::isfinite(m.value)) continue;
        diags.add({ev.file, 0, 0}, fmt::format("{}/{}/{}", r.deployment, r.workload, m.key),
                  fmt::format("is {} (the inputs overflow or divide by zero: look for extreme sizes, rates, prices or "
                              "counts)",
                              std::isnan(m.value) ? "not a number" : "infinite"));
      }
    }
  }
  diags.throw_if_any();
}

}  // namespace

Evaluation evaluate(const Scenario& sc, const EfficiencyModel& eff, const EvaluateOptions& options) {
  Evaluation ev{sc.name, sc.description, sc.file, {}, {}, cost_assumptions(sc.facility), std::nullopt};
  if (sc.facility.power_budget) ev.power_budget_w = sc.facility.power_budget->value();
  for (const auto& w : sc.workloads) {
    if (w.kind != WorkloadKind::inference) continue;
    const InferenceConfig& c = w.inference;
    if (c.input_tokens + c.output_tokens > c.model.max_seq) {
      ev.warnings.push_back(
          fmt::format("workload '{}': {} input + {} output tokens exceed {}'s {}-token context "
                      "(evaluated as asked)",
                      w.name, c.input_tokens, c.output_tokens, c.model.name, c.model.max_seq));
    }
  }
  for (const auto& d : sc.deployments) {
    if (d.cluster && !d.nodes_per_rack && d.cluster->nodes_per_rack > nodes_rack_holds(sc.rack, *d.node)) {
      ev.warnings.push_back(fmt::format(
          "deployment '{}': cluster '{}' packs {} x '{}' per rack ({:.1f} kW), but rack '{}' ({}U, {:.1f} kW) holds "
          "{}: "
          "re-packed at that (set facility.rack to a rack that holds {}, or nodes_per_rack)",
          d.name, d.cluster->name, d.cluster->nodes_per_rack, d.node->name,
          d.cluster->nodes_per_rack * d.node->power.max.value() / 1e3, sc.rack.name, sc.rack.rack_units,
          sc.rack.power_limit.value() / 1e3, nodes_rack_holds(sc.rack, *d.node), d.cluster->nodes_per_rack));
    }
    if (d.fill) {
      const BudgetFill fill = largest_within_budgets(sc, d);
      for (const auto& w : sc.workloads) ev.results.push_back(evaluate_sized(sc, d, w, fill, eff, options));
      continue;
    }
    const System sys = build_system(sc, d);
    for (auto& warning : budget_warnings(sc, d, sys)) ev.warnings.push_back(std::move(warning));
    for (const auto& w : sc.workloads) ev.results.push_back(evaluate_pair(sc, d, sys, w, eff, options));
  }
  refuse_non_finite(ev);
  return ev;
}

}  // namespace hwsim
