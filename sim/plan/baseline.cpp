#include "sim/plan/baseline.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/plan/json_text.hpp"
#include "sim/plan/metrics.hpp"
#include "sim/scenario/inputs.hpp"

namespace hwsim {

namespace {

// Inputs reverted one at a time at most; past this, attribution is skipped with a note.
constexpr std::size_t kMaxReverts = 64;

bool drifted(std::optional<double> before, std::optional<double> after, double tolerance) {
  if (before.has_value() != after.has_value()) return true;
  if (!before) return false;
  const double b = *before;
  const double a = *after;
  if (b == a) return false;
  const double scale = std::fabs(b) > 0 ? std::fabs(b) : 1.0;  // a zero baseline compares absolutely
  return std::fabs(a - b) / scale > tolerance;
}

std::optional<double> value_in(const Evaluation& ev, const std::string& pair, const std::string& key) {
  for (const auto& r : ev.results) {
    if (r.deployment + "/" + r.workload != pair) continue;
    if (key == "fits") return r.fits ? 1.0 : 0.0;
    return r.metric(key);
  }
  return std::nullopt;
}

}  // namespace

double Tolerances::of(const std::string& pair, const std::string& key) const {
  if (auto it = relative.find(pair + "/" + key); it != relative.end()) return it->second;
  if (auto it = relative.find(key); it != relative.end()) return it->second;
  const auto it = relative.find("default");
  return it == relative.end() ? 1e-6 : it->second;
}

void add_tolerance(Tolerances& t, const std::string& assignment) {
  const auto eq = assignment.find('=');
  char* end = nullptr;
  const std::string value = eq == std::string::npos ? "" : assignment.substr(eq + 1);
  const double rel = std::strtod(value.c_str(), &end);
  if (eq == std::string::npos || eq == 0 || value.empty() || *end != '\0' || !(rel >= 0)) {
    throw InputError(Diagnostic{{"--tolerance " + assignment, 0, 0},
                                "",
                                "expected METRIC=REL with REL >= 0 (default=1e-6, tco_usd=1e-3, "
                                "dgx/chat/usd_per_million_tokens=0.01)"});
  }
  t.relative[assignment.substr(0, eq)] = rel;
}

std::filesystem::path baseline_path(const std::filesystem::path& dir, const std::string& scenario_name) {
  return dir / (scenario_name + ".json");
}

Baseline make_baseline(const Scenario& sc, const Evaluation& ev, std::vector<InputValue> inputs,
                       const Tolerances& tolerances) {
  Baseline b{sc.name, portable_source({sc.file, 0, 0}), tolerances, {}, std::move(inputs)};
  for (const auto& r : ev.results) b.results.push_back({r.deployment + "/" + r.workload, r.fits, r.metrics});
  return b;
}

std::string baseline_json(const Baseline& b) {
  nlohmann::ordered_json doc;
  doc["scenario"] = b.scenario;
  doc["file"] = b.file;
  doc["tolerance"] = nlohmann::ordered_json::object();
  for (const auto& [k, v] : b.tolerances.relative) doc["tolerance"][k] = v;
  doc["results"] = nlohmann::ordered_json::object();
  for (const auto& r : b.results) {
    nlohmann::ordered_json e;
    e["fits"] = r.fits;
    e["metrics"] = nlohmann::ordered_json::object();
    for (const auto& m : r.metrics) e["metrics"][m.key] = m.value;
    doc["results"][r.pair] = std::move(e);
  }
  doc["inputs"] = nlohmann::ordered_json::object();
  for (const auto& i : b.inputs) doc["inputs"][i.path] = {{"value", i.value}, {"source", i.source}};
  return json_text(doc) + "\n";
}

Baseline read_baseline(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw InputError(Diagnostic{{file.string(), 0, 0},
                                "",
                                "no baseline for this scenario (write one with hwsim check --baseline DIR "
                                "--update-baseline)"});
  }
  std::stringstream text;
  text << in.rdbuf();
  return read_baseline_text(text.str(), file.string());
}

