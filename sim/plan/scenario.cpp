#include "sim/plan/scenario.hpp"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hwmodels/catalog_loader.hpp"
#include "sim/core/catalog_paths.hpp"
#include "sim/perf/device.hpp"
#include "sim/plan/inputs.hpp"

namespace hwsim {

// ---- Schemas ------------------------------------------------------------------------------------------------------

namespace {

const Schema& deployment_schema() {
  static const Schema s{
      "scenario.deployment",
      {
          {.name = "name", .kind = ValueKind::text, .required = true, .doc = "deployment name (used in metric paths)"},
          {.name = "node", .kind = ValueKind::text, .doc = "node catalog entry (or give `cluster`)"},
          {.name = "cluster", .kind = ValueKind::text,
           .doc = "cluster catalog entry: its node, count, racks and fabric"},
          {.name = "count", .kind = ValueKind::integer, .choices = {"fill"}, .minimum = 1,
           .doc = "nodes (default 1, or the cluster's); fill = the most nodes within power_budget, capex_budget and "
                  "max_racks, or the fewest that reach a workload's min_throughput_tokens_per_s"},
          {.name = "capex_budget", .kind = ValueKind::quantity, .dimension = Dimension::usd, .minimum = 0,
           .doc = "most the deployment may cost up front (nodes, network, racks); fill stays within it"},
          {.name = "max_racks", .kind = ValueKind::integer, .minimum = 1,
           .doc = "most racks the deployment may occupy; fill stays within it"},
          {.name = "nodes_per_rack", .kind = ValueKind::integer, .minimum = 1,
           .doc = "nodes per rack (default: the rack's space and power limit)"},
          {.name = "devices", .kind = ValueKind::integer, .minimum = 1,
           .doc = "use N accelerators of one node (a share of the node)"},
          {.name = "price", .kind = ValueKind::quantity, .dimension = Dimension::usd, .minimum = 0,
           .doc = "price per node (default: the node's)"},
          {.name = "network", .kind = ValueKind::text, .doc = "scale-out network entry (default: the node's NICs')"},
          {.name = "power_cap", .kind = ValueKind::quantity, .dimension = Dimension::watts, .minimum = 1,
           .doc = "power limit per accelerator (nvidia-smi -pl; default: its TDP): compute clocks drop to stay under it"},
          {.name = "cloud_price", .kind = ValueKind::quantity, .dimension = Dimension::usd_per_hour, .minimum = 0,
           .doc = "rental price per accelerator-hour (or per node-hour for CPU nodes), for the cloud comparison"},
      }};
  return s;
}

const Schema& validation_schema() {
  static const Schema s{
      "scenario.validation",
      {
          {.name = "id", .kind = ValueKind::text, .required = true, .doc = "case id of the published measurement"},
          {.name = "kind", .kind = ValueKind::choice, .required = true,
           .choices = {"training", "inference", "power", "micro"}, .doc = "what is measured"},
          {.name = "deployment", .kind = ValueKind::text, .required = true, .doc = "deployment the case runs on"},
          {.name = "workload", .kind = ValueKind::text, .required = true, .doc = "workload the case runs"},
          {.name = "metric", .kind = ValueKind::text, .required = true, .doc = "result metric compared"},
          {.name = "measured", .kind = ValueKind::number, .required = true, .doc = "published value, SI units"},
          {.name = "confidence", .kind = ValueKind::choice, .default_text = "medium",
           .choices = {"high", "medium", "low"}, .doc = "the source's confidence grade"},
          {.name = "source", .kind = ValueKind::text, .required = true, .doc = "where the measurement comes from"},
          {.name = "note", .kind = ValueKind::text, .doc = "conventions, inferred settings"},
      }};
  return s;
}

const Schema& expectation_schema() {
  static const Schema s{"scenario.expect",
                        {
                            {.name = "metric", .kind = ValueKind::text, .required = true,
                             .doc = "deployment/workload/metric"},
                            {.name = "min", .kind = ValueKind::number, .doc = "lowest acceptable value"},
                            {.name = "max", .kind = ValueKind::number, .doc = "highest acceptable value"},
                            {.name = "approx", .kind = ValueKind::number, .doc = "expected value"},
                            {.name = "tolerance", .kind = ValueKind::number, .default_text = "0.05", .minimum = 0,
                             .doc = "relative tolerance of approx"},
                        }};
  return s;
}

std::vector<KeyDecl> common_workload_keys() {
  return {
      {.name = "name", .kind = ValueKind::text, .required = true, .doc = "workload name (used in metric paths)"},
      {.name = "kind", .kind = ValueKind::choice, .required = true, .choices = {"training", "inference"},
       .doc = "training or inference"},
      {.name = "model", .kind = ValueKind::any, .required = true,
       .doc = "model catalog entry, or an inline model map (keys of `hwsim schema model`)"},
      {.name = "dtype", .kind = ValueKind::choice, .default_text = "bf16", .choices = dtype_names(),
       .doc = "number format of weights and arithmetic"},
      {.name = "min_throughput_tokens_per_s", .kind = ValueKind::number, .minimum = 0,
       .doc = "throughput target: each `count: fill` deployment gets the fewest nodes that reach it"},
  };
}

}  // namespace

const Schema& training_workload_schema() {
  static const Schema parallelism{
      "training.parallelism",
      {
          {.name = "tp", .kind = ValueKind::integer, .default_text = "1", .minimum = 1, .doc = "tensor parallel"},
          {.name = "pp", .kind = ValueKind::integer, .default_text = "1", .minimum = 1, .doc = "pipeline stages"},
          {.name = "dp", .kind = ValueKind::integer, .default_text = "auto", .choices = {"auto"}, .minimum = 1,
           .doc = "data parallel (auto = devices / (tp x pp x cp))"},
          {.name = "vp", .kind = ValueKind::integer, .default_text = "1", .minimum = 1,
           .doc = "interleaved virtual stages per device"},
          {.name = "cp", .kind = ValueKind::integer, .default_text = "1", .minimum = 1, .doc = "context parallel"},
          {.name = "ep", .kind = ValueKind::integer, .default_text = "1", .minimum = 1, .doc = "expert parallel"},
          {.name = "zero", .kind = ValueKind::choice, .default_text = "0", .choices = {"0", "1", "2", "3"},
           .doc = "ZeRO stage (1 = distributed optimizer)"},
      }};
  static const Schema s = [] {
    Schema w{"training workload", common_workload_keys()};
    w.keys.push_back({.name = "seq_len", .kind = ValueKind::integer, .minimum = 1,
                      .doc = "sequence length (default: the model's max_seq)"});
    w.keys.push_back({.name = "global_batch", .kind = ValueKind::integer, .required = true, .minimum = 1,
                      .doc = "sequences per optimizer step"});
    w.keys.push_back({.name = "micro_batch", .kind = ValueKind::integer, .default_text = "1", .choices = {"auto"},
                      .minimum = 1, .doc = "sequences per micro-batch (auto: searched)"});
    w.keys.push_back({.name = "parallelism", .kind = ValueKind::map, .choices = {"auto"}, .child = &parallelism,
                      .doc = "how the model is split (auto: the fastest configuration that fits is searched)"});
    w.keys.push_back({.name = "sequence_parallel", .kind = ValueKind::boolean, .default_text = "false",
                      .doc = "Megatron sequence parallelism with TP"});
    w.keys.push_back({.name = "recompute", .kind = ValueKind::choice, .default_text = "none",
                      .choices = {"none", "selective", "full"}, .doc = "activation recomputation"});
    w.keys.push_back({.name = "train_tokens", .kind = ValueKind::number, .minimum = 0,
                      .doc = "tokens of the whole run (for time and cost to train)"});
    w.keys.push_back({.name = "flash_attention", .kind = ValueKind::boolean, .default_text = "true",
                      .doc = "fused attention (no score matrices in memory); false for 2021-2022 Megatron-LM"});
    w.keys.push_back({.name = "dp_overlap", .kind = ValueKind::boolean, .default_text = "true",
                      .doc = "data-parallel reduction overlapped with the backward pass"});
    w.keys.push_back({.name = "tp_overlap", .kind = ValueKind::boolean, .default_text = "false",
                      .doc = "tensor-parallel collectives overlapped with GEMMs (Transformer Engine userbuffers)"});
    w.keys.push_back({.name = "pp_overlap", .kind = ValueKind::boolean, .default_text = "false",
                      .doc = "pipeline sends overlapped with compute"});
    w.keys.push_back({.name = "grad_reduce_dtype", .kind = ValueKind::choice, .default_text = "fp32",
                      .choices = {"fp32", "bf16"}, .doc = "format of gradients in data-parallel reductions"});
    return w;
  }();
  return s;
}

const Schema& inference_workload_schema() {
  static const Schema parallelism{
      "inference.parallelism",
      {
          {.name = "tp", .kind = ValueKind::integer, .default_text = "1", .minimum = 1, .doc = "tensor parallel"},
          {.name = "pp", .kind = ValueKind::integer, .default_text = "1", .minimum = 1, .doc = "pipeline stages"},
      }};
  static const Schema sla{"inference.sla",
                          {
                              {.name = "ttft", .kind = ValueKind::quantity, .dimension = Dimension::seconds,
                               .minimum = 0, .doc = "longest time to first token"},
                              {.name = "tpot", .kind = ValueKind::quantity, .dimension = Dimension::seconds,
                               .minimum = 0, .doc = "longest time per output token"},
                          }};
  static const Schema s = [] {
    Schema w{"inference workload", common_workload_keys()};
    w.keys.push_back({.name = "kv_dtype", .kind = ValueKind::choice, .choices = dtype_names(),
                      .doc = "KV-cache format (default: dtype; 4-bit weights keep an fp8 cache)"});
    w.keys.push_back({.name = "input_tokens", .kind = ValueKind::integer, .default_text = "512", .minimum = 1,
                      .doc = "prompt length"});
    w.keys.push_back({.name = "output_tokens", .kind = ValueKind::integer, .default_text = "256", .minimum = 1,
                      .doc = "generated tokens per request"});
    w.keys.push_back({.name = "batch", .kind = ValueKind::integer, .default_text = "auto", .choices = {"auto"},
                      .minimum = 1, .doc = "sequences per replica (auto: largest that fits and meets the SLA)"});
    w.keys.push_back({.name = "max_batch", .kind = ValueKind::integer, .minimum = 1,
                      .doc = "with batch: auto, the serving engine's batch limit (TensorRT-LLM max_batch_size, vLLM "
                             "max_num_seqs); the batch is the largest up to it that fits memory and meets the SLA"});
    w.keys.push_back({.name = "bits_per_weight", .kind = ValueKind::number, .minimum = 1,
                      .doc = "stored bits per weight including block scales (GGUF Q8_0 8.5, Q4_K 4.5; default: the "
                             "dtype's width)"});
    w.keys.push_back({.name = "replicas", .kind = ValueKind::integer, .default_text = "auto", .choices = {"auto"},
                      .minimum = 1, .doc = "model copies (auto: devices / (tp x pp))"});
    w.keys.push_back({.name = "parallelism", .kind = ValueKind::map, .child = &parallelism,
                      .doc = "devices per replica"});
    w.keys.push_back({.name = "sla", .kind = ValueKind::map, .child = &sla, .doc = "latency targets"});
    w.keys.push_back({.name = "batching", .kind = ValueKind::choice, .default_text = "continuous",
                      .choices = {"continuous", "static"},
                      .doc = "continuous (in-flight) batching, or static batches prefilled together"});
    w.keys.push_back({.name = "threads", .kind = ValueKind::integer, .minimum = 1,
                      .doc = "CPU threads per replica (default: the replica's share of the cores)"});
    w.keys.push_back({.name = "kv_reads", .kind = ValueKind::choice, .default_text = "per_kv_head",
                      .choices = {"per_kv_head", "per_query_head"},
                      .doc = "decode attention loads each KV head once per query group (FlashDecoding, XQA, vLLM) "
                             "or once per query head (older masked-MHA kernels, eager repeat_kv)"});
    return w;
  }();
  return s;
}

const Schema& scenario_schema() {
  static const Schema s{
      "scenario",
      {
          {.name = "name", .kind = ValueKind::text, .required = true, .doc = "scenario name"},
          {.name = "description", .kind = ValueKind::text, .doc = "one line for reports"},
          {.name = "catalog", .kind = ValueKind::any,
           .doc = "list of catalog directories (relative to this file) and inline catalog entries"},
          {.name = "facility", .kind = ValueKind::any,
           .doc = "facility catalog entry, or a map of facility keys (may start with `base:`)"},
          {.name = "deployments", .kind = ValueKind::list_of_maps, .required = true, .child = &deployment_schema(),
           .doc = "hardware alternatives, each evaluated against the same facility"},
          {.name = "workloads", .kind = ValueKind::any, .required = true,
           .doc = "list of training and inference workloads"},
          {.name = "expect", .kind = ValueKind::list_of_maps, .child = &expectation_schema(),
           .doc = "capacity-plan expectations checked by `hwsim check`"},
          {.name = "validation", .kind = ValueKind::map, .child = &validation_schema(),
           .doc = "a published measurement this scenario reproduces (`hwsim validate`)"},
      }};
  return s;
}

// ---- --set --------------------------------------------------------------------------------------------------------

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string current;
  for (char ch : path) {
    if (ch == '.') {
      parts.push_back(current);
      current.clear();
    } else {
      current += ch;
    }
  }
  parts.push_back(current);
  return parts;
}

