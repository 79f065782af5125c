#include "sim/plan/sweep.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <iterator>
#include <limits>
#include <memory>
#include <ostream>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "hwmodels/catalog_loader.hpp"
#include "sim/core/catalog_paths.hpp"

namespace hwsim {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

[[noreturn]] void bad_vary(const std::string& spec, const std::string& message) {
  throw InputError(Diagnostic{{"--vary " + spec, 0, 0}, "", message});
}

// The declaration of a --set path's key, for integer steps; nullptr when it is not a declared scalar key.
const KeyDecl* declared_key(const std::vector<std::string>& parts, const ConfigNode& doc, const EntryStore& store) {
  const Schema* schema = nullptr;
  std::size_t first = 0;
  if (parts[0] == "facility" && parts.size() >= 2) {
    schema = &facility_schema();
    first = 1;
  } else if (parts[0] == "deployments" && parts.size() >= 3) {
    schema = scenario_schema().find("deployments")->child;
    first = 2;
  } else if (parts[0] == "workloads" && parts.size() >= 3) {
    const ConfigNode* list = doc.find("workloads");
    for (const auto& w : list != nullptr ? list->items : std::vector<ConfigNode>{}) {
      const ConfigNode* name = w.is_map() ? w.find("name") : nullptr;
      const ConfigNode* kind = w.is_map() ? w.find("kind") : nullptr;
      if (name != nullptr && kind != nullptr && name->scalar == parts[1]) {
        schema = kind->scalar == "training" ? &training_workload_schema() : &inference_workload_schema();
      }
    }
    first = 2;
  } else if (parts[0] == "hw" && parts.size() >= 3) {
    if (const RawEntry* e = store.find(parts[1])) schema = e->kind == "model" ? &model_schema() : hardware_schema(e->kind);
    first = 2;
  }
  const KeyDecl* decl = nullptr;
  for (std::size_t i = first; schema != nullptr && i < parts.size(); ++i) {
    decl = schema->find(parts[i]);
    if (decl == nullptr) return nullptr;
    schema = decl->child;
  }
  return decl;
}

// "PATH=V1,V2,..." or "PATH=LO..HI UNIT:N" (N evenly spaced values; integer keys take integer steps).
VaryAxis parse_vary(const std::string& spec, const ConfigNode& doc, const EntryStore& store) {
  VaryAxis axis{spec, "", {}};
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) {
    bad_vary(spec, "expected PATH=V1,V2,... or \"PATH=LO..HI UNIT:N\" (e.g. facility.pue=1.1,1.3 or "
                   "\"facility.electricity=0.05..0.20 USD/kWh:16\")");
  }
  axis.path = trim(spec.substr(0, eq));
  const std::string rhs = trim(spec.substr(eq + 1));
  const auto dots = rhs.find("..");
  if (dots == std::string::npos) {
    for (const auto& v : split(rhs, ',')) {
      if (trim(v).empty()) bad_vary(spec, "empty value in the list");
      axis.values.push_back(trim(v));
    }
    return axis;
  }
  const auto colon = rhs.rfind(':');
  if (colon == std::string::npos || colon < dots) {
    bad_vary(spec, "a range needs :N, the number of evenly spaced values (e.g. \"facility.pue=1.1..1.5:5\")");
  }
  char* end = nullptr;
  const std::string n_text = trim(rhs.substr(colon + 1));
  const long n = std::strtol(n_text.c_str(), &end, 10);
  if (n_text.empty() || *end != '\0' || n < 1 || n > 100000000) {
    bad_vary(spec, fmt::format("expected a count of values after ':', got \"{}\"", n_text));
  }
  const std::string lo_text = trim(rhs.substr(0, dots));
  const std::string hi_text = trim(rhs.substr(dots + 2, colon - dots - 2));
  const double lo = std::strtod(lo_text.c_str(), &end);
  const std::string lo_unit = trim(end);
  if (end == lo_text.c_str()) bad_vary(spec, fmt::format("expected a number before '..', got \"{}\"", lo_text));
  const double hi = std::strtod(hi_text.c_str(), &end);
  const std::string unit = trim(end);
  if (end == hi_text.c_str()) bad_vary(spec, fmt::format("expected a number after '..', got \"{}\"", hi_text));
  if (!lo_unit.empty() && lo_unit != unit) {
    bad_vary(spec, fmt::format("the range's ends have different units ('{}' and '{}')", lo_unit, unit));
  }
  const KeyDecl* decl = declared_key(split(axis.path, '.'), doc, store);
  const bool integer = decl != nullptr && decl->kind == ValueKind::integer;
  for (long i = 0; i < n; ++i) {
    const double v = n == 1 ? lo : lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1);
    std::string text = integer ? fmt::format("{}", std::llround(v)) : fmt::format("{:.10g}", v);
    if (!unit.empty()) text += " " + unit;
    if (axis.values.empty() || axis.values.back() != text) axis.values.push_back(text);
  }
  return axis;
}

