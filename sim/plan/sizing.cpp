#include "sim/plan/sizing.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <optional>

#include "sim/cost/cost.hpp"
#include "sim/power/power.hpp"

namespace hwsim {

namespace {

constexpr const char* kPowerBudget = "power_budget";
constexpr const char* kCapexBudget = "capex_budget";
constexpr const char* kMaxRacks = "max_racks";
constexpr const char* kCountBound = "count";

double facility_provisioned_w(const Scenario& sc, const System& sys) {
  return facility_power(provisioned_power(sys), deployment_pue(sc, sys)).value();
}

double capex_usd(const Scenario& sc, const System& sys) {
  return deployment_cost(sys, deployment_power(sys, {}, deployment_pue(sc, sys)), sc.facility).capex.value();
}

// "1 MW power budget", "25000000 USD capex budget", "60-rack limit (max_racks)", "1048576-node search bound".
std::string limit_phrase(const Scenario& sc, const DeploymentDecl& d, const std::string& binding) {
  if (binding == kPowerBudget) {
    return fmt::format("{} power budget", format_quantity(sc.facility.power_budget->value(), Dimension::watts));
  }
  if (binding == kCapexBudget) {
    return fmt::format("{} capex budget", format_quantity(d.capex_budget->value(), Dimension::usd));
  }
  if (binding == kMaxRacks) return fmt::format("{}-rack limit (max_racks)", *d.max_racks);
  return fmt::format("{}-node search bound", kMaxFillNodes);
}

std::vector<Metric> limits_of(const Scenario& sc, const DeploymentDecl& d, const WorkloadDecl& w) {
  std::vector<Metric> limits;
  if (sc.facility.power_budget) limits.push_back({"power_budget_w", sc.facility.power_budget->value()});
  if (d.capex_budget) limits.push_back({"capex_budget_usd", d.capex_budget->value()});
  if (d.max_racks) limits.push_back({"max_racks", static_cast<double>(*d.max_racks)});
  if (w.min_throughput_tokens_per_s) limits.push_back({"min_throughput_tokens_per_s", *w.min_throughput_tokens_per_s});
  if (w.train_time) limits.push_back({"train_time_s", w.train_time->value()});
  return limits;
}

// The node counts up to `max_count` that a training workload with a fixed parallelism can run on, ascending: the
// devices split into tp x pp x cp x dp (dp as given, or devices / (tp x pp x cp) when auto) and dp x micro_batch is
// at most global_batch (accumulation rounds the micro-batches up). The same rules evaluate_pair applies.
std::vector<int> training_counts(const DeploymentDecl& d, const WorkloadDecl& w, int max_count) {
  const TrainingConfig& t = w.training;
  const long long model_parallel = static_cast<long long>(t.parallelism.tp) * t.parallelism.pp * t.parallelism.cp;
  const long long per_node = d.node->devices();
  std::vector<int> counts;
  for (int n = 1; n <= max_count; ++n) {
    const long long devices = n * per_node;
    if (devices % model_parallel != 0) continue;
    const long long dp = devices / model_parallel;
    if (dp * t.micro_batch > t.global_batch) break;  // every larger count has a larger dp
    if (!w.dp_auto && dp != t.parallelism.dp) continue;
    counts.push_back(n);  // gradient accumulation meets the global batch (micro_batches_per_step)
  }
  return counts;
}

double throughput_of(const Result& r) { return r.fits ? r.metric("throughput_tokens_per_s").value_or(0.0) : 0.0; }

}  // namespace

std::vector<std::string> budgets_exceeded(const Scenario& sc, const DeploymentDecl& d, const System& sys) {
  std::vector<std::string> out;
  if (sc.facility.power_budget && facility_provisioned_w(sc, sys) > sc.facility.power_budget->value()) {
    out.emplace_back(kPowerBudget);
  }
  if (d.capex_budget && capex_usd(sc, sys) > d.capex_budget->value()) out.emplace_back(kCapexBudget);
  if (d.max_racks && sys.racks > *d.max_racks) out.emplace_back(kMaxRacks);
  return out;
}

BudgetFill largest_within_budgets(const Scenario& sc, const DeploymentDecl& d) {
  const std::vector<std::string> one = budgets_exceeded(sc, d, shape_system(sc, d, 1));
  if (!one.empty()) {
    throw InputError(Diagnostic{
        d.where, "deployments." + d.name + ".count",
        fmt::format("count: fill: not even one '{}' fits the {}", d.node->name, limit_phrase(sc, d, one.front()))});
  }
  const auto within = [&](int n) { return budgets_exceeded(sc, d, shape_system(sc, d, n)).empty(); };
  // Every budget is monotone in the count (sizing.hpp): double to a count outside, then bisect.
  int lo = 1;  // within
  int hi = 2;
  while (within(hi)) {
    lo = hi;
    if (hi == kMaxFillNodes) return {kMaxFillNodes, kCountBound};
    hi = std::min(2 * hi, kMaxFillNodes);
  }
  while (hi - lo > 1) {  // lo within, hi outside
    const int mid = lo + (hi - lo) / 2;
    (within(mid) ? lo : hi) = mid;
  }
  return {lo, budgets_exceeded(sc, d, shape_system(sc, d, hi)).front()};
}

namespace {

// The fewest nodes that reach `target` and the result there; otherwise the best result seen and its count.
struct TargetSearch {
  std::optional<Result> found;
  int found_count = 0;
  std::optional<Result> best;
  int best_count = 0;
};

// A fixed training parallelism: every count the workload can run on, fewest first (not assumed monotone).
template <typename At>
TargetSearch scan_counts(const std::vector<int>& counts, double target, const At& at) {
  TargetSearch s;
  for (const int n : counts) {
    Result r = at(n);
    if (throughput_of(r) >= target) {
      s.found = std::move(r);
      s.found_count = n;
      return s;
    }
    if (!s.best || throughput_of(r) > throughput_of(*s.best)) {
      s.best = std::move(r);
      s.best_count = n;
    }
  }
  return s;
}

// Inference, and training whose parallelism is searched per count: throughput taken as growing with the count
// (sizing.hpp). Doubling from one node finds a count that reaches the target (a training batch leaves no work for
// counts far above it, so the search never starts at the budgets' limit), then bisection the fewest in (lo, hi].
template <typename At>
TargetSearch bisect_counts(int most, double target, const At& at) {
  TargetSearch s;
  int lo = 0;
  int hi = 0;
  for (int n = 1;; n = std::min(2 * n, most)) {
    Result r = at(n);
    if (throughput_of(r) >= target) {
      s.found = std::move(r);
      hi = n;
      break;
    }
    if (!s.best || throughput_of(r) > throughput_of(*s.best)) {
      s.best = std::move(r);
      s.best_count = n;
    }
    lo = n;
    if (n == most) return s;
  }
  while (hi - lo > 1) {
    const int mid = lo + (hi - lo) / 2;
    Result r = at(mid);
    if (throughput_of(r) >= target) {
      hi = mid;
      s.found = std::move(r);
    } else {
      lo = mid;
    }
  }
  s.found_count = hi;
  return s;
}

// Training with a searched parallelism is not strictly monotone: a count whose devices do not split into the best
// tp x pp x cp runs a worse configuration than its neighbours. Below the count bisection found, every count from
// target / (the most tokens/s per node any visited count gave) up is tried, fewest first; a count below that bound
// would need a higher rate per node than any count seen. At most kFewestScan counts are tried (each runs a search),
// the ones just below the bisection's answer.
constexpr int kFewestScan = 1024;
template <typename At>
void fewest_below(TargetSearch& s, double target, double best_per_node, const At& at) {
  const int from =
      std::max({1, static_cast<int>(std::ceil(target / best_per_node - 1e-9)), s.found_count - kFewestScan});
  for (int n = from; n < s.found_count; ++n) {
    Result r = at(n);
    if (throughput_of(r) >= target) {
      s.found = std::move(r);
      s.found_count = n;
      return;
    }
  }
}

}  // namespace

Result evaluate_sized(const Scenario& sc, const DeploymentDecl& d, const WorkloadDecl& w, const BudgetFill& fill,
                      const EfficiencyModel& eff, const EvaluateOptions& options) {
  Sizing sizing{fill.count, fill.binding, fill.count, fill.binding, limits_of(sc, d, w)};
  double best_per_node = 0;  // tokens/s per node, the most any evaluated count gave
  const auto at = [&](int n) {
    Result r = evaluate_pair(sc, d, shape_system(sc, d, n), w, eff, options);
    best_per_node = std::max(best_per_node, throughput_of(r) / n);
    return r;
  };
  if (!w.min_throughput_tokens_per_s) {
    Result r = at(fill.count);
    r.sizing = sizing;
    return r;
  }
  const double target = *w.min_throughput_tokens_per_s;
  const bool searched = w.search_parallelism || w.search_micro_batch;
  TargetSearch s = w.kind == WorkloadKind::training && !searched
                       ? scan_counts(training_counts(d, w, fill.count), target, at)
                       : bisect_counts(fill.count, target, at);
  if (s.found && w.kind == WorkloadKind::training && searched) fewest_below(s, target, best_per_node, at);
  if (s.found) {
    sizing.count = s.found_count;
    sizing.binding = w.target_binding;
    s.found->sizing = sizing;
    return std::move(*s.found);
  }
  if (!s.best) {  // no count up to the budgets' limit can run the workload: say why at that limit
    s.best = at(fill.count);
    s.best_count = fill.count;
  }
  Result r = std::move(*s.best);
  sizing.count = s.best_count;
  r.sizing = sizing;
  const std::string within = fmt::format("the {} (at most {} nodes)", limit_phrase(sc, d, fill.binding), fill.count);
  if (!r.fits) {
    r.message = fmt::format("throughput target not reached within {}: {}", within, r.message);
    return r;
  }
  const double got = throughput_of(r);
  r.fits = false;
  r.message = fmt::format(
      "throughput target not reached: {} nodes give {:.4g} tokens/s, the most within {}, {:.1f}% "
      "short of {} {:.4g}",
      s.best_count, got, within, (1.0 - got / target) * 100.0,
      w.target_binding == "train_time"
          ? fmt::format("the tokens/s train_time {} asks,", format_quantity(w.train_time->value(), Dimension::seconds))
          : std::string("min_throughput_tokens_per_s"),
      target);
  return r;
}

std::vector<std::string> budget_warnings(const Scenario& sc, const DeploymentDecl& d, const System& sys) {
  std::vector<std::string> out;
  for (const auto& b : budgets_exceeded(sc, d, sys)) {
    if (b == kPowerBudget) {
      out.push_back(fmt::format("deployment '{}' provisions {} at the facility (x PUE {:g}), above the {} power budget",
                                d.name, format_quantity(facility_provisioned_w(sc, sys), Dimension::watts),
                                deployment_pue(sc, sys),
                                format_quantity(sc.facility.power_budget->value(), Dimension::watts)));
    } else if (b == kCapexBudget) {
      out.push_back(fmt::format("deployment '{}' costs {} up front (nodes, network, racks), above its {}", d.name,
                                format_quantity(capex_usd(sc, sys), Dimension::usd), limit_phrase(sc, d, b)));
    } else {
      out.push_back(
          fmt::format("deployment '{}' occupies {} racks, above its max_racks {}", d.name, sys.racks, *d.max_racks));
    }
  }
  return out;
}

}  // namespace hwsim