Baseline read_baseline_text(const std::string& text, const std::string& file) {
  try {
    const auto doc = nlohmann::ordered_json::parse(text);
    Baseline b;
    b.scenario = doc.at("scenario").get<std::string>();
    b.file = doc.value("file", "");
    b.tolerances.relative.clear();
    for (const auto& [k, v] : doc.at("tolerance").items()) b.tolerances.relative[k] = v.get<double>();
    for (const auto& [pair, r] : doc.at("results").items()) {
      Baseline::Entry e{pair, r.at("fits").get<bool>(), {}};
      for (const auto& [k, v] : r.at("metrics").items()) e.metrics.push_back({k, v.get<double>()});
      b.results.push_back(std::move(e));
    }
    for (const auto& [path, i] : doc.at("inputs").items()) {
      b.inputs.push_back({path, i.at("value").get<std::string>(), i.value("source", "")});
    }
    return b;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(Diagnostic{{file, 0, 0}, "", fmt::format("not a hwsim baseline: {}", e.what())});
  }
}

BaselineComparison compare_with_baseline(const Baseline& baseline, const Evaluation& current,
                                         const std::vector<InputValue>& current_inputs, const Tolerances& tolerances,
                                         const Reevaluate& reevaluate) {
  BaselineComparison out;
  // Metrics: every one of the baseline and of the current results, plus each result's fit.
  std::vector<std::pair<std::string, std::string>> keys;  // pair, metric
  const auto add_key = [&](const std::string& pair, const std::string& key) {
    if (std::find(keys.begin(), keys.end(), std::make_pair(pair, key)) == keys.end()) keys.emplace_back(pair, key);
  };
  for (const auto& r : baseline.results) {
    add_key(r.pair, "fits");
    for (const auto& m : r.metrics) add_key(r.pair, m.key);
  }
  for (const auto& r : current.results) {
    add_key(r.deployment + "/" + r.workload, "fits");
    for (const auto& m : r.metrics) add_key(r.deployment + "/" + r.workload, m.key);
  }
  const auto before_of = [&](const std::string& pair, const std::string& key) -> std::optional<double> {
    for (const auto& r : baseline.results) {
      if (r.pair != pair) continue;
      if (key == "fits") return r.fits ? 1.0 : 0.0;
      for (const auto& m : r.metrics) {
        if (m.key == key) return m.value;
      }
    }
    return std::nullopt;
  };
  for (const auto& [pair, key] : keys) {
    out.compared.push_back(pair + "/" + key);
    const auto before = before_of(pair, key);
    const auto after = value_in(current, pair, key);
    const double tol = tolerances.of(pair, key);
    if (drifted(before, after, tol)) out.drifts.push_back({pair + "/" + key, before, after, tol, {}, std::nullopt});
  }

  // Inputs that changed, were added or were removed.
  std::map<std::string, const InputValue*> old_inputs;
  std::map<std::string, const InputValue*> new_inputs;
  for (const auto& i : baseline.inputs) old_inputs[i.path] = &i;
  for (const auto& i : current_inputs) new_inputs[i.path] = &i;
  for (const auto& [path, i] : old_inputs) {
    const auto it = new_inputs.find(path);
    if (it == new_inputs.end()) {
      out.changes.push_back({path, *i, std::nullopt});
    } else if (it->second->value != i->value) {
      out.changes.push_back({path, *i, *it->second});
    }
  }
  for (const auto& [path, i] : new_inputs) {
    if (old_inputs.count(path) == 0) out.changes.push_back({path, std::nullopt, *i});
  }
  if (out.drifts.empty()) return out;
  if (out.changes.empty()) {
    out.note = "no input changed: the drift comes from the model (hwsim's code), not from the inputs";
    for (auto& d : out.drifts) d.unexplained = 1.0;
    return out;
  }
  if (out.changes.size() > kMaxReverts) {
    out.note = fmt::format("{} inputs changed; attribution reverts at most {}", out.changes.size(), kMaxReverts);
    return out;
  }

  // Attribution: revert each changed input alone; its share of a drift is how much of it the revert undoes.
  std::vector<std::vector<Cause>> causes(out.drifts.size());
  for (const auto& c : out.changes) {
    if (!c.before) {
      for (auto& list : causes)
        list.push_back({c.path, std::nullopt, "added since the baseline: nothing to revert to"});
      continue;
    }
    std::optional<Evaluation> reverted;
    std::string problem;
    try {
      reverted = reevaluate({c.path + "=" + c.before->value});
    } catch (const InputError& e) {
      problem = "cannot be reverted alone: " +
                (e.diagnostics().empty() ? std::string(e.what()) : e.diagnostics().front().message);
    }
    for (std::size_t d = 0; d < out.drifts.size(); ++d) {
      const Drift& drift = out.drifts[d];
      if (!reverted) {
        causes[d].push_back({c.path, std::nullopt, problem});
        continue;
      }
      const auto slash = drift.metric.rfind('/');
      const auto value = value_in(*reverted, drift.metric.substr(0, slash), drift.metric.substr(slash + 1));
      if (drift.before && drift.after) {
        if (!value) {
          causes[d].push_back({c.path, std::nullopt, "the metric is absent with this input reverted"});
          continue;
        }
        const double share = (*drift.after - *value) / (*drift.after - *drift.before);
        if (std::fabs(share) > 1e-9) causes[d].push_back({c.path, share, ""});
      } else if (value.has_value() == drift.before.has_value()) {
        causes[d].push_back({c.path, 1.0, ""});  // the revert restores the metric's presence or absence
      }
    }
  }
  for (std::size_t d = 0; d < out.drifts.size(); ++d) {
    auto& list = causes[d];
    std::stable_sort(list.begin(), list.end(), [](const Cause& a, const Cause& b) {
      return std::fabs(a.share.value_or(-1)) > std::fabs(b.share.value_or(-1));
    });
    double sum = 0;
    for (const auto& c : list) sum += c.share.value_or(0);
    out.drifts[d].causes = std::move(list);
    if (out.drifts[d].before && out.drifts[d].after) out.drifts[d].unexplained = 1.0 - sum;
  }
  return out;
}