// Sets `value` at `keys` below `node`, creating maps on the way; a scalar on the way that names a catalog entry
// (`facility: us-colo-2024`) becomes `{base: us-colo-2024}`.
void set_at(ConfigNode& node, const std::vector<std::string>& keys, std::size_t i, const ConfigNode& value) {
  if (node.is_scalar()) {
    ConfigNode m = ConfigNode::make_map(node.where);
    m.set("base", node);
    node = std::move(m);
  } else if (!node.is_map()) {
    node = ConfigNode::make_map(value.where);
  }
  if (i + 1 == keys.size()) {
    node.set(keys[i], value);
    return;
  }
  ConfigNode* child = node.find(keys[i]);
  if (child == nullptr) {
    node.set(keys[i], ConfigNode::make_map(value.where));
    child = node.find(keys[i]);
  }
  set_at(*child, keys, i + 1, value);
}

struct HwOverride {
  std::string entry;
  std::vector<std::string> keys;
  ConfigNode value;
};

// Applies one `--set PATH=VALUE` to the scenario, or records it as a catalog override (`hw.NAME.KEY`).
void apply_set(ConfigNode& root, const std::string& assignment, std::vector<HwOverride>& hw, Diagnostics& diags) {
  const SourceLocation where{"--set " + assignment, 0, 0};
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    diags.add(where, "", "expected PATH=VALUE (e.g. facility.pue=1.2, deployments.NAME.count=10, hw.NAME.KEY=VALUE)");
    return;
  }
  const std::vector<std::string> parts = split_path(assignment.substr(0, eq));
  const ConfigNode value = ConfigNode::make_scalar(assignment.substr(eq + 1), where);
  for (const auto& p : parts) {
    if (p.empty()) {
      diags.add(where, "", "empty key in the path");
      return;
    }
  }
  if (parts[0] == "hw") {
    if (parts.size() < 3) {
      diags.add(where, "", "expected hw.ENTRY.KEY=VALUE");
      return;
    }
    hw.push_back({parts[1], {parts.begin() + 2, parts.end()}, value});
    return;
  }
  if (parts[0] == "deployments" || parts[0] == "workloads") {
    ConfigNode* list = root.find(parts[0]);
    if (parts.size() < 3 || list == nullptr || !list->is_sequence()) {
      diags.add(where, "", fmt::format("expected {}.NAME.KEY=VALUE", parts[0]));
      return;
    }
    std::vector<std::string> names;
    for (auto& item : list->items) {
      const ConfigNode* n = item.is_map() ? item.find("name") : nullptr;
      if (n == nullptr) continue;
      names.push_back(n->scalar);
      if (n->scalar == parts[1]) {
        set_at(item, parts, 2, value);
        return;
      }
    }
    const std::string near = closest_match(parts[1], names);
    diags.add(where, "",
              fmt::format("no {} named '{}' (have: {}){}", parts[0] == "deployments" ? "deployment" : "workload",
                          parts[1], fmt::join(names, ", "),
                          near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
    return;
  }
  set_at(root, parts, 0, value);
}

}  // namespace

