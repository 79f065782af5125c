#include "sim/plan/pipeline.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>

#include "sim/cost/cost.hpp"
#include "sim/infer/inference.hpp"
#include "sim/infer/serving_search.hpp"
#include "sim/power/power.hpp"
#include "sim/train/search.hpp"
#include "sim/train/training.hpp"

namespace hwsim {

System shape_system(const Scenario& sc, const DeploymentDecl& d, int nodes) {
  System sys;
  sys.name = d.name;
  sys.node = d.node;
  sys.device = device_of(*sys.node);
  sys.nodes = nodes;
  sys.rack = sc.rack;
  sys.price_per_node = d.price.value_or(d.node->price);
  sys.power_cap = d.power_cap;
  if (d.devices) {  // `devices` of each node (of one node without count)
    sys.devices = nodes * *d.devices;
    sys.node_share = static_cast<double>(*d.devices) / d.node->devices();
    sys.used_per_node = *d.devices;
  } else {
    sys.devices = nodes * d.node->devices();
  }
  // Nodes per rack: the deployment's, the cluster's, else what the rack's space and power allow (at least 1).
  int per_rack = 0;
  if (d.nodes_per_rack) {
    per_rack = *d.nodes_per_rack;
  } else if (d.cluster && d.cluster->nodes_per_rack > 0) {
    // The cluster's packing, unless the facility's racks hold fewer (re-packed; evaluate() warns).
    per_rack = std::min(d.cluster->nodes_per_rack, std::max(1, nodes_rack_holds(sc.rack, *d.node)));
  } else {
    per_rack = std::max(1, nodes_rack_holds(sc.rack, *d.node));
  }
  sys.nodes_per_rack = per_rack;
  sys.racks = (nodes + per_rack - 1) / per_rack;
  // Scale-out fabric: only between whole nodes.
  const NetworkSpec* net = d.network;
  if (net == nullptr && d.cluster) net = &sc.hw->networks().at(d.cluster->network);
  if (net == nullptr && !d.node->nic_network.empty()) net = &sc.hw->networks().at(d.node->nic_network);
  if (net != nullptr && nodes > 1 && d.node->nic_count > 0) {
    sys.network = *net;
    const double oversubscription =
        d.cluster && d.cluster->oversubscription ? *d.cluster->oversubscription : net->oversubscription;
    sys.fabric = size_fat_tree(nodes * d.node->nic_count, net->switch_radix, oversubscription);
  }
  return sys;
}

namespace {

// Metrics are appended per evaluation (a sweep makes millions): the key is moved in, and the list reserved once.
void add(std::vector<Metric>& m, std::string key, double value) {
  if (m.empty()) m.reserve(32);
  m.push_back({std::move(key), value});
}

void add_site_metrics(Result& r, const System& sys, const PowerResult& p) {
  add(r.metrics, "devices", sys.devices);
  add(r.metrics, "nodes", sys.nodes * sys.node_share);
  add(r.metrics, "racks", sys.racks);
  add(r.metrics, "device_power_w", p.device.value());
  if (sys.clock_scale < 1.0) add(r.metrics, "clock_scale", sys.clock_scale);
  add(r.metrics, "node_power_w", p.node.value());
  add(r.metrics, "it_power_w", p.it.value());
  add(r.metrics, "network_power_w", p.network.value());
  add(r.metrics, "provisioned_power_w", p.provisioned.value());
  add(r.metrics, "facility_power_w", p.facility.value());
}

void add_cost_metrics(Result& r, const CostResult& c, double years) {
  add(r.metrics, "capex_usd", c.capex.value());
  add(r.metrics, "depreciation_usd_per_year", c.depreciation_per_year.value());
  add(r.metrics, "opex_usd_per_year", c.opex_per_year.value());
  add(r.metrics, "tco_usd", c.tco.value());
  add(r.metrics, "usd_per_hour", c.tco_rate.value() * kSecondsPerHour);
  r.cost_breakdown = {{"capex_nodes_usd", c.capex_nodes.value()},
                      {"capex_network_usd", c.capex_network.value()},
                      {"capex_racks_usd", c.capex_racks.value()},
                      {"energy_usd", c.energy_per_year.value() * years},
                      {"colocation_usd", c.colocation_per_year.value() * years},
                      {"maintenance_usd", c.maintenance_per_year.value() * years},
                      {"operations_usd", c.operations_per_year.value() * years}};
}

// The System a workload runs on under the deployment's power cap: when the workload's activity would draw more than
// the cap, the device's compute clock (all its peaks) drops to the share capped_clock_scale() gives; memory bandwidth
// stays. Without a cap, or when it does not bind, nothing (the System itself applies; no copy on the common path).
std::optional<System> throttled(const System& sys, const Activity& activity) {
  if (!sys.power_cap) return std::nullopt;
  const double scale = capped_clock_scale(sys.device, activity, *sys.power_cap);
  if (scale >= 1.0) return std::nullopt;
  System t = sys;
  for (auto& [dtype, peak] : t.device.peak) peak = peak * scale;
  t.clock_scale = scale;
  return t;
}

// Renting the deployment's accelerators (or CPU nodes) by the hour instead of buying them.
void add_cloud_metrics(Result& r, const System& sys, const DeploymentDecl& d, double tokens_per_s,
                       std::optional<double> busy_seconds) {
  if (!d.cloud_price) return;
  const double units = sys.device.kind == DeviceKind::gpu ? sys.devices : sys.nodes * sys.node_share;
  const double per_hour = d.cloud_price->value() * kSecondsPerHour * units;
  add(r.metrics, "cloud_usd_per_hour", per_hour);
  if (tokens_per_s > 0) add(r.metrics, "cloud_usd_per_million_tokens", per_hour / 3600.0 / tokens_per_s * 1e6);
  if (busy_seconds) add(r.metrics, "cloud_cost_to_train_usd", per_hour / 3600.0 * *busy_seconds);
}

// A workload the deployment cannot hold: the deployment's site and cost figures at idle, and why.
Result& not_fitting(Result& r, const Scenario& sc, const System& sys, std::string message) {
  r.fits = false;
  r.message = std::move(message);
  const PowerResult idle = deployment_power(sys, {}, deployment_pue(sc, sys));
  add_site_metrics(r, sys, idle);
  add_cost_metrics(r, deployment_cost(sys, idle, sc.facility), sc.facility.years);
  return r;
}

void add_energy_metrics(Result& r, const PowerResult& p, double tokens_per_s) {
  if (tokens_per_s <= 0) return;
  const double joules = p.it.value() / tokens_per_s;
  add(r.metrics, "energy_per_token_j", joules);
  add(r.metrics, "tokens_per_kwh", kJoulesPerKwh / joules);
}

std::string_view stack_name(Stack s) {
  return s == Stack::pytorch ? "pytorch" : s == Stack::deepspeed ? "deepspeed" : "megatron-core";
}

std::vector<std::pair<std::string, int>> parallelism_list(const Parallelism& p) {
  std::vector<std::pair<std::string, int>> list{{"tp", p.tp}, {"pp", p.pp}, {"dp", p.dp},
                                                {"vp", p.vp}, {"cp", p.cp}, {"ep", p.ep}};
  if (expert_tp(p) != p.tp) list.emplace_back("etp", p.etp);  // absent: as tp (outputs without it unchanged)
  list.emplace_back("zero", p.zero);
  return list;
}

Result evaluate_training_pair(const Scenario& sc, const DeploymentDecl& d, const System& sys, const WorkloadDecl& w,
                              const EfficiencyModel& eff, const EvaluateOptions& options) {
  Result r{.deployment = sys.name, .workload = w.name, .kind = "training", .calibration = eff.source_for(sys.device)};
  r.metrics.reserve(48);  // no regrowth: a sweep evaluates millions of results
  TrainingConfig cfg = w.training;
  if (!sys.device.peak_of(cfg.dtype)) {  // training needs the format's arithmetic (FP8 needs Hopper or later)
    return not_fitting(r, sc, sys,
                       fmt::format("{} has no {} arithmetic to train in; use a format it has (bf16, fp16)",
                                   sys.device.name, dtype_name(cfg.dtype)));
  }
  if (const std::string misfit = recipe_misfit(cfg, sys.device); !misfit.empty())  // before a search tries any
    return not_fitting(r, sc, sys, misfit);
  if (!sys.device.has_fused_attention()) cfg.flash_attention = false;  // Volta: no fused-attention kernels
  if (w.dp_auto && !w.search_parallelism) {  // a fixed parallelism whose dp is what the devices leave
    const Parallelism& p = cfg.parallelism;
    cfg.parallelism.dp = std::max(1, sys.devices / (p.tp * p.pp * p.cp));
  }
  if (w.search_parallelism || w.search_micro_batch) {
    const SearchResult found =
        search_training(cfg, sys, eff, {w.search_parallelism, w.search_micro_batch, options.top, options.threads});
    SearchInfo info{found.configurations, std::nullopt, found.threads, {}};
    if (options.timings) info.seconds = found.seconds;
    for (const auto& c : found.top) {
      info.top.push_back({.parallelism = parallelism_list(c.parallelism),
                          .micro_batch = c.micro_batch,
                          .recompute = std::string(recompute_name(c.recompute)),
                          .recompute_layers = c.recompute_layers,
                          .activation_offload_layers = c.activation_offload_layers,
                          .tokens_per_s = c.tokens_per_s,
                          .memory_per_device_bytes = c.memory_per_device.value()});
    }
    r.search = info;
    if (found.top.empty()) {
      return not_fitting(r, sc, sys,
                         fmt::format("no configuration of the {} searched fits in memory", found.configurations));
    }
    cfg = apply_candidate(cfg, found.top.front());
  }
  Parallelism& par = cfg.parallelism;
  const int model_parallel = par.tp * par.pp * par.cp;
  r.parallelism = parallelism_list(par);
  r.training_choice = Result::TrainingChoice{
      cfg.micro_batch,      cfg.sequence_parallel,         std::string(recompute_name(cfg.recompute)),
      cfg.recompute_layers, cfg.activation_offload_layers, std::string(stack_name(cfg.stack))};
  if (model_parallel * par.dp != sys.devices) {
    return not_fitting(r, sc, sys,
                       fmt::format("parallelism tp={} x pp={} x cp={} x dp={} uses {} devices; the deployment has {}",
                                   par.tp, par.pp, par.cp, par.dp, model_parallel * par.dp, sys.devices));
  }
  if (static_cast<long long>(par.dp) * cfg.micro_batch > cfg.global_batch) {
    return not_fitting(r, sc, sys,
                       fmt::format("global_batch {} is smaller than dp x micro_batch = {} x {}: some ranks get no "
                                   "sample",
                                   cfg.global_batch, par.dp, cfg.micro_batch));
  }
  const TrainingResult full_clock = evaluate_training(cfg, sys, eff);
  if (!full_clock.fits) {
    add(r.metrics, "memory_per_device_bytes", full_clock.memory_per_device.value());
    return not_fitting(r, sc, sys, full_clock.message);
  }
  const std::optional<System> capped =
      throttled(sys, {full_clock.compute_busy, full_clock.memory_busy, full_clock.communication_busy});
  const System& run = capped ? *capped : sys;
  const TrainingResult t = capped ? evaluate_training(cfg, run, eff) : full_clock;
  const PowerResult p =
      deployment_power(run, {t.compute_busy, t.memory_busy, t.communication_busy}, deployment_pue(sc, sys));
  const CostResult c = deployment_cost(run, p, sc.facility);
  add(r.metrics, "throughput_tokens_per_s", t.tokens_per_s);
  add(r.metrics, "tokens_per_s_per_device", t.tokens_per_s / sys.devices);
  add(r.metrics, "samples_per_s", t.tokens_per_s / cfg.seq_len);
  add(r.metrics, "step_time_s", t.step_time.value());
  add(r.metrics, "mfu", t.mfu);
  add(r.metrics, "hfu", t.hfu);
  add(r.metrics, "achieved_flops_per_device", t.achieved_flops_per_device.value());
  add(r.metrics, "hardware_flops_per_device", t.hardware_flops_per_device.value());
  add(r.metrics, "memory_per_device_bytes", t.memory_per_device.value());
  add_site_metrics(r, run, p);
  add_energy_metrics(r, p, t.tokens_per_s);
  add_cost_metrics(r, c, sc.facility.years);
  add(r.metrics, "usd_per_million_tokens", usd_per_million_tokens(c, t.tokens_per_s, sc.facility));
  std::optional<double> train_seconds;
  if (cfg.train_tokens > 0) {
    train_seconds = cfg.train_tokens / t.tokens_per_s;
    add(r.metrics, "time_to_train_s", *train_seconds);
    add(r.metrics, "cost_to_train_usd", (c.busy_rate * Seconds(*train_seconds)).value());
    add(r.metrics, "energy_to_train_j", *train_seconds * p.it.value());
  }
  add_cloud_metrics(r, run, d, t.tokens_per_s, train_seconds);
  r.breakdown = {{"compute_s", t.breakdown.compute.value()},
                 {"memory_s", t.breakdown.memory.value()},
                 {"communication_s", t.breakdown.communication.value()},
                 {"bubble_s", t.breakdown.bubble.value()},
                 {"recompute_s", t.breakdown.recompute.value()},
                 {"host_s", t.breakdown.host.value()}};
  // Under the communication it is part of, for a mixture of experts.
  if (cfg.model.moe()) r.breakdown.insert(r.breakdown.begin() + 3, {"all_to_all_s", t.breakdown.all_to_all.value()});
  return r;
}

// A pool's `replicas: auto`: the devices the other pool leaves of the deployment's, in whole replicas ("" when they
// divide, else why not).
std::string resolve_auto_replicas(Disaggregation& pools, const System& sys) {
  const bool prefill_auto = pools.prefill.replicas == 0;
  ServingPool& open = prefill_auto ? pools.prefill : pools.decode;
  const ServingPool& set = prefill_auto ? pools.decode : pools.prefill;
  if (open.replicas != 0) return {};
  const long long left = sys.devices - set.devices();
  const long long per = static_cast<long long>(open.tp) * open.pp;
  if (left < per || left % per != 0) {
    return fmt::format(
        "disaggregated: the {} pool's {} devices leave {} of the deployment's {}, not whole replicas of the {} pool's "
        "tp x pp = {}",
        prefill_auto ? "decode" : "prefill", set.devices(), left, sys.devices, prefill_auto ? "prefill" : "decode",
        per);
  }
  open.replicas = static_cast<int>(left / per);
  return {};
}

// A disaggregated workload's pools as the result's parallelism (a `replicas: auto` resolved), and why they cannot run
// on `sys` ("" when they can): GPUs only, adding up to the deployment's devices, without a power cap (each pool would
// throttle at its own load).
std::string disaggregated_problem(Disaggregation& pools, const System& sys, Result& r) {
  const std::string unresolved = resolve_auto_replicas(pools, sys);
  r.parallelism.clear();
  for (const auto& [name, pool] : {std::pair{"prefill", pools.prefill}, std::pair{"decode", pools.decode}}) {
    r.parallelism.emplace_back(fmt::format("{}_tp", name), pool.tp);
    r.parallelism.emplace_back(fmt::format("{}_pp", name), pool.pp);
    if (pool.ep > 1) r.parallelism.emplace_back(fmt::format("{}_ep", name), pool.ep);
    r.parallelism.emplace_back(fmt::format("{}_replicas", name), pool.replicas);  // 0: an auto left unresolved
  }
  if (!unresolved.empty()) return unresolved;
  const long long used = pools.prefill.devices() + pools.decode.devices();
  if (sys.device.kind != DeviceKind::gpu) {
    return "disaggregated serving is modelled on GPUs (a CPU runtime prefills and decodes in one process)";
  }
  if (used != sys.devices) {
    return fmt::format(
        "disaggregated: the prefill pool's {} devices and the decode pool's {} make {}; the deployment has {}",
        pools.prefill.devices(), pools.decode.devices(), used, sys.devices);
  }
  if (sys.power_cap) {
    return "disaggregated pools under a power cap are not modelled (each pool's devices would throttle at their own "
           "load); leave power_cap out of this deployment";
  }
  return {};
}

Result evaluate_inference_pair(const Scenario& sc, const DeploymentDecl& d, const System& sys, const WorkloadDecl& w,
                               const EfficiencyModel& eff, const EvaluateOptions& options) {
  Result r{.deployment = sys.name, .workload = w.name, .kind = "inference", .calibration = eff.source_for(sys.device)};
  r.metrics.reserve(48);  // no regrowth: a sweep evaluates millions of results
  InferenceConfig cfg = w.inference;
  if (w.search_parallelism) {  // `parallelism: auto`: tp x pp x ep x replicas x batch (sim/infer/serving_search.hpp)
    const ServingSearch found = search_serving(cfg, sys, eff, std::max(1, options.top));
    SearchInfo info{found.configurations, std::nullopt, 1, {}};
    if (options.timings) info.seconds = found.seconds;
    for (const auto& c : found.top) {
      // ep where the search varies it (a mixture of experts), between pp and replicas as in the result's parallelism.
      std::vector<std::pair<std::string, int>> parallelism{{"tp", c.tp}, {"pp", c.pp}};
      if (cfg.model.moe()) parallelism.emplace_back("ep", c.ep);
      parallelism.emplace_back("replicas", c.result.replicas);
      info.top.push_back({.parallelism = std::move(parallelism),
                          .batch = c.result.batch,
                          .sla_met = c.result.sla_met,
                          .tokens_per_s = c.result.throughput_tokens_per_s,
                          .memory_per_device_bytes = c.result.memory_per_device.value()});
    }
    r.search = info;
    if (found.top.empty()) {
      return not_fitting(r, sc, sys,
                         fmt::format("no serving configuration of the {} searched fits", found.configurations));
    }
    cfg.tp = found.top.front().tp;
    cfg.pp = found.top.front().pp;
    cfg.ep = found.top.front().ep;
  }
  r.parallelism = {{"tp", cfg.tp}, {"pp", cfg.pp}};
  if (cfg.ep > 1) r.parallelism.emplace_back("ep", cfg.ep);  // absent: 1 (outputs without it unchanged)
  const int per_replica = cfg.tp * cfg.pp;
  std::string problem;
  if (cfg.disaggregated) {
    problem = disaggregated_problem(*cfg.disaggregated, sys, r);
  } else if (per_replica > sys.devices) {
    problem = fmt::format("tp x pp = {} devices per replica; the deployment has {}", per_replica, sys.devices);
  } else if (cfg.tp > 1 && sys.device.kind == DeviceKind::cpu) {
    problem = "tensor parallelism across CPU sockets is not modelled; use tp: 1 (one replica per socket)";
  } else if (cfg.replicas && *cfg.replicas * per_replica > sys.devices && sys.device.kind == DeviceKind::gpu) {
    problem = fmt::format(
        "{} replicas x {} devices each exceed the deployment's {} devices (only CPU replicas "
        "share a device)",
        *cfg.replicas, per_replica, sys.devices);
  }
  InferenceResult inf;
  if (problem.empty()) inf = evaluate_inference(cfg, sys, eff);
  std::optional<System> capped;
  if (problem.empty() && inf.fits) {
    capped = throttled(sys, {inf.compute_busy, inf.memory_busy, inf.communication_busy});
    if (capped) inf = evaluate_inference(cfg, *capped, eff);
  }
  const System& run = capped ? *capped : sys;
  if (!problem.empty() || !inf.fits) {
    if (problem.empty()) add(r.metrics, "memory_per_device_bytes", inf.memory_per_device.value());
    return not_fitting(r, sc, sys, problem.empty() ? inf.message : problem);
  }
  r.message = inf.message;
  r.compute_dtype = std::string(dtype_name(inf.compute));
  const PowerResult p =
      deployment_power(run, {inf.compute_busy, inf.memory_busy, inf.communication_busy}, deployment_pue(sc, sys));
  const CostResult c = deployment_cost(run, p, sc.facility);
  add(r.metrics, "throughput_tokens_per_s", inf.throughput_tokens_per_s);
  add(r.metrics, "decode_tokens_per_s", inf.decode_tokens_per_s);
  add(r.metrics, "requests_per_s", inf.throughput_tokens_per_s / cfg.output_tokens);
  add(r.metrics, "ttft_s", inf.ttft.value());
  add(r.metrics, "tpot_s", inf.tpot.value());
  add(r.metrics, "batch", inf.batch);
  add(r.metrics, "replicas", inf.replicas);
  if (inf.sla_met) {
    add(r.metrics, "sla_met", *inf.sla_met ? 1.0 : 0.0);
    r.sla_met = inf.sla_met;
  }
  if (inf.utilization) add(r.metrics, "utilization", *inf.utilization);
  if (inf.crossover_batch > 0) add(r.metrics, "crossover_batch", inf.crossover_batch);
  if (inf.disaggregated) {
    const DisaggregatedResult& x = *inf.disaggregated;
    add(r.metrics, "prefill_requests_per_s", x.prefill.requests_per_s);
    add(r.metrics, "decode_requests_per_s", x.decode.requests_per_s);
    add(r.metrics, "kv_transfer_requests_per_s", x.transfer_requests_per_s);
    add(r.metrics, "kv_transfer_s", x.kv_transfer.value());
    add(r.metrics, "prompts_per_pass", x.prompts_per_pass);
  }
  add(r.metrics, "memory_per_device_bytes", inf.memory_per_device.value());
  add_site_metrics(r, run, p);
  add_energy_metrics(r, p, inf.throughput_tokens_per_s);
  add_cost_metrics(r, c, sc.facility.years);
  const double per_output = usd_per_million_tokens(c, inf.throughput_tokens_per_s, sc.facility);
  add(r.metrics, "usd_per_million_tokens", per_output);
  add(r.metrics, "usd_per_million_all_tokens",
      per_output * cfg.output_tokens / static_cast<double>(cfg.input_tokens + cfg.output_tokens));
  add_cloud_metrics(r, run, d, inf.throughput_tokens_per_s, std::nullopt);
  r.breakdown = {{"prefill_s", inf.prefill.time.value()},
                 {"prefill_compute_s", inf.prefill.compute.value()},
                 {"prefill_memory_s", inf.prefill.memory.value()},
                 {"decode_step_s", inf.decode.time.value()},
                 {"decode_compute_s", inf.decode.compute.value()},
                 {"decode_memory_s", inf.decode.memory.value()},
                 {"decode_communication_s", inf.decode.communication.value()},
                 // What one request waits in collectives: its prefill's and its decode steps' (with disaggregated
                 // pools, the steps after the prefill pool's first token, and its KV cache's transfer).
                 {"request_communication_s",
                  (inf.disaggregated ? inf.prefill.communication + inf.decode.communication * (cfg.output_tokens - 1) +
                                           inf.disaggregated->kv_transfer
                                     : inf.prefill.communication + inf.decode.communication * cfg.output_tokens)
                      .value()}};
  return r;
}

}  // namespace

Result evaluate_pair(const Scenario& sc, const DeploymentDecl& d, const System& sys, const WorkloadDecl& w,
                     const EfficiencyModel& eff, const EvaluateOptions& options) {
  return w.kind == WorkloadKind::training ? evaluate_training_pair(sc, d, sys, w, eff, options)
                                          : evaluate_inference_pair(sc, d, sys, w, eff, options);
}

}  // namespace hwsim
