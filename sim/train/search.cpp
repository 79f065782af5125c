#include "sim/train/search.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace hwsim {

namespace {

bool better(const SearchCandidate& a, const SearchCandidate& b) { return a.tokens_per_s > b.tokens_per_s; }

// Keeps the best `n` candidates, best first.
void offer(std::vector<SearchCandidate>& top, const SearchCandidate& c, int n) {
  if (static_cast<int>(top.size()) == n && !better(c, top.back())) return;
  top.insert(std::upper_bound(top.begin(), top.end(), c, better), c);
  if (static_cast<int>(top.size()) > n) top.pop_back();
}

// The least count in 1..most for which `fits` holds, where it holds for `most` and for every count above one that
// holds (memory falls with each layer recomputed or offloaded): a bisection.
template <typename Fits>
int fewest_that_fit(int most, const Fits& fits) {
  int lo = 1;
  int hi = most;
  while (lo < hi) {
    const int mid = lo + (hi - lo) / 2;
    if (fits(mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return hi;
}

// The fewest first layers of each model chunk whose full recompute makes `cfg` (a full recompute) fit in `usable`
// bytes: 0 where keeping every layer's activations fits already or only recomputing every layer fits.
int fewest_recomputed_layers(TrainingConfig cfg, int layers_per_chunk, double usable) {
  const auto fits = [&](int layers) {
    cfg.recompute_layers = layers;
    return training_memory(cfg).total().value() <= usable;
  };
  cfg.recompute = Recompute::none;
  if (layers_per_chunk < 2 || training_memory(cfg).total().value() <= usable) return 0;
  cfg.recompute = Recompute::full;
  return fits(layers_per_chunk - 1) ? fewest_that_fit(layers_per_chunk - 1, fits) : 0;
}

// The fewest layers whose activations offloaded to host memory make `cfg` (one stage, no recompute, which does not fit
// in `usable` bytes as it is: the caller's memory check) fit, or 0 where offloading every layer but one does not.
int fewest_offloaded_layers(TrainingConfig cfg, double usable) {
  const auto fits = [&](int layers) {
    cfg.activation_offload_layers = layers;
    return training_memory(cfg).total().value() <= usable;
  };
  const int most = cfg.model.layers - 1;
  if (most < 1 || !fits(most)) return 0;
  return fewest_that_fit(most, fits);
}

struct Grid {
  std::vector<int> tp, pp, cp, ep, micro_batch, zero;
  std::vector<Recompute> recompute;
};

Grid grid_for(const TrainingConfig& base, const System& sys, const SearchOptions& o) {
  Grid g;
  const ModelSpec& m = base.model;
  if (o.parallelism) {
    // TP (powers of two inside a node) and PP as the model's shape allows them (parallelism_error).
    for (int t = 1; t <= sys.devices_per_node() && t <= sys.devices; t *= 2) {
      if (!parallelism_error(m, t, 1)) g.tp.push_back(t);
    }
    // Stages as Megatron-LM splits them without per-stage settings: evenly, or with the embedding and the loss
    // counted as layers (stage_layers).
    for (int p = 1; p <= std::min(m.layers, sys.devices); ++p) {
      if (!parallelism_error(m, 1, p) && (m.layers % p == 0 || (m.layers + 2) % p == 0)) g.pp.push_back(p);
    }
    for (int c : {1, 2, 4}) {
      if (base.seq_len % c == 0 && (c == 1 || stack_runs_context_parallel(base.stack))) g.cp.push_back(c);
    }
    g.zero = stack_zero_stages(base.stack);
    // Expert parallelism for a mixture of experts: powers of two that split the experts.
    for (int e = 1; e <= m.experts && e <= sys.devices; e *= 2) {
      if (m.experts % e == 0) g.ep.push_back(e);
    }
    g.recompute = {Recompute::none, Recompute::selective, Recompute::full};
    if (stack_runs_op_checkpointing(base.stack)) g.recompute.push_back(Recompute::selective_op);
  } else {
    g.tp = {base.parallelism.tp};
    g.pp = {base.parallelism.pp};
    g.cp = {base.parallelism.cp};
    g.zero = {base.parallelism.zero};
    g.ep = {base.parallelism.ep};
    g.recompute = {base.recompute};
  }
  if (o.micro_batch) {
    for (int b = 1; b <= 32; b *= 2) g.micro_batch.push_back(b);
  } else {
    g.micro_batch = {base.micro_batch};
  }
  return g;
}

}  // namespace

std::vector<int> stack_zero_stages(Stack stack) {
  switch (stack) {
    case Stack::megatron_core: return {0, 1};  // DDP, distributed optimizer
    case Stack::pytorch: return {0, 2, 3};     // DDP, FSDP SHARD_GRAD_OP, FSDP FULL_SHARD
    case Stack::deepspeed: return {0, 1, 2, 3};
  }
  return {0};
}

bool stack_runs(Stack stack, int zero, int pp) {
  const auto stages = stack_zero_stages(stack);
  if (std::find(stages.begin(), stages.end(), zero) == stages.end()) return false;
  // DeepSpeed's pipeline engine refuses ZeRO stages 2 and 3 (deepspeed/runtime/pipe/engine.py asserts
  // zero_optimization_stage() < 2).
  return !(stack == Stack::deepspeed && pp > 1 && zero >= 2);
}

bool stack_runs_interleaving(Stack stack) { return stack != Stack::deepspeed; }

bool stack_runs_context_parallel(Stack stack) { return stack != Stack::deepspeed; }

// Op-level selective checkpointing is PyTorch's (torch.utils.checkpoint create_selective_checkpoint_contexts, which
// torchtitan applies); Megatron-Core and DeepSpeed recompute whole layers or the attention core.
bool stack_runs_op_checkpointing(Stack stack) { return stack == Stack::pytorch; }

TrainingConfig apply_candidate(const TrainingConfig& base, const SearchCandidate& c) {
  TrainingConfig t = base;
  t.parallelism = c.parallelism;
  t.micro_batch = c.micro_batch;
  t.recompute = c.recompute;
  t.recompute_layers = c.recompute_layers;
  t.activation_offload_layers = c.activation_offload_layers;
  t.sequence_parallel = c.sequence_parallel;
  return t;
}

SearchResult search_training(const TrainingConfig& base, const System& sys, const EfficiencyModel& eff,
                             const SearchOptions& o) {
  const Grid g = grid_for(base, sys, o);
  const int threads = std::max(1, o.threads);
  struct Partial {
    std::vector<SearchCandidate> top;
    long long configurations = 0;
  };
  std::vector<Partial> partials(threads);
  const auto start = std::chrono::steady_clock::now();
  // Work is split over (tp, pp) pairs, round robin.
  std::vector<std::pair<int, int>> pairs;
  for (int tp : g.tp) {
    for (int pp : g.pp) pairs.emplace_back(tp, pp);
  }
  const double usable = sys.device.usable_memory().value();
  const double offload_link = sys.device.host_link_bandwidth.value();
  const auto work = [&](int thread) {
    Partial& part = partials[thread];
    TrainingConfig cfg = base;
    TrainingCache cache;
    for (std::size_t i = thread; i < pairs.size(); i += threads) {
      const auto [tp, pp] = pairs[i];
      for (int cp : g.cp) {
        const long long model_parallel = static_cast<long long>(tp) * pp * cp;
        if (model_parallel > sys.devices || sys.devices % model_parallel != 0) continue;
        const int dp = static_cast<int>(sys.devices / model_parallel);
        if (!o.parallelism && base.parallelism.dp != dp) continue;
        // Interleaving splits a stage's layer slots (the embedding and loss slots too when the split is uneven)
        // into vp equal chunks.
        const int layers_per_stage =
            base.model.layers % pp == 0 ? base.model.layers / pp : (base.model.layers + 2) / pp;
        // A fixed parallelism keeps its expert tensor parallelism; a search keeps etp = tp.
        const int etp = o.parallelism ? 0 : base.parallelism.etp;
        for (int ep : g.ep) {
          if (!expert_groups_fit({.tp = tp, .dp = dp, .cp = cp, .ep = ep, .etp = etp})) continue;
          for (int mb : g.micro_batch) {
            // Every rank needs a sample; where dp x mb does not divide the batch, accumulation rounds up.
            if (static_cast<long long>(dp) * mb > base.global_batch) continue;
            const long long micro_batches = micro_batches_per_step(base.global_batch, dp, mb);
            for (int vp = 1; vp <= layers_per_stage; ++vp) {
              if (layers_per_stage % vp != 0) continue;
              if (vp > 1 && (pp == 1 || micro_batches % pp != 0)) continue;  // interleaving needs m multiple of pp
              if (!o.parallelism && vp != base.parallelism.vp) continue;
              if (o.parallelism && vp > 1 && !stack_runs_interleaving(base.stack)) continue;
              for (int zero : g.zero) {
                if (dp == 1 && zero > 0) continue;
                if (o.parallelism && !stack_runs(base.stack, zero, pp)) continue;
                for (Recompute rc : g.recompute) {
                  // With fused attention, selective recompute repeats nothing (the kernel already recomputes scores).
                  if (rc == Recompute::selective && base.flash_attention && g.recompute.size() > 1) continue;
                  cfg.parallelism = {
                      .tp = tp, .pp = pp, .dp = dp, .vp = vp, .cp = cp, .ep = ep, .zero = zero, .etp = etp};
                  cfg.micro_batch = mb;
                  cfg.recompute = rc;
                  cfg.sequence_parallel = o.parallelism ? tp > 1 : base.sequence_parallel;
                  ++part.configurations;
                  const auto consider = [&] {
                    const TrainingResult r = evaluate_training(cfg, sys, eff, &cache);
                    if (!r.fits) return;
                    offer(part.top,
                          {cfg.parallelism, mb, rc, cfg.recompute_layers, cfg.activation_offload_layers,
                           cfg.sequence_parallel, r.tokens_per_s, r.memory_per_device},
                          o.top_n);
                  };
                  const bool megatron_search = o.parallelism && base.stack == Stack::megatron_core;
                  // Memory first: most of the grid does not fit, and that check is a few multiplications. With one
                  // stage and no recompute, offloading the fewest layers' activations that fit is tried instead.
                  if (training_memory(cfg).total().value() > usable) {
                    if (!megatron_search || rc != Recompute::none || pp > 1 || offload_link <= 0) continue;
                    const int offloaded = fewest_offloaded_layers(cfg, usable);
                    if (offloaded == 0) continue;
                    ++part.configurations;
                    cfg.activation_offload_layers = offloaded;
                    consider();
                    cfg.activation_offload_layers = 0;
                    continue;
                  }
                  consider();
                  if (rc != Recompute::full || !megatron_search) continue;
                  const int fewest = fewest_recomputed_layers(cfg, (layers_per_stage + vp - 1) / vp, usable);
                  if (fewest == 0) continue;
                  ++part.configurations;
                  cfg.recompute_layers = fewest;
                  consider();
                  cfg.recompute_layers = 0;
                }
              }
            }
          }
        }
      }
    }
  };
  if (threads == 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(work, t);
    for (auto& th : pool) th.join();
  }
  SearchResult result;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.threads = threads;
  for (const auto& p : partials) {
    result.configurations += p.configurations;
    for (const auto& c : p.top) offer(result.top, c, o.top_n);
  }
  return result;
}

}  // namespace hwsim