void collect_scalars(const ConfigNode& node, std::vector<std::string>& out) {
  if (node.is_scalar()) out.push_back(node.scalar);
  for (const auto& [k, v] : node.entries) collect_scalars(v, out);
  for (const auto& item : node.items) collect_scalars(item, out);
}

// The entries of `all` named in `names`, and those they name (base:, a node's GPU, its network, ...), as a store.
EntryStore reachable_entries(const EntryStore& all, std::vector<std::string> names) {
  EntryStore out;
  Diagnostics diags;  // entries of a store that read without error add without error
  std::set<std::string> seen;
  while (!names.empty()) {
    const std::string name = std::move(names.back());
    names.pop_back();
    const RawEntry* e = all.find(name);
    if (e == nullptr || !seen.insert(name).second) continue;
    collect_scalars(e->node, names);
    out.add_entry(e->node, e->file, diags, false);
  }
  return out;
}

using Setter = std::function<void(Scenario&)>;

template <class List>
std::ptrdiff_t index_of(const List& list, const std::string& name) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].name == name) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

// The value of `parts` as `probe` (the scenario loaded with that one override) holds it, as a setter for another
// loaded copy of the same scenario. Only keys that nothing but the engine reads qualify (nothing derived from them
// at load time); empty for any other key, which then reloads the scenario.
Setter fast_setter(const std::vector<std::string>& parts, const Scenario& probe) {
  if (parts.size() == 2 && parts[0] == "facility") {
    const FacilitySpec& f = probe.facility;
    const std::string& key = parts[1];
    if (key == "pue") return [v = f.pue](Scenario& s) { s.facility.pue = v; };
    if (key == "electricity") return [v = f.electricity_usd_per_joule](Scenario& s) { s.facility.electricity_usd_per_joule = v; };
    if (key == "colocation") {
      return [v = f.colocation_usd_per_watt_second](Scenario& s) { s.facility.colocation_usd_per_watt_second = v; };
    }
    if (key == "years") return [v = f.years](Scenario& s) { s.facility.years = v; };
    if (key == "utilization") return [v = f.utilization](Scenario& s) { s.facility.utilization = v; };
    if (key == "power_budget") return [v = f.power_budget](Scenario& s) { s.facility.power_budget = v; };
    return {};
  }
  if (parts.size() == 3 && parts[0] == "deployments") {
    const auto i = index_of(probe.deployments, parts[1]);
    if (i < 0) return {};
    const DeploymentDecl& d = probe.deployments[static_cast<std::size_t>(i)];
    if (parts[2] == "count") {
      return [i, count = d.count, fill = d.fill](Scenario& s) {
        s.deployments[static_cast<std::size_t>(i)].count = count;
        s.deployments[static_cast<std::size_t>(i)].fill = fill;
      };
    }
    if (parts[2] == "nodes_per_rack") {
      return [i, v = d.nodes_per_rack](Scenario& s) { s.deployments[static_cast<std::size_t>(i)].nodes_per_rack = v; };
    }
    if (parts[2] == "price") {
      return [i, v = d.price](Scenario& s) { s.deployments[static_cast<std::size_t>(i)].price = v; };
    }
    return {};
  }
  if (parts.size() >= 3 && parts[0] == "workloads") {
    const auto i = index_of(probe.workloads, parts[1]);
    if (i < 0) return {};
    const auto u = static_cast<std::size_t>(i);
    const WorkloadDecl& w = probe.workloads[u];
    const std::string key = parts.size() == 4 ? parts[2] + "." + parts[3] : parts.size() == 3 ? parts[2] : "";
    if (w.kind == WorkloadKind::inference) {
      const InferenceConfig& c = w.inference;
      if (key == "batch") return [u, v = c.batch](Scenario& s) { s.workloads[u].inference.batch = v; };
      if (key == "input_tokens") return [u, v = c.input_tokens](Scenario& s) { s.workloads[u].inference.input_tokens = v; };
      if (key == "output_tokens") {
        return [u, v = c.output_tokens](Scenario& s) { s.workloads[u].inference.output_tokens = v; };
      }
      if (key == "sla.tpot") return [u, v = c.sla_tpot](Scenario& s) { s.workloads[u].inference.sla_tpot = v; };
      if (key == "sla.ttft") return [u, v = c.sla_ttft](Scenario& s) { s.workloads[u].inference.sla_ttft = v; };
      return {};
    }
    if (key == "train_tokens") return [u, v = w.training.train_tokens](Scenario& s) { s.workloads[u].training.train_tokens = v; };
    return {};
  }
  return {};
}

