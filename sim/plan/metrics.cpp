#include "sim/plan/metrics.hpp"

namespace hwsim {

namespace {

using enum MetricStyle;
constexpr auto kBreakdown = MetricGroup::breakdown;
constexpr auto kCost = MetricGroup::cost_breakdown;
constexpr auto kNone = Dimension::dimensionless;

// Order: the order of tables and of `check --tolerance`'s list of known names.
constexpr MetricInfo kMetrics[] = {
    {"throughput_tokens_per_s",
     "throughput",
     plain,
     kNone,
     "tokens/s",
     "training: tokens trained per second; inference: output tokens per second end to end",
     {},
     true},
    {"decode_tokens_per_s", "decode rate", plain, kNone, "tokens/s", "output tokens per second during decode alone"},
    {"requests_per_s", "requests", plain, kNone, "req/s", "requests completed per second"},
    {"samples_per_s", "samples", plain, kNone, "samples/s", "training sequences per second"},
    {"tokens_per_s_per_device", "throughput per device", plain, kNone, "tokens/s", "throughput / devices"},
    {"hfu", "HFU (with recompute)", percent, kNone, "", "hardware FLOPs (recompute included) / peak"},
    {"hardware_flops_per_device", "hardware FLOP/s per device", quantity, Dimension::flop_per_second, "",
     "FLOP/s a device executes, recompute included"},
    {"ttft_s", "time to first token", quantity, Dimension::seconds, "", "prefill of one request's prompt"},
    {"tpot_s", "time per output token", quantity, Dimension::seconds, "", "one decode step", {}, true},
    {"batch", "batch per replica", plain, kNone, "", "requests decoded together per replica", {}, true},
    {"sla_met",
     "SLA met (1 yes, 0 no)",
     plain,
     kNone,
     "",
     "inference with an SLA: 1 when the evaluated batch meets every TTFT/TPOT limit, else 0",
     {},
     true},
    {"utilization", "slots busy (Poisson arrivals)", plain, kNone, "",
     "inference with an SLA percentile: the arrival rate's load on the batch's sequence slots (below 1)"},
    {"replicas", "replicas", plain, kNone, "", "model copies in the deployment"},
    {"prefill_requests_per_s", "prefill pool capacity", plain, kNone, "req/s",
     "disaggregated: the requests per second the prefill pool could serve on its own"},
    {"decode_requests_per_s", "decode pool capacity", plain, kNone, "req/s",
     "disaggregated: the requests per second the decode pool could serve on its own"},
    {"kv_transfer_requests_per_s", "KV transfer capacity", plain, kNone, "req/s",
     "disaggregated: the requests per second whose KV caches the links between the pools carry"},
    {"kv_transfer_s", "KV transfer per request", quantity, Dimension::seconds, "",
     "disaggregated: one request's prompt KV cache from the prefill ranks to a decode replica"},
    {"prompts_per_pass", "prompts per prefill pass", plain, kNone, "",
     "disaggregated: prompts a prefill replica runs together (the token budget's, within memory and the TTFT limit)"},
    {"crossover_batch", "decode compute-bound from batch", plain, kNone, "",
     "batch at which the decode step's weight products turn compute bound"},
    {"step_time_s", "step time", quantity, Dimension::seconds, "", "one training step (global batch)"},
    {"mfu", "MFU", percent, kNone, "", "model FLOPs per second / (devices x dense peak of the dtype)"},
    {"achieved_flops_per_device", "model FLOP/s per device", quantity, Dimension::flop_per_second, "",
     "model FLOPs (no recompute) per second per device"},
    {"memory_per_device_bytes", "memory per device", quantity, Dimension::bytes, "",
     "weights, gradients, optimizer, activations or KV cache on the busiest device"},
    {"devices", "devices", plain, kNone, "", "accelerators (or CPU sockets) in the deployment", {}, true},
    {"nodes", "nodes", plain, kNone, "", "nodes (a share of one for `devices: N`)"},
    {"racks", "racks", plain, kNone, "", "racks the nodes occupy"},
    {"device_power_w", "power per device", quantity, Dimension::watts, "", "one device at the modelled load (DC)"},
    {"clock_scale", "compute clock under the power cap", plain, kNone, "",
     "share of the compute clock a binding power cap leaves"},
    {"node_power_w", "power per node (at the wall)", quantity, Dimension::watts, "", "one node at load, AC"},
    {"it_power_w",
     "IT power (at load)",
     quantity,
     Dimension::watts,
     "",
     "the deployment at the modelled load, at the wall (PSU losses included)",
     {},
     true},
    {"network_power_w", "network power (switches, optics)", quantity, Dimension::watts, "",
     "scale-out switches and cable ends of the deployment's fabric (part of it_power_w)"},
    {"provisioned_power_w", "provisioned power", quantity, Dimension::watts, "",
     "nameplate: node maxima, switches, cables, rack overhead"},
    {"facility_power_w", "facility power (x PUE)", quantity, Dimension::watts, "", "it_power_w x PUE", {}, true},
    {"energy_per_token_j", "energy per token", energy, Dimension::joules, "", "IT energy per (output) token"},
    {"tokens_per_kwh", "tokens per kWh", plain, kNone, "", "(output) tokens per kWh of IT energy"},
    {"capex_usd", "capex", money, Dimension::usd, "", "nodes + network + racks", {}, true},
    {"depreciation_usd_per_year", "depreciation per year", money, Dimension::usd, "", "capex / years"},
    {"opex_usd_per_year", "opex per year", money, Dimension::usd, "", "energy + colocation + maintenance per year"},
    {"tco_usd", "TCO", money, Dimension::usd, "", "capex + years x opex", {}, true},
    {"usd_per_hour", "TCO per hour", money, Dimension::usd, "", "TCO over the deployment's hours"},
    {"usd_per_million_all_tokens", "USD per million tokens (input + output)", usd_rate, kNone, "USD",
     "inference: TCO per million tokens processed, prompt tokens included (usd_per_million_tokens x output / (input "
     "+ output))"},
    {"usd_per_million_tokens",
     "USD per million tokens (output; trained for training)",
     usd_rate,
     kNone,
     "USD",
     "TCO / (throughput x utilization x years), per million output tokens (inference) or trained tokens (training)",
     {},
     true},
    {"time_to_train_s", "time to train", quantity, Dimension::seconds, "", "train_tokens / throughput", {}, true},
    {"cost_to_train_usd",
     "cost to train",
     money,
     Dimension::usd,
     "",
     "the training time at the TCO's per-second rate at load",
     {},
     true},
    {"cloud_usd_per_hour", "cloud rental per hour", money, Dimension::usd, "", "cloud_price x accelerators"},
    {"cloud_usd_per_million_tokens", "cloud USD per million tokens", plain, kNone, "USD",
     "renting instead of buying, per million (output) tokens"},
    {"cloud_cost_to_train_usd", "cloud cost to train", money, Dimension::usd, "", "renting for the training time"},
    {"energy_to_train_j", "energy to train", energy, Dimension::joules, "", "IT energy over the training time"},
    {"capex_nodes_usd", "capex: nodes", money, Dimension::usd, "", "node prices", kCost},
    {"capex_network_usd", "capex: network", money, Dimension::usd, "", "switches and cables", kCost},
    {"capex_racks_usd", "capex: racks", money, Dimension::usd, "", "rack prices", kCost},
    {"energy_usd", "energy (all years)", money, Dimension::usd, "", "electricity over the years, x PUE", kCost},
    {"colocation_usd", "colocation (all years)", money, Dimension::usd, "", "colocation over the years", kCost},
    {"maintenance_usd", "maintenance (all years)", money, Dimension::usd, "", "maintenance over the years", kCost},
    {"operations_usd", "staff and software (all years)", money, Dimension::usd, "",
     "facility operations_per_node x nodes over the years", kCost},
    {"compute_s", "compute", quantity, Dimension::seconds, "", "compute-bound time of a step", kBreakdown},
    {"memory_s", "  of which memory-bound", quantity, Dimension::seconds, "", "memory-bound time of a step",
     kBreakdown},
    {"communication_s", "exposed communication", quantity, Dimension::seconds, "", "collectives not hidden",
     kBreakdown},
    {"all_to_all_s", "  of which expert all-to-all", quantity, Dimension::seconds, "",
     "exposed expert-parallel token dispatch and combine (mixtures of experts)", kBreakdown},
    {"bubble_s", "pipeline bubble", quantity, Dimension::seconds, "", "pipeline fill and drain", kBreakdown},
    {"recompute_s", "recompute", quantity, Dimension::seconds, "", "activation recomputation", kBreakdown},
    {"host_s", "host (CPU) time, exposed", quantity, Dimension::seconds, "",
     "host time the devices wait for: once per step (step_overhead) and in MoE layers, unless a sync-free dispatcher "
     "runs under cuda_graphs full_iteration",
     kBreakdown},
    {"prefill_s", "prefill (batch)", quantity, Dimension::seconds, "", "prefill of a batch's prompts", kBreakdown},
    {"prefill_compute_s", "  compute", quantity, Dimension::seconds, "", "prefill compute time", kBreakdown},
    {"prefill_memory_s", "  memory", quantity, Dimension::seconds, "", "prefill memory time", kBreakdown},
    {"decode_step_s", "decode step", quantity, Dimension::seconds, "", "one decode step", kBreakdown},
    {"decode_compute_s", "  compute", quantity, Dimension::seconds, "", "decode step compute time", kBreakdown},
    {"decode_memory_s", "  memory", quantity, Dimension::seconds, "", "decode step memory time", kBreakdown},
    {"decode_communication_s", "  communication", quantity, Dimension::seconds, "", "decode step collectives",
     kBreakdown},
    {"request_communication_s", "communication per request", quantity, Dimension::seconds, "",
     "prefill and every decode step's collectives", kBreakdown},
};

}  // namespace

std::span<const MetricInfo> metric_registry() { return kMetrics; }

const MetricInfo* find_metric_info(std::string_view key) {
  for (const auto& m : kMetrics) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

std::vector<std::string> known_metric_keys() {
  std::vector<std::string> keys;
  for (const auto& m : kMetrics) keys.emplace_back(m.key);
  return keys;
}

const std::vector<std::string>& default_sweep_metrics() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const auto& m : kMetrics) {
      if (m.sweep_default) k.emplace_back(m.key);
    }
    return k;
  }();
  return keys;
}

const std::vector<std::string>& sensitivity_metrics() {
  static const std::vector<std::string> keys{"usd_per_million_tokens", "throughput_tokens_per_s"};
  return keys;
}

}  // namespace hwsim