// ---- Range inputs -------------------------------------------------------------------------------------------------

namespace {

// The range written at `value` ("25000..40000 USD", "1.2..1.5"), or nothing when it is not a range quantity.
std::optional<RangeInput> range_at(const ConfigNode& value, const std::string& path) {
  const std::string& text = value.scalar;
  const auto dots = text.find("..");
  if (!value.is_scalar() || dots == std::string::npos) return std::nullopt;
  try {
    if (!parse_quantity(text).low) return std::nullopt;
  } catch (const UnitError&) {
    return std::nullopt;  // not a quantity: text that happens to contain ".."
  }
  const std::string low_text = text.substr(0, dots);
  const std::string high_text = text.substr(dots + 2);
  char* unit = nullptr;
  RangeInput r{.path = path, .low = std::strtod(low_text.c_str(), nullptr),
               .high = std::strtod(high_text.c_str(), &unit), .unit = unit, .where = value.where};
  while (!r.unit.empty() && (r.unit.front() == ' ' || r.unit.front() == '\t')) r.unit.erase(0, 1);
  while (!r.unit.empty() && (r.unit.back() == ' ' || r.unit.back() == '\t')) r.unit.pop_back();
  return r;
}

// Records every range below a map, keyed by its `--set` path (`prefix.key.sub`); the first record of a path wins.
void collect_ranges(const ConfigNode& node, const std::string& path, std::vector<RangeInput>& out) {
  if (node.is_map()) {
    for (const auto& [key, child] : node.entries) {
      if (key != "base" && key != "name") collect_ranges(child, path + "." + key, out);
    }
  } else if (auto r = range_at(node, path)) {
    const bool seen = std::any_of(out.begin(), out.end(), [&](const RangeInput& x) { return x.path == r->path; });
    if (!seen) out.push_back(std::move(*r));
  }
}

// The hardware entries `roots` name, and the entries those name in turn (node -> gpu, cpu, network; facility ->
// rack): their ranges are recorded as `hw.ENTRY.KEY`. Facilities are read through `facility.KEY`, models have none.
void collect_catalog_ranges(const EntryStore& store, const std::vector<const ConfigNode*>& roots,
                            std::vector<RangeInput>& out) {
  std::vector<std::string> visited;
  std::vector<const ConfigNode*> pending = roots;
  while (!pending.empty()) {
    const ConfigNode* node = pending.back();
    pending.pop_back();
    if (node->is_map()) {
      for (const auto& [key, child] : node->entries) pending.push_back(&child);
    } else if (node->is_sequence()) {
      for (const auto& item : node->items) pending.push_back(&item);
    } else if (const RawEntry* e = node->is_scalar() ? store.find(node->scalar) : nullptr) {
      if (e->kind == "facility" || e->kind == "model") continue;
      if (std::find(visited.begin(), visited.end(), e->name) != visited.end()) continue;
      visited.push_back(e->name);
      collect_ranges(e->node, "hw." + e->name, out);
      pending.push_back(&e->node);
    }
  }
}

}  // namespace