// Shortest text that reads back as the same double (std::to_chars: no locale, no allocation).
void append_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_integer(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// The value of metric `key` in `r`, looking first at position `hint` (results of one sweep list their metrics in
// the same order, so the hint almost always hits); updates the hint.
const Metric* find_metric(const Result& r, const std::string& key, std::size_t& hint) {
  if (hint < r.metrics.size() && r.metrics[hint].key == key) return &r.metrics[hint];
  for (std::size_t i = 0; i < r.metrics.size(); ++i) {
    if (r.metrics[i].key == key) {
      hint = i;
      return &r.metrics[i];
    }
  }
  return nullptr;
}

void append_csv_cell(std::string& out, const std::string& text) {
  const bool plain = std::none_of(text.begin(), text.end(), [](char c) { return c == ',' || c == '"' || c == '\n'; });
  if (plain) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_json_string(std::string& out, const std::string& text) {
  out += nlohmann::json(text).dump();
}

}  // namespace

const std::vector<std::string>& default_sweep_metrics() {
  static const std::vector<std::string> m{"throughput_tokens_per_s", "tpot_s",    "batch",
                                          "devices",                 "it_power_w", "facility_power_w",
                                          "capex_usd",               "tco_usd",    "usd_per_million_tokens",
                                          "time_to_train_s",         "cost_to_train_usd"};
  return m;
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  char* end = nullptr;
  Shard s;
  bool ok = slash != std::string::npos && slash > 0;
  if (ok) {
    const std::string i = text.substr(0, slash);
    const std::string n = text.substr(slash + 1);
    s.index = static_cast<int>(std::strtol(i.c_str(), &end, 10));
    ok = *end == '\0';
    s.count = static_cast<int>(std::strtol(n.c_str(), &end, 10));
    ok = ok && !n.empty() && *end == '\0' && s.count >= 1 && s.index >= 0 && s.index < s.count;
  }
  if (!ok) {
    throw InputError(Diagnostic{{"--shard " + text, 0, 0}, "",
                                "expected I/N with 0 <= I < N (0-based: --shard 0/4 ... --shard 3/4)"});
  }
  return s;
}

struct Sweep::Impl {
  std::filesystem::path file;
  LoadOptions load;  // with the document and the catalog read once
  ConfigNode document;
  EntryStore all_entries;  // every catalog directory
  EntryStore catalog;      // the entries the scenario and the axes can reach (loads are faster with fewer)
  SweepOptions options;
  std::vector<VaryAxis> axes;
  std::vector<std::vector<Setter>> setters;  // per axis, per value; empty for axes that reload
  std::vector<std::size_t> slow_axes;
  std::vector<std::size_t> fast_axes;
  std::vector<std::string> metrics;
  std::vector<std::vector<std::string>> csv_values;  // per axis, per value: the CSV cell (quoted where needed)
  std::string name;
  std::int64_t total = 1;

  [[nodiscard]] Scenario load_with(const std::vector<std::string>& extra_sets) const {
    LoadOptions o = load;
    o.sets.insert(o.sets.end(), extra_sets.begin(), extra_sets.end());
    return load_scenario(file, o);
  }

  [[nodiscard]] std::int64_t shard_points() const {
    const auto& s = options.shard;
    return total <= s.index ? 0 : (total - 1 - s.index) / s.count + 1;
  }
};

namespace {

// One thread's state: the scenarios loaded for the reloading axes' current values (a few, most recent first).
class Worker {
 public:
  explicit Worker(const Sweep::Impl& sweep) : sweep_(sweep) {}

  // Evaluates global point `point`; value_index() then holds each axis's value index.
  Evaluation evaluate_point(std::int64_t point) {
    const auto& axes = sweep_.axes;
    value_index_.resize(axes.size());
    std::int64_t rest = point;
    for (std::size_t a = axes.size(); a-- > 0;) {
      const auto n = static_cast<std::int64_t>(axes[a].values.size());
      value_index_[a] = static_cast<std::size_t>(rest % n);
      rest /= n;
    }
    Scenario& sc = scenario_for(value_index_);
    for (std::size_t a : sweep_.fast_axes) sweep_.setters[a][value_index_[a]](sc);
    return evaluate(sc, efficiency_, {});
  }
  [[nodiscard]] const std::vector<std::size_t>& value_index() const { return value_index_; }
  std::vector<std::size_t>& hints() { return hints_; }

 private:
  Scenario& scenario_for(const std::vector<std::size_t>& value_index) {
    std::vector<std::size_t>& key = key_;
    key.clear();
    for (std::size_t a : sweep_.slow_axes) key.push_back(value_index[a]);
    if (!loaded_.empty() && loaded_.front().first == key) return *loaded_.front().second;
    for (std::size_t i = 0; i < loaded_.size(); ++i) {
      if (loaded_[i].first == key) {
        if (i != 0) std::rotate(loaded_.begin(), loaded_.begin() + static_cast<std::ptrdiff_t>(i),
                                loaded_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        return *loaded_.front().second;
      }
    }
    std::vector<std::string> sets;
    for (std::size_t a : sweep_.slow_axes) sets.push_back(sweep_.axes[a].path + "=" + sweep_.axes[a].values[value_index[a]]);
    if (loaded_.size() == kKeep) loaded_.pop_back();
    loaded_.insert(loaded_.begin(), {key, std::make_unique<Scenario>(sweep_.load_with(sets))});
    return *loaded_.front().second;
  }

  static constexpr std::size_t kKeep = 16;
  const Sweep::Impl& sweep_;
  DefaultEfficiency efficiency_;
  std::vector<std::pair<std::vector<std::size_t>, std::unique_ptr<Scenario>>> loaded_;
  std::vector<std::size_t> value_index_;
  std::vector<std::size_t> key_;
  std::vector<std::size_t> hints_;  // per result x metric column: where the metric was last found
};

void append_csv_rows(std::string& out, const Sweep::Impl& s, std::int64_t point,
                     const std::vector<std::size_t>& value_index, const Evaluation& ev, std::vector<std::size_t>& hints) {
  hints.resize(ev.results.size() * s.metrics.size());
  std::size_t h = 0;
  for (const auto& r : ev.results) {
    append_integer(out, point);
    for (std::size_t a = 0; a < s.axes.size(); ++a) {
      out += ',';
      out += s.csv_values[a][value_index[a]];
    }
    out += ',';
    append_csv_cell(out, r.deployment);
    out += ',';
    append_csv_cell(out, r.workload);
    out += r.fits ? ",true" : ",false";
    for (const auto& m : s.metrics) {
      out += ',';
      if (const Metric* v = find_metric(r, m, hints[h++])) append_number(out, v->value);
    }
    out += '\n';
  }
}

// Each JSON row is ",\n{...}"; the writer drops the first row's comma.
void append_json_rows(std::string& out, const Sweep::Impl& s, std::int64_t point,
                      const std::vector<std::size_t>& value_index, const Evaluation& ev) {
  for (const auto& r : ev.results) {
    out += ",\n{\"point\":";
    append_integer(out, point);
    out += ",\"inputs\":{";
    for (std::size_t a = 0; a < s.axes.size(); ++a) {
      if (a > 0) out += ',';
      append_json_string(out, s.axes[a].path);
      out += ':';
      append_json_string(out, s.axes[a].values[value_index[a]]);
    }
    out += "},\"deployment\":";
    append_json_string(out, r.deployment);
    out += ",\"workload\":";
    append_json_string(out, r.workload);
    out += r.fits ? ",\"fits\":true,\"metrics\":{" : ",\"fits\":false,\"metrics\":{";
    for (std::size_t i = 0; i < r.metrics.size(); ++i) {
      if (i > 0) out += ',';
      append_json_string(out, r.metrics[i].key);
      out += ':';
      append_number(out, r.metrics[i].value);
    }
    out += "}}";
  }
}

std::string csv_header(const Sweep::Impl& s) {
  std::string h = "point";
  for (const auto& a : s.axes) {
    h += ',';
    append_csv_cell(h, a.path);
  }
  h += ",deployment,workload,fits";
  for (const auto& m : s.metrics) h += "," + m;
  return h + "\n";
}

std::string json_header(const Sweep::Impl& s) {
  nlohmann::ordered_json vary = nlohmann::ordered_json::array();
  for (const auto& a : s.axes) vary.push_back({{"path", a.path}, {"values", a.values}});
  return fmt::format("{{\"scenario\":{},\"vary\":{},\"points\":{},\"rows\":[", nlohmann::json(s.name).dump(),
                     vary.dump(), s.total);
}

// Runs `fn(worker, k, buffer)` for this shard's points k = 0..count-1 (global point = index + k x shards) on
// `threads` threads, in chunks, handing each chunk's buffer to `sink` in point order.
template <class Fn, class Sink>
std::int64_t for_each_point(const Sweep::Impl& s, int threads, Fn&& fn, Sink&& sink) {
  const std::int64_t count = s.shard_points();
  threads = std::max(1, threads);
  constexpr std::int64_t kChunk = 256;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) workers.push_back(std::make_unique<Worker>(s));
  std::vector<std::string> buffers(static_cast<std::size_t>(threads));
  const auto work = [&](int t, std::int64_t from) {
    std::string& buf = buffers[static_cast<std::size_t>(t)];
    buf.clear();
    const std::int64_t to = std::min(count, from + kChunk);
    for (std::int64_t k = from; k < to; ++k) fn(*workers[static_cast<std::size_t>(t)], s.options.shard.index + k * s.options.shard.count, buf);
  };
  for (std::int64_t round = 0; round < count; round += kChunk * threads) {
    std::vector<std::thread> pool;
    for (int t = 1; t < threads && round + t * kChunk < count; ++t) pool.emplace_back(work, t, round + t * kChunk);
    work(0, round);
    for (auto& th : pool) th.join();
    for (int t = 0; t < threads && round + t * kChunk < count; ++t) sink(buffers[static_cast<std::size_t>(t)]);
  }
  return count;
}

}  // namespace

Sweep::Sweep(const std::filesystem::path& scenario, const LoadOptions& load, const SweepOptions& options)
    : impl_(new Impl) {
  std::unique_ptr<Impl> guard(impl_);
  Impl& s = *impl_;
  s.file = scenario;
  s.options = options;
  s.load = load;
  s.document = load_yaml_file(scenario, scenario.string());
  std::vector<std::filesystem::path> dirs = default_catalog_dirs();
  dirs.insert(dirs.end(), load.catalog_dirs.begin(), load.catalog_dirs.end());
  s.all_entries = read_catalog_dirs(dirs);
  s.load.document = &s.document;
  s.load.catalog = &s.all_entries;
  s.load.inputs = nullptr;
  const Scenario base = s.load_with({});
  s.name = base.name;
  const Evaluation base_ev = evaluate(base, DefaultEfficiency{}, {});

  if (options.vary.empty()) throw InputError(Diagnostic{{"--vary", 0, 0}, "", "give at least one --vary PATH=VALUES"});
  std::vector<VaryAxis> parsed;
  for (const auto& spec : options.vary) parsed.push_back(parse_vary(spec, s.document, s.all_entries));
  // Loads use only the catalog entries reachable by name from the scenario, the --set values, the axes' values
  // and the defaults that name entries (the facility's rack); an axis value that needs more falls back to all.
  std::vector<std::string> names{base.facility.rack};
  collect_scalars(s.document, names);
  for (const auto& a : load.sets) names.push_back(a.substr(a.find('=') + 1));
  for (const auto& a : parsed) {
    const auto parts = split(a.path, '.');
    if (parts.size() > 1) names.push_back(parts[1]);
    names.insert(names.end(), a.values.begin(), a.values.end());
  }
  s.catalog = reachable_entries(s.all_entries, names);
  s.load.catalog = &s.catalog;
  for (auto& parsed_axis : parsed) {
    VaryAxis axis = std::move(parsed_axis);
    const std::string& spec = axis.spec;
    for (const auto& other : s.axes) {
      if (other.path == axis.path) bad_vary(spec, fmt::format("{} is already varied by --vary {}", axis.path, other.spec));
    }
    // Each value is checked as `--set` checks it; the loaded probe also gives the value a fast route.
    std::vector<Setter> setters;
    for (const auto& v : axis.values) {
      try {
        std::optional<Scenario> probe;
        try {
          probe.emplace(s.load_with({axis.path + "=" + v}));
        } catch (const InputError&) {
          if (s.load.catalog == &s.all_entries) throw;
          s.load.catalog = &s.all_entries;  // the reduced catalog may lack what this value needs
          probe.emplace(s.load_with({axis.path + "=" + v}));
        }
        setters.push_back(fast_setter(split(axis.path, '.'), *probe));
      } catch (const InputError& e) {
        std::vector<Diagnostic> diags = e.diagnostics();
        for (auto& d : diags) {
          if (d.where.file.rfind("--set ", 0) == 0) d.where.file = "--vary " + spec;
        }
        throw InputError(diags);
      }
    }
    const bool fast = std::all_of(setters.begin(), setters.end(), [](const Setter& f) { return bool(f); });
    (fast ? s.fast_axes : s.slow_axes).push_back(s.axes.size());
    s.setters.push_back(fast ? std::move(setters) : std::vector<Setter>{});
    if (s.total > std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(axis.values.size())) {
      bad_vary(spec, "the grid has too many points");
    }
    s.total *= static_cast<std::int64_t>(axis.values.size());
    s.axes.push_back(std::move(axis));
  }

  for (const auto& a : s.axes) {
    s.csv_values.emplace_back();
    for (const auto& v : a.values) {
      std::string cell;
      append_csv_cell(cell, v);
      s.csv_values.back().push_back(std::move(cell));
    }
  }
  s.metrics = options.metrics.empty() ? default_sweep_metrics() : options.metrics;
  if (!options.metrics.empty()) {
    std::vector<std::string> known;
    for (const auto& r : base_ev.results) {
      for (const auto& m : r.metrics) {
        if (std::find(known.begin(), known.end(), m.key) == known.end()) known.push_back(m.key);
      }
    }
    for (const auto& m : s.metrics) {
      if (std::find(known.begin(), known.end(), m) != known.end()) continue;
      const std::string near = closest_match(m, known);
      throw InputError(Diagnostic{{"--metrics", 0, 0}, "",
                                  fmt::format("no result of {} has a metric '{}'{} (have: {})", s.name, m,
                                              near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near),
                                              fmt::join(known, ", "))});
    }
  }
  guard.release();
}

