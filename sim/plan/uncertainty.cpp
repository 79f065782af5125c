#include "sim/plan/uncertainty.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <cmath>
#include <exception>
#include <numeric>
#include <random>
#include <thread>

#include "sim/scenario/overrides.hpp"

namespace hwsim {

double quantile(std::vector<double>& values, double q) {
  std::sort(values.begin(), values.end());
  if (values.empty()) return 0;
  const double at = q * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(at));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  return values[below] + (at - static_cast<double>(below)) * (values[above] - values[below]);
}

namespace {

double midpoint(const RangeInput& r) { return (r.low + r.high) / 2; }

}  // namespace

std::vector<std::vector<std::string>> latin_hypercube_sets(const std::vector<RangeInput>& ranges, int samples,
                                                           std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<std::string>> sets(static_cast<std::size_t>(samples));
  std::vector<int> strata(static_cast<std::size_t>(samples));
  for (const auto& r : ranges) {
    std::iota(strata.begin(), strata.end(), 0);
    std::shuffle(strata.begin(), strata.end(), rng);
    for (int i = 0; i < samples; ++i) {
      const double u = (strata[static_cast<std::size_t>(i)] + 0.5) / samples;  // the stratum's centre
      sets[static_cast<std::size_t>(i)].push_back(override_text(r.path, r.low + u * (r.high - r.low), r.unit));
    }
  }
  return sets;
}

namespace {

// Loads and evaluates the scenario once per job (extra --set assignments), `threads` jobs at a time.
std::vector<Evaluation> evaluate_jobs(const Scenario& sc, const ScenarioSource& source, const EfficiencyModel& eff,
                                      const std::vector<std::vector<std::string>>& jobs, int threads) {
  std::vector<Evaluation> out(jobs.size());
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  const auto work = [&](int t) {
    std::size_t i = static_cast<std::size_t>(t);
    try {
      for (; i < jobs.size(); i += static_cast<std::size_t>(threads)) {
        out[i] = evaluate(source.load(jobs[i]), eff, {});
      }
    } catch (const InputError& e) {
      // Every value inside a range must be valid input: say which sampled values were not.
      std::vector<Diagnostic> d = e.diagnostics();
      d.push_back({{sc.file, 0, 0},
                   "",
                   fmt::format("the uncertainty analysis evaluates every value inside the ranges; it failed at {} "
                               "(narrow the range, or run with --samples 0)",
                               fmt::join(jobs[i], ", "))});
      errors[static_cast<std::size_t>(t)] = std::make_exception_ptr(InputError(std::move(d)));
    } catch (...) {
      errors[static_cast<std::size_t>(t)] = std::current_exception();
    }
  };
  if (threads == 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(work, t);
    for (auto& th : pool) th.join();
  }
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return out;
}

// The sample's result for the same deployment and workload (results come in the same order), if present.
const Result* same_result(const Evaluation& ev, std::size_t index, const Result& r) {
  if (index >= ev.results.size()) return nullptr;
  const Result& s = ev.results[index];
  return s.deployment == r.deployment && s.workload == r.workload ? &s : nullptr;
}

void add_percentiles(Result& r, std::size_t index, const std::vector<Evaluation>& samples) {
  for (const auto& m : r.metrics) {
    std::vector<double> values;
    for (const auto& ev : samples) {
      const Result* s = same_result(ev, index, r);
      if (auto v = s != nullptr ? s->metric(m.key) : std::nullopt) values.push_back(*v);
    }
    if (values.empty()) continue;
    r.uncertainty.push_back({m.key, quantile(values, 0.10), quantile(values, 0.50), quantile(values, 0.90)});
  }
}

// `ends` holds, per range input, the evaluation at its low end then at its high end.
void add_sensitivity(Result& r, std::size_t index, const std::vector<RangeInput>& ranges,
                     const std::vector<Evaluation>& ends) {
  for (const auto& key : sensitivity_metrics()) {
    const auto y_mid = r.metric(key);
    if (!y_mid || *y_mid == 0) continue;
    for (std::size_t k = 0; k < ranges.size(); ++k) {
      const Result* low = same_result(ends[2 * k], index, r);
      const Result* high = same_result(ends[2 * k + 1], index, r);
      const auto y_low = low != nullptr ? low->metric(key) : std::nullopt;
      const auto y_high = high != nullptr ? high->metric(key) : std::nullopt;
      const double x_mid = midpoint(ranges[k]);
      if (!y_low || !y_high || x_mid == 0 || ranges[k].high == ranges[k].low) continue;
      const double e = ((*y_high - *y_low) / *y_mid) / ((ranges[k].high - ranges[k].low) / x_mid);
      if (std::fabs(e) < 1e-9) continue;  // the input does not move this result (e.g. another deployment's price)
      r.sensitivity.push_back({ranges[k].path, key, e, *y_low, *y_high, ranges[k].low, ranges[k].high, ranges[k].unit});
    }
  }
  std::stable_sort(r.sensitivity.begin(), r.sensitivity.end(), [](const Sensitivity& a, const Sensitivity& b) {
    return std::fabs(a.elasticity) > std::fabs(b.elasticity);
  });
}

}  // namespace

void add_uncertainty(Evaluation& ev, const Scenario& sc, const ScenarioSource& source, const EfficiencyModel& eff,
                     const UncertaintyOptions& options) {
  if (sc.ranges.empty() || options.samples <= 0) return;
  const int threads = std::max(1, options.threads);
  const std::vector<Evaluation> samples =
      evaluate_jobs(sc, source, eff, latin_hypercube_sets(sc.ranges, options.samples, options.seed), threads);
  std::vector<std::vector<std::string>> end_jobs;
  for (const auto& r : sc.ranges) {
    end_jobs.push_back({override_text(r.path, r.low, r.unit)});
    end_jobs.push_back({override_text(r.path, r.high, r.unit)});
  }
  const std::vector<Evaluation> ends = evaluate_jobs(sc, source, eff, end_jobs, threads);
  for (std::size_t i = 0; i < ev.results.size(); ++i) {
    add_percentiles(ev.results[i], i, samples);
    add_sensitivity(ev.results[i], i, sc.ranges, ends);
  }
}

}  // namespace hwsim
