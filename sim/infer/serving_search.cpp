#include "sim/infer/serving_search.hpp"

#include <algorithm>
#include <chrono>

namespace hwsim {

namespace {

// Meeting the SLA first, then throughput.
bool better(const ServingCandidate& a, const ServingCandidate& b) {
  const bool a_met = a.result.sla_met.value_or(true);
  const bool b_met = b.result.sla_met.value_or(true);
  if (a_met != b_met) return a_met;
  return a.result.throughput_tokens_per_s > b.result.throughput_tokens_per_s;
}

}  // namespace

ServingSearch search_serving(const InferenceConfig& base, const System& sys, const EfficiencyModel& eff, int top_n) {
  const auto start = std::chrono::steady_clock::now();
  ServingSearch out;
  const bool gpu = sys.device.kind == DeviceKind::gpu;
  const int max_tp = gpu ? std::min(sys.devices_per_node(), sys.devices) : 1;
  std::vector<ServingCandidate> all;
  for (int tp = 1; tp <= max_tp; tp *= 2) {
    for (int pp : {1, 2, 4, 8}) {
      if (tp * pp > sys.devices || pp > base.model.layers) continue;
      if (parallelism_error(base.model, tp, pp)) continue;
      for (int ep = 1; ep <= tp; ++ep) {
        if (serving_expert_parallelism_error(base.model, tp, ep)) continue;
        InferenceConfig c = base;
        c.tp = tp;
        c.pp = pp;
        c.ep = ep;
        c.replicas.reset();
        ++out.configurations;
        InferenceResult r = evaluate_inference(c, sys, eff);
        if (!r.fits) continue;
        all.push_back({tp, pp, ep, std::move(r)});
      }
    }
  }
  std::stable_sort(all.begin(), all.end(), better);
  if (static_cast<int>(all.size()) > top_n) all.resize(top_n);
  out.top = std::move(all);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace hwsim