Sweep::~Sweep() { delete impl_; }

const std::vector<VaryAxis>& Sweep::axes() const { return impl_->axes; }
std::int64_t Sweep::total_points() const { return impl_->total; }
const std::string& Sweep::scenario_name() const { return impl_->name; }

std::int64_t Sweep::run(std::ostream& out) const {
  const Impl& s = *impl_;
  const bool json = s.options.format == SweepFormat::json;
  out << (json ? json_header(s) : csv_header(s));
  bool first = true;
  const std::int64_t n = for_each_point(
      s, s.options.threads,
      [&](Worker& w, std::int64_t point, std::string& buf) {
        const Evaluation ev = w.evaluate_point(point);
        if (json) {
          append_json_rows(buf, s, point, w.value_index(), ev);
        } else {
          append_csv_rows(buf, s, point, w.value_index(), ev, w.hints());
        }
      },
      [&](const std::string& buf) {
        if (json && first && !buf.empty()) {
          out.write(buf.data() + 1, static_cast<std::streamsize>(buf.size() - 1));
          first = false;
        } else {
          out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
        }
      });
  if (json) out << "\n]}\n";
  out.flush();
  return n;
}

SweepTable Sweep::collect(std::size_t max_rows) const {
  const Impl& s = *impl_;
  SweepTable table{s.name, s.axes, s.metrics, {}};
  if (static_cast<std::size_t>(s.shard_points()) > max_rows) {
    throw InputError(Diagnostic{{"--format html", 0, 0}, "",
                                fmt::format("{} points are too many to chart (at most {} rows); write CSV or JSON",
                                            s.shard_points(), max_rows)});
  }
  for_each_point(  // one thread: rows are appended in point order
      s, 1,
      [&](Worker& w, std::int64_t point, std::string&) {
        const Evaluation ev = w.evaluate_point(point);
        for (const auto& r : ev.results) {
          SweepTable::Row row{point, w.value_index(), r.deployment, r.workload, r.fits, {}};
          for (const auto& m : s.metrics) row.metrics.push_back(r.metric(m).value_or(std::nan("")));
          table.rows.push_back(std::move(row));
        }
      },
      [](const std::string&) {});
  if (table.rows.size() > max_rows) {
    throw InputError(Diagnostic{{"--format html", 0, 0}, "",
                                fmt::format("{} rows are too many to chart (at most {}); write CSV or JSON",
                                            table.rows.size(), max_rows)});
  }
  return table;
}

}  // namespace hwsim
