// Activation recomputation: the names a scenario uses, and what op-level selective checkpointing keeps and repeats
// (torchtitan's policy over workloads/model.hpp layer_products).
#include "sim/train/training.hpp"

namespace hwsim {

std::string_view recompute_name(Recompute recompute) {
  for (const auto& [r, name] : kRecomputeNames) {
    if (r == recompute) return name;
  }
  return "none";
}

Recompute recompute_named(std::string_view name) { return named_in(kRecomputeNames, name); }

double op_checkpoint_saved_width(const ModelSpec& m, double tp, bool sequence_parallel) {
  // The layer's input (the checkpoint's own input), the attention output and the outputs of the products kept;
  // tensor parallelism splits the column-parallel outputs, and the full-width ones only with sequence parallelism.
  const double full_width = sequence_parallel ? tp : 1.0;
  double width = m.hidden / full_width + m.attention_widths().o / tp;
  const LayerProducts products = layer_products(m);
  for (int i = 0; i < products.count; ++i) {
    const LayerProduct& p = products.products[i];
    if (!op_checkpoint_recomputes(i)) width += p.out / (p.row_parallel ? full_width : p.replicated ? 1.0 : tp);
  }
  return width;
}

double op_checkpoint_recomputed_flops(const ModelSpec& m) {
  double flops = 0;
  const LayerProducts products = layer_products(m);
  for (int i = 0; i < products.count; ++i) {
    const LayerProduct& p = products.products[i];
    if (op_checkpoint_recomputes(i)) flops += 2.0 * p.in * p.out;
  }
  return flops * m.layers;
}

}  // namespace hwsim