// ---- Loading ------------------------------------------------------------------------------------------------------

namespace {

struct Loader {
  const ConfigNode& root;
  std::filesystem::path dir;
  std::string file;
  EntryStore store;
  Diagnostics diags;

  void add_scenario_catalog() {
    const ConfigNode* cat = root.find("catalog");
    if (cat == nullptr) return;
    if (!cat->is_sequence()) {
      diags.add(cat->where, "catalog", "expected a list of directories and inline catalog entries");
      return;
    }
    for (const auto& item : cat->items) {
      if (item.is_scalar()) {
        const std::filesystem::path p = std::filesystem::path(item.scalar).is_absolute() ? std::filesystem::path(item.scalar) : dir / item.scalar;
        Diagnostics local;
        store.add_directory(p, local);
        for (const auto& d : local.items()) {
          diags.add(d.where.file == p.string() ? item.where : d.where, d.where.file == p.string() ? "catalog" : d.key_path,
                    d.message);
        }
      } else if (item.is_map()) {
        store.add_entry(item, file, diags, false);
      } else {
        diags.add(item.where, "catalog", "expected a directory or an inline catalog entry");
      }
    }
  }

  void apply_hw_overrides(const std::vector<HwOverride>& overrides) {
    for (const auto& o : overrides) {
      RawEntry* e = store.find_mutable(o.entry);
      if (e == nullptr) {
        std::vector<std::string> names;
        for (const auto& kind : catalog_kinds()) {
          for (auto& n : store.names_of_kind(kind)) names.push_back(n);
        }
        const std::string near = closest_match(o.entry, names);
        diags.add(o.value.where, "",
                  fmt::format("unknown catalog entry '{}'{}", o.entry,
                              near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
        continue;
      }
      set_at(e->node, o.keys, 0, o.value);
    }
  }

  ModelSpec load_model_ref(const ConfigNode& node, const std::string& path, const std::string& workload_name) {
    ConfigNode merged = node;
    if (node.is_scalar()) {
      const RawEntry* e = store.find(node.scalar);
      if (e == nullptr || e->kind != "model") {
        const std::string near = closest_match(node.scalar, store.names_of_kind("model"));
        throw InputError(Diagnostic{
            node.where, path,
            near.empty() ? fmt::format("unknown model '{}' (known: {})", node.scalar,
                                       fmt::join(store.names_of_kind("model"), ", "))
                         : fmt::format("unknown model '{}' (did you mean '{}'?)", node.scalar, near)});
      }
      merged = e->node;
    } else if (node.is_map()) {
      if (const ConfigNode* base = node.find("base")) {
        const RawEntry* e = store.find(base->scalar);
        if (e == nullptr || e->kind != "model") {
          const std::string near = closest_match(base->scalar, store.names_of_kind("model"));
          throw InputError(Diagnostic{base->where, path + ".base",
                                      fmt::format("unknown model '{}'{}", base->scalar,
                                                  near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near))});
        }
        merged = merge_config(e->node, node);
      }
      if (merged.find("name") == nullptr) merged.set("name", ConfigNode::make_scalar(workload_name, node.where));
    } else {
      throw InputError(Diagnostic{node.where, path, "expected a model name or an inline model map"});
    }
    Diagnostics local;
    validate(merged, node.is_scalar() ? model_schema() : inline_model_schema(), local, path);
    local.throw_if_any();
    return load_model(Reader(merged, node.is_scalar() ? model_schema() : inline_model_schema(), path));
  }
};

template <class Fn>
void collect(Diagnostics& diags, Fn&& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    for (const auto& d : e.diagnostics()) diags.add(d.where, d.key_path, d.message);
  }
}

DType dtype_of(const Reader& r, const std::string& key) { return *dtype_from_name(r.text(key)); }

// Whether a deployment or workload named `name` is already in `list`.
template <class List>
bool has_name(const List& list, const std::string& name) {
  return std::any_of(list.begin(), list.end(), [&](const auto& e) { return e.name == name; });
}

}  // namespace