bool ScenarioCheck::passed() const {
  const bool expectations_hold =
      std::all_of(expectations.begin(), expectations.end(), [](const ExpectationOutcome& o) { return o.passed; });
  return expectations_hold && (!baseline || baseline->drifts.empty());
}

std::vector<std::string> plan_files(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  for (const auto& a : args) {
    if (!std::filesystem::is_directory(a)) {
      files.push_back(a);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& e : std::filesystem::directory_iterator(a)) {
      if (e.is_regular_file() && e.path().extension() == ".yaml") found.push_back(e.path().string());
    }
    std::sort(found.begin(), found.end());
    if (found.empty()) throw InputError(Diagnostic{{a, 0, 0}, "", "no *.yaml scenario in this directory"});
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

void check_tolerances(const std::vector<std::string>& assignments) {
  const std::vector<std::string> metrics = known_metric_keys();
  Tolerances parsed;
  for (const auto& a : assignments) {
    const std::string name = a.substr(0, a.find('='));
    const std::string metric = name.substr(name.rfind('/') == std::string::npos ? 0 : name.rfind('/') + 1);
    if (metric != "default" && std::find(metrics.begin(), metrics.end(), metric) == metrics.end()) {
      const std::string near = closest_match(metric, metrics);
      throw InputError(Diagnostic{{"--tolerance " + a, 0, 0},
                                  "",
                                  fmt::format("unknown metric '{}'{}", metric,
                                              near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near))});
    }
    add_tolerance(parsed, a);
  }
}

CheckOutcome check_scenario(const ScenarioSource& source, const EfficiencyModel& efficiency,
                            const EvaluateOptions& options, const CheckRequest& request) {
  std::vector<InputValue> inputs;
  const Scenario sc = source.load({}, &inputs);
  const Evaluation ev = evaluate(sc, efficiency, options);
  CheckOutcome out{{sc.name, sc.file, check_expectations(sc, ev), std::nullopt, ""}, ev.warnings, {}, ""};
  if (request.baseline_dir.empty()) return out;
  const auto path = baseline_path(request.baseline_dir, sc.name);
  if (request.update) {
    Tolerances t;
    if (std::filesystem::exists(path)) t = read_baseline(path).tolerances;  // kept unless overridden
    for (const auto& a : request.tolerances) add_tolerance(t, a);
    out.baseline_file = path;
    out.baseline_text = baseline_json(make_baseline(sc, ev, inputs, t));
    out.check.baseline_written = path.string();
    return out;
  }
  const Baseline base = read_baseline(path);
  Tolerances t = base.tolerances;
  for (const auto& a : request.tolerances) add_tolerance(t, a);
  const Reevaluate reevaluate = [&](const std::vector<std::string>& extra) {
    return evaluate(source.load(extra), efficiency, options);
  };
  out.check.baseline = compare_with_baseline(base, ev, inputs, t, reevaluate);
  return out;
}

}  // namespace hwsim