Scenario load_scenario(const std::filesystem::path& path, const LoadOptions& options) {
  const std::string file = path.string();
  ConfigNode root = options.document != nullptr ? *options.document : load_yaml_file(path, file);
  Diagnostics diags;
  std::vector<HwOverride> hw_overrides;
  if (!root.is_map()) throw InputError(Diagnostic{{file, 1, 1}, "", "a scenario is a map with name, deployments, workloads"});
  for (const auto& s : options.sets) apply_set(root, s, hw_overrides, diags);
  validate(root, scenario_schema(), diags);

  // Workloads: validated by kind.
  const ConfigNode* workloads = root.find("workloads");
  if (workloads != nullptr && !workloads->is_sequence()) {
    diags.add(workloads->where, "workloads", "expected a list (items start with '- ')");
  }
  std::vector<std::pair<const ConfigNode*, const Schema*>> workload_nodes;
  if (workloads != nullptr && workloads->is_sequence()) {
    for (std::size_t i = 0; i < workloads->items.size(); ++i) {
      const ConfigNode& w = workloads->items[i];
      const std::string p = fmt::format("workloads[{}]", i);
      const ConfigNode* kind = w.is_map() ? w.find("kind") : nullptr;
      if (kind == nullptr || (kind->scalar != "training" && kind->scalar != "inference")) {
        diags.add(kind ? kind->where : w.where, p + ".kind",
                  "expected kind: training or kind: inference");
        continue;
      }
      const Schema* schema = kind->scalar == "training" ? &training_workload_schema() : &inference_workload_schema();
      validate(w, *schema, diags, p);
      workload_nodes.emplace_back(&w, schema);
    }
  }

  // An inline facility map is checked with the document (a `base:` entry is checked with the catalog).
  if (const ConfigNode* f = root.find("facility"); f != nullptr && f->is_map()) {
    validate(*f, facility_schema(), diags, "facility");
  } else if (f != nullptr && !f->is_scalar()) {
    diags.add(f->where, "facility", "expected a facility catalog entry or a map of facility keys");
  }

  Loader loader{root, path.parent_path(), file, {}, {}};
  std::vector<std::filesystem::path> dirs = default_catalog_dirs();
  dirs.insert(dirs.end(), options.catalog_dirs.begin(), options.catalog_dirs.end());
  collect(diags, [&] {
    loader.store = options.catalog != nullptr ? *options.catalog : read_catalog_dirs(dirs);
  });
  loader.add_scenario_catalog();
  loader.apply_hw_overrides(hw_overrides);
  for (const auto& d : loader.diags.items()) diags.add(d.where, d.key_path, d.message);
  diags.throw_if_any();  // nothing below is meaningful with a broken document or catalog
  loader.diags = {};
  loader.store.resolve(diags);
  diags.throw_if_any();

  Scenario sc{.name = "", .description = "", .file = file, .hw = HardwareCatalog::build(loader.store),
              .facility = {}, .rack = {}, .deployments = {}, .workloads = {}, .expectations = {}};
  const Reader top(root, scenario_schema());
  sc.name = top.text("name");
  sc.description = top.text("description");

  // Facility: a catalog name, an inline map (optionally with base:), or the defaults.
  ConfigNode facility = ConfigNode::make_map(root.where);
  collect(diags, [&] {
    if (const ConfigNode* f = root.find("facility")) {
      if (f->is_scalar()) {
        facility = ConfigNode::make_map(f->where);
        facility.set("base", *f);
      } else {
        facility = *f;
      }
    }
    if (const ConfigNode* base = facility.find("base")) {
      const RawEntry* e = loader.store.find(base->scalar);
      if (e == nullptr || e->kind != "facility") {
        throw_unknown("facility", base->scalar, loader.store.names_of_kind("facility"), base->where, "facility");
      }
      facility = merge_config(e->node, facility);
    }
    const Reader fr(facility, facility_schema(), "facility");
    sc.facility = load_facility(fr);
    if (sc.facility.utilization > 1.0) {
      throw InputError(Diagnostic{fr.where("utilization"), "facility.utilization", "must be at most 1"});
    }
    sc.rack = sc.hw.rack(sc.facility.rack, fr.where("rack"), "facility.rack");
  });

  std::vector<std::pair<SourceLocation, std::string>> unbounded_fills;  // count: fill without a budget
  for (const Reader& d : top.list("deployments")) {
    collect(diags, [&] {
      DeploymentDecl dep;
      dep.name = d.text("name");
      dep.where = d.where();
      if (d.has("cluster") == d.has("node")) {
        throw InputError(Diagnostic{d.where(), d.path(), "give exactly one of `node` or `cluster`"});
      }
      if (d.has("cluster")) {
        dep.cluster = &sc.hw.cluster(d.text("cluster"), d.where("cluster"), d.path_of("cluster"));
        dep.node = &sc.hw.node(dep.cluster->node, d.where("cluster"), d.path_of("cluster"));
      } else {
        dep.node = &sc.hw.node(d.text("node"), d.where("node"), d.path_of("node"));
      }
      if (auto c = d.optional_quantity("capex_budget")) dep.capex_budget = Usd(*c);
      if (auto n = d.optional_integer("max_racks")) dep.max_racks = static_cast<int>(*n);
      if (d.is_word("count", "fill")) {
        dep.fill = true;
        if (!sc.facility.power_budget && !dep.capex_budget && !dep.max_racks) {
          unbounded_fills.emplace_back(d.where("count"), d.path_of("count"));
        }
      } else if (auto n = d.optional_integer("count")) {
        dep.count = static_cast<int>(*n);
      }
      if (auto n = d.optional_integer("nodes_per_rack")) dep.nodes_per_rack = static_cast<int>(*n);
      if (auto n = d.optional_integer("devices")) {
        if (dep.fill || (dep.count && *dep.count != 1)) {
          throw InputError(Diagnostic{d.where("devices"), d.path_of("devices"),
                                      "`devices` takes part of one node; it cannot be combined with count"});
        }
        if (*n > dep.node->devices()) {
          throw InputError(Diagnostic{d.where("devices"), d.path_of("devices"),
                                      fmt::format("node '{}' has {} devices, asked for {}", dep.node->name,
                                                  dep.node->devices(), *n)});
        }
        dep.devices = static_cast<int>(*n);
      }
      if (auto p = d.optional_quantity("price")) dep.price = Usd(*p);
      if (auto p = d.optional_quantity("power_cap")) {
        // A power limit lives between the accelerator's idle draw and its TDP (nvidia-smi -pl refuses others).
        const Device device = device_of(*dep.node);
        if (*p <= device.idle.value() || *p > device.tdp.value()) {
          throw InputError(Diagnostic{d.where("power_cap"), d.path_of("power_cap"),
                                      fmt::format("a power cap for {} must be above its idle {} and at most its TDP {}",
                                                  device.name, format_quantity(device.idle.value(), Dimension::watts),
                                                  format_quantity(device.tdp.value(), Dimension::watts))});
        }
        dep.power_cap = Watts(*p);
      }
      if (auto p = d.optional_quantity("cloud_price")) dep.cloud_usd_per_hour = *p;
      if (d.has("network")) dep.network = &sc.hw.network(d.text("network"), d.where("network"), d.path_of("network"));
      if (has_name(sc.deployments, dep.name)) {
        throw InputError(Diagnostic{d.where("name"), d.path_of("name"), "duplicate deployment name"});
      }
      sc.deployments.push_back(dep);
    });
  }

  for (std::size_t i = 0; i < workload_nodes.size(); ++i) {
    const auto& [node, schema] = workload_nodes[i];
    collect(diags, [&] {
      const Reader w(*node, *schema, fmt::format("workloads[{}]", i));
      WorkloadDecl decl;
      decl.name = w.text("name");
      decl.where = w.where();
      const ModelSpec model = loader.load_model_ref(*node->find("model"), w.path_of("model"), decl.name);
      const DType dtype = dtype_of(w, "dtype");
      decl.min_throughput_tokens_per_s = w.optional_number("min_throughput_tokens_per_s");
      if (w.text("kind") == "training") {
        decl.kind = WorkloadKind::training;
        TrainingConfig& t = decl.training;
        t.name = decl.name;
        t.model = model;
        t.dtype = dtype;
        t.seq_len = static_cast<int>(w.optional_integer("seq_len").value_or(model.max_seq));
        t.global_batch = w.integer("global_batch");
        decl.search_micro_batch = w.is_word("micro_batch", "auto");
        t.micro_batch = decl.search_micro_batch ? 1 : static_cast<int>(w.integer("micro_batch"));
        decl.search_parallelism = w.is_word("parallelism", "auto");
        const Reader p = w.child("parallelism");
        t.parallelism.tp = static_cast<int>(p.integer("tp"));
        t.parallelism.pp = static_cast<int>(p.integer("pp"));
        t.parallelism.vp = static_cast<int>(p.integer("vp"));
        t.parallelism.cp = static_cast<int>(p.integer("cp"));
        t.parallelism.ep = static_cast<int>(p.integer("ep"));
        t.parallelism.zero = std::stoi(p.text("zero"));
        decl.dp_auto = p.is_word("dp", "auto") || decl.search_parallelism;
        if (!decl.dp_auto) t.parallelism.dp = static_cast<int>(p.integer("dp"));
        t.sequence_parallel = w.boolean("sequence_parallel");
        const std::string rc = w.text("recompute");
        t.recompute = rc == "full" ? Recompute::full : rc == "selective" ? Recompute::selective : Recompute::none;
        t.train_tokens = w.optional_number("train_tokens").value_or(0);
        t.flash_attention = w.boolean("flash_attention");
        t.dp_overlap = w.boolean("dp_overlap");
        t.tp_overlap = w.boolean("tp_overlap");
        t.pp_overlap = w.boolean("pp_overlap");
        t.grad_reduce_dtype = dtype_of(w, "grad_reduce_dtype");
        if (decl.min_throughput_tokens_per_s && (decl.search_parallelism || decl.search_micro_batch)) {
          throw InputError(Diagnostic{w.where("min_throughput_tokens_per_s"), w.path_of("min_throughput_tokens_per_s"),
                                      "a throughput target sizes training with a fixed parallelism and micro_batch, "
                                      "not with `auto` (which searches per node count)"});
        }
        if (t.micro_batch > t.global_batch) {
          throw InputError(Diagnostic{w.where("micro_batch"), w.path_of("micro_batch"),
                                      "micro_batch cannot exceed global_batch"});
        }
        if (model.layers % t.parallelism.pp != 0) {
          throw InputError(Diagnostic{p.where("pp"), p.path_of("pp"),
                                      fmt::format("{} layers do not split evenly into {} stages", model.layers,
                                                  t.parallelism.pp)});
        }
        if (model.heads % t.parallelism.tp != 0) {
          throw InputError(Diagnostic{p.where("tp"), p.path_of("tp"),
                                      fmt::format("{} heads do not split evenly over tp={}", model.heads,
                                                  t.parallelism.tp)});
        }
      } else {
        decl.kind = WorkloadKind::inference;
        InferenceConfig& c = decl.inference;
        c.name = decl.name;
        c.model = model;
        c.dtype = dtype;
        c.kv_dtype = w.has("kv_dtype") ? dtype_of(w, "kv_dtype") : default_kv_dtype(dtype);
        c.input_tokens = static_cast<int>(w.integer("input_tokens"));
        c.output_tokens = static_cast<int>(w.integer("output_tokens"));
        if (!w.is_word("batch", "auto")) c.batch = static_cast<int>(w.integer("batch"));
        if (auto n = w.optional_integer("max_batch")) {
          if (c.batch) {
            throw InputError(Diagnostic{w.where("max_batch"), w.path_of("max_batch"),
                                        "max_batch limits batch: auto; with a fixed batch leave it out"});
          }
          c.max_batch = static_cast<int>(*n);
        }
        if (auto b = w.optional_number("bits_per_weight")) c.bits_per_weight = *b;
        if (!w.is_word("replicas", "auto")) c.replicas = static_cast<int>(w.integer("replicas"));
        const Reader p = w.child("parallelism");
        c.tp = static_cast<int>(p.integer("tp"));
        c.pp = static_cast<int>(p.integer("pp"));
        c.continuous = w.text("batching") == "continuous";
        if (auto n = w.optional_integer("threads")) c.threads = static_cast<int>(*n);
        c.kv_reads_per_query_head = w.text("kv_reads") == "per_query_head";
        const Reader sla = w.child("sla");
        if (auto v = sla.optional_quantity("ttft")) c.sla_ttft = Seconds(*v);
        if (auto v = sla.optional_quantity("tpot")) c.sla_tpot = Seconds(*v);
        if (model.layers % c.pp != 0) {
          throw InputError(Diagnostic{p.where("pp"), p.path_of("pp"),
                                      fmt::format("{} layers do not split evenly into {} stages", model.layers, c.pp)});
        }
        if (model.heads % c.tp != 0) {
          throw InputError(Diagnostic{p.where("tp"), p.path_of("tp"),
                                      fmt::format("{} heads do not split evenly over tp={}", model.heads, c.tp)});
        }
      }
      if (has_name(sc.workloads, decl.name)) {
        throw InputError(Diagnostic{w.where("name"), w.path_of("name"), "duplicate workload name"});
      }
      sc.workloads.push_back(std::move(decl));
    });
  }

  // count: fill needs something to stop at: a budget, or a throughput target on every workload.
  for (const auto& [where, key] : unbounded_fills) {
    const auto untargeted = std::find_if(sc.workloads.begin(), sc.workloads.end(),
                                         [](const WorkloadDecl& w) { return !w.min_throughput_tokens_per_s; });
    if (untargeted == sc.workloads.end()) continue;
    diags.add(where, key,
              fmt::format("count: fill needs facility.power_budget, capex_budget or max_racks (workload '{}' has no "
                          "min_throughput_tokens_per_s to size for)",
                          untargeted->name));
  }

  for (const Reader& e : top.list("expect")) {
    Expectation x;
    x.metric = e.text("metric");
    x.min = e.optional_number("min");
    x.max = e.optional_number("max");
    x.approx = e.optional_number("approx");
    x.tolerance = e.number("tolerance");
    x.where = e.where();
    if (!x.min && !x.max && !x.approx) {
      diags.add(e.where(), e.path(), "an expectation needs min, max or approx");
    }
    if (x.min && x.max && *x.min > *x.max) {
      diags.add(e.where("max"), e.path_of("max"), fmt::format("max {:g} is below min {:g}: no value can hold", *x.max,
                                                               *x.min));
    }
    sc.expectations.push_back(x);
  }
  if (top.has("validation")) {
    const Reader v = top.child("validation");
    ValidationCase vc{v.text("id"),     v.text("kind"),       v.text("deployment"), v.text("workload"),
                      v.text("metric"), v.number("measured"), v.text("confidence"), v.text("source"),
                      v.text("note"),   v.where()};
    if (!has_name(sc.deployments, vc.deployment)) {
      diags.add(v.where("deployment"), "validation.deployment", fmt::format("no deployment '{}'", vc.deployment));
    }
    if (!has_name(sc.workloads, vc.workload)) {
      diags.add(v.where("workload"), "validation.workload", fmt::format("no workload '{}'", vc.workload));
    }
    sc.validation = vc;
  }
  diags.throw_if_any();

  collect_ranges(facility, "facility", sc.ranges);
  std::vector<const ConfigNode*> hardware_roots{&facility};
  for (const char* list : {"deployments", "workloads"}) {
    const ConfigNode* items = root.find(list);
    if (items == nullptr || !items->is_sequence()) continue;
    for (const auto& item : items->items) {
      const ConfigNode* name = item.is_map() ? item.find("name") : nullptr;
      if (name == nullptr) continue;
      collect_ranges(item, fmt::format("{}.{}", list, name->scalar), sc.ranges);
      if (std::string_view(list) == "deployments") hardware_roots.push_back(&item);
    }
  }
  collect_catalog_ranges(loader.store, hardware_roots, sc.ranges);
  if (options.inputs != nullptr) *options.inputs = collect_inputs(root, loader.store, sc);
  return sc;
}

}  // namespace hwsim
