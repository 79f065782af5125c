#include "sim/scenario/scenario_schema.hpp"

#include <utility>

#include "hwmodels/hardware_catalog.hpp"
#include "hwmodels/infrastructure.hpp"
#include "sim/core/dtype.hpp"
#include "sim/scenario/workload_keys.hpp"
#include "sim/train/training.hpp"
#include "workloads/model.hpp"

namespace hwsim {

namespace {

const Schema& deployment_schema() {
  static const Schema s{
      "scenario.deployment",
      {
          {.name = "name", .kind = ValueKind::text, .required = true, .doc = "deployment name (used in metric paths)"},
          {.name = "node", .kind = ValueKind::text, .doc = "node catalog entry (or give `cluster`)"},
          {.name = "cluster",
           .kind = ValueKind::text,
           .doc = "cluster catalog entry: its node, count, racks and fabric"},
          {.name = "count",
           .kind = ValueKind::integer,
           .choices = {"fill"},
           .minimum = 1,
           .maximum = 1048576,
           .doc = "nodes (default 1, or the cluster's); fill = the most nodes within power_budget, capex_budget and "
                  "max_racks, or the fewest that reach a workload's min_throughput_tokens_per_s"},
          {.name = "capex_budget",
           .kind = ValueKind::quantity,
           .dimension = Dimension::usd,
           .minimum = 0,
           .doc = "most the deployment may cost up front (nodes, network, racks); fill stays within it"},
          {.name = "max_racks",
           .kind = ValueKind::integer,
           .minimum = 1,
           .maximum = 1048576,
           .doc = "most racks the deployment may occupy; fill stays within it"},
          {.name = "nodes_per_rack",
           .kind = ValueKind::integer,
           .minimum = 1,
           .maximum = 4096,
           .doc = "nodes per rack (default: the rack's space and power limit)"},
          {.name = "devices",
           .kind = ValueKind::integer,
           .minimum = 1,
           .maximum = 4096,
           .doc = "use N accelerators of each node (a share of every node: 64 of a GB200 NVL72's 72, as 256-GPU "
                  "runs take 4 racks); with count, N on each of the count nodes"},
          {.name = "price",
           .kind = ValueKind::quantity,
           .dimension = Dimension::usd,
           .minimum = 0,
           .doc = "price per node (default: the node's)"},
          {.name = "network", .kind = ValueKind::text, .doc = "scale-out network entry (default: the node's NICs')"},
          {.name = "power_cap",
           .kind = ValueKind::quantity,
           .dimension = Dimension::watts,
           .minimum = 1,
           .doc =
               "power limit per accelerator (nvidia-smi -pl; default: its TDP): compute clocks drop to stay under it"},
          {.name = "cloud_price",
           .kind = ValueKind::quantity,
           .dimension = Dimension::usd_per_hour,
           .minimum = 0,
           .doc = "rental price per accelerator-hour (or per node-hour for CPU nodes), for the cloud comparison"},
      }};
  return s;
}

const Schema& validation_schema() {
  static const Schema s{
      "scenario.validation",
      {
          {.name = "id", .kind = ValueKind::text, .required = true, .doc = "case id of the published measurement"},
          {.name = "kind",
           .kind = ValueKind::choice,
           .required = true,
           .choices = {"training", "inference", "power", "micro"},
           .doc = "what is measured"},
          {.name = "deployment", .kind = ValueKind::text, .required = true, .doc = "deployment the case runs on"},
          {.name = "workload", .kind = ValueKind::text, .required = true, .doc = "workload the case runs"},
          {.name = "metric", .kind = ValueKind::text, .required = true, .doc = "result metric compared"},
          {.name = "measured", .kind = ValueKind::number, .required = true, .doc = "published value, SI units"},
          {.name = "confidence",
           .kind = ValueKind::choice,
           .default_text = "medium",
           .choices = {"high", "medium", "low"},
           .doc = "the source's confidence grade"},
          {.name = "source",
           .kind = ValueKind::text,
           .required = true,
           .doc = "short publication id (letters, digits, '.', '-', '_'), e.g. mlperf-training-v4.0; citation in note"},
          {.name = "split",
           .kind = ValueKind::choice,
           .required = true,
           .choices = {"tune", "test"},
           .doc = "tune: defaults may be fitted to it; test: held out, never looked at while tuning"},
          {.name = "note", .kind = ValueKind::text, .doc = "conventions, inferred settings"},
      }};
  return s;
}

const Schema& expectation_schema() {
  static const Schema s{
      "scenario.expect",
      {
          {.name = "metric", .kind = ValueKind::text, .required = true, .doc = "deployment/workload/metric"},
          {.name = "min", .kind = ValueKind::number, .doc = "lowest acceptable value"},
          {.name = "max", .kind = ValueKind::number, .doc = "highest acceptable value"},
          {.name = "approx", .kind = ValueKind::number, .doc = "expected value"},
          {.name = "tolerance",
           .kind = ValueKind::number,
           .default_text = "0.05",
           .minimum = 0,
           .doc = "relative tolerance of approx"},
      }};
  return s;
}

// Training with a mixture of experts: how tokens reach their experts and whether the host waits on them.
KeyDecl moe_dispatcher_key() {
  return {.name = "moe_dispatcher",
          .kind = ValueKind::choice,
          .default_text = "alltoall",
          .choices = {"alltoall", "deepep", "hybridep"},
          .doc =
              "mixture of experts with ep > 1: how tokens reach their experts: alltoall (Megatron-Core's "
              "alltoall dispatcher, a copy per routed expert), deepep or hybridep (Megatron-Core's flex "
              "dispatcher: a token once per destination rank in the node and once per other node)"};
}
// An on/off switch of a training workload, off unless set.
KeyDecl switch_key(std::string name, std::string doc) {
  return {.name = std::move(name), .kind = ValueKind::boolean, .default_text = "false", .doc = std::move(doc)};
}
KeyDecl moe_sync_free_key() {
  return switch_key("moe_sync_free",
                    "mixture of experts: the dispatcher needs no host sync (token drop with padding to a capacity, "
                    "Megatron-Core moe_pad_expert_input_to_capacity; HybridEP with a rank capacity; what "
                    "full-iteration CUDA graphs need); the MoE layers' host time is hidden only together "
                    "with cuda_graphs full_iteration, otherwise exposed (host_s) as with a dropless dispatcher");
}
KeyDecl moe_fused_mlp_key() {
  return switch_key("moe_fused_mlp",
                    "mixture of experts: the experts' MLP runs as Transformer Engine's fused grouped MLP "
                    "(Megatron-Core use_transformer_engine_op_fuser with the CuTeDSL grouped GEMM and GLU "
                    "kernels; MLPerf USE_TE_OPS, NeMo cutedsl_fused_grouped_mlp): a clamped GLU's clamp and the "
                    "experts' biases run inside the grouped products, not as separate kernels");
}
KeyDecl fp8_params_key() {
  return switch_key("fp8_params",
                    "dtype fp8: the model's weights kept in FP8 (Transformer Engine fp8_model_init, NeMo / "
                    "Megatron-Core fp8_param_gather, MLPerf FP8_PARAM_GATHER): one byte per weight held (a frozen "
                    "LoRA base too) and gathered by the distributed optimizer; the FP32 master copy stays");
}
KeyDecl fp8_attention_key() {
  return switch_key("fp8_attention",
                    "dtype fp8 or fp4: fused attention on FP8 inputs (Transformer Engine FP8 dot-product attention, "
                    "NeMo / Megatron-Core fp8_dot_product_attention, MLPerf FP8_DPA): forward and backward at "
                    "cuDNN's measured FP8 rates, Q, K and V stored at one byte");
}

// How FP8 training scales its GEMM inputs (sim/train/training.hpp Fp8Recipe).
KeyDecl fp8_recipe_key() {
  return {.name = "fp8_recipe",
          .kind = ValueKind::choice,
          .default_text = "delayed",
          .choices = words_of(kFp8RecipeNames),
          .doc =
              "dtype fp8: how the GEMM inputs are scaled (Megatron-Core --fp8-recipe): delayed (a per-tensor scale "
              "from earlier steps' amax history), tensorwise (per-tensor current scaling, NeMo fp8_cs: one more "
              "read of each input for its amax), mxfp8 (a scale per 32 elements, Blackwell only: both "
              "orientations written, GEMMs at the block-scaled kernels' measured rate)"};
}

// A training workload's per-step host time (sim/train/training.hpp step_overhead_of).
KeyDecl step_overhead_key() {
  return {.name = "step_overhead",
          .kind = ValueKind::quantity,
          .dimension = Dimension::seconds,
          .minimum = 0,
          .doc =
              "host time per optimizer step the devices wait for (`80 ms`): the step's syncs, optimizer launches "
              "and trainer bookkeeping (default: the stack's, 135 ms for megatron-core, 100 ms for pytorch and "
              "deepspeed)"};
}

KeyDecl recompute_layers_key() {
  return {.name = "recompute_layers",
          .kind = ValueKind::integer,
          .minimum = 1,
          .maximum = 100000,
          .doc =
              "with recompute full: the layers of each pipeline stage (of each model chunk when interleaved) that "
              "recompute, the first ones (Megatron-Core recompute_method block, recompute_num_layers); the others "
              "keep their activations; stack megatron-core and a fixed parallelism only (parallelism: auto "
              "chooses it). Default: every layer"};
}

KeyDecl activation_offload_key() {
  return {.name = "activation_offload_layers",
          .kind = ValueKind::integer,
          .minimum = 1,
          .maximum = 100000,
          .doc =
              "layers whose activations go to host memory in the forward and come back for the backward, over the "
              "GPU's host link beside the layers' compute (Megatron-Core cpu_offloading_num_layers, activations "
              "only); needs pp 1, no recompute and stack megatron-core (parallelism: auto chooses it)"};
}

// A training workload's `parallelism` map.
const Schema& training_parallelism_schema() {
  static const Schema parallelism{"training.parallelism",
                                  {
                                      tensor_parallel_key(),
                                      pipeline_parallel_key(),
                                      {.name = "dp",
                                       .kind = ValueKind::integer,
                                       .default_text = "auto",
                                       .choices = {"auto"},
                                       .minimum = 1,
                                       .maximum = 65536,
                                       .doc = "data parallel (auto = devices / (tp x pp x cp))"},
                                      {.name = "vp",
                                       .kind = ValueKind::integer,
                                       .default_text = "1",
                                       .minimum = 1,
                                       .maximum = 65536,
                                       .doc = "interleaved virtual stages per device"},
                                      {.name = "cp",
                                       .kind = ValueKind::integer,
                                       .default_text = "1",
                                       .minimum = 1,
                                       .maximum = 65536,
                                       .doc = "context parallel"},
                                      expert_parallel_key(),
                                      {.name = "etp",
                                       .kind = ValueKind::integer,
                                       .minimum = 1,
                                       .maximum = 65536,
                                       .doc = "expert tensor parallel (default: tp): ranks each routed expert is "
                                              "split over (Megatron-Core expert_tensor_parallel_size); ep x etp "
                                              "divides tp x dp x cp, so with etp below tp the expert group folds "
                                              "in tp ranks"},
                                      {.name = "zero",
                                       .kind = ValueKind::choice,
                                       .default_text = "0",
                                       .choices = {"0", "1", "2", "3"},
                                       .doc = "ZeRO stage (1 = distributed optimizer)"},
                                  }};
  return parallelism;
}

}  // namespace

std::vector<KeyDecl> common_workload_keys() {
  return {
      {.name = "name", .kind = ValueKind::text, .required = true, .doc = "workload name (used in metric paths)"},
      {.name = "kind",
       .kind = ValueKind::choice,
       .required = true,
       .choices = {"training", "inference"},
       .doc = "training or inference"},
      {.name = "model",
       .kind = ValueKind::any,
       .required = true,
       .doc = "model catalog entry, or an inline model map (keys of `hwsim schema model`)"},
      {.name = "dtype",
       .kind = ValueKind::choice,
       .default_text = "bf16",
       .choices = dtype_names(),
       .doc = "number format of weights and arithmetic"},
      {.name = "min_throughput_tokens_per_s",
       .kind = ValueKind::number,
       .minimum = 0,
       .doc = "throughput target: each `count: fill` deployment gets the fewest nodes that reach it"},
  };
}

KeyDecl tensor_parallel_key() {
  return {.name = "tp",
          .kind = ValueKind::integer,
          .default_text = "1",
          .minimum = 1,
          .maximum = 65536,
          .doc = "tensor parallel"};
}
KeyDecl pipeline_parallel_key() {
  return {.name = "pp",
          .kind = ValueKind::integer,
          .default_text = "1",
          .minimum = 1,
          .maximum = 65536,
          .doc = "pipeline stages"};
}

// Expert parallelism, declared once for training and inference.
KeyDecl expert_parallel_key() {
  return {.name = "ep",
          .kind = ValueKind::integer,
          .default_text = "1",
          .minimum = 1,
          .maximum = 65536,
          .doc =
              "expert parallel: ranks over which each MoE layer's routed experts are split (training: within the "
              "dp x cp ranks, or with etp the tp x dp x cp ranks; inference: within a replica's tp ranks, ep dividing "
              "tp as TensorRT-LLM's moe_ep_size x moe_tp_size = tp_size)"};
}
KeyDecl expert_imbalance_key() {
  return {.name = "expert_imbalance",
          .kind = ValueKind::number,
          .default_text = "1",
          .minimum = 1,
          .doc =
              "mixture of experts with ep > 1: tokens the busiest expert-parallel rank receives over the "
              "mean (1 = balanced routing); its experts' work and all-to-all set each MoE layer's pace"};
}

const Schema& training_workload_schema() {
  static const Schema& parallelism = training_parallelism_schema();
  static const Schema s = [] {
    Schema w{"training workload", common_workload_keys()};
    w.keys.push_back({.name = "seq_len",
                      .kind = ValueKind::integer,
                      .minimum = 1,
                      .maximum = 16777216,
                      .doc = "sequence length (default: the model's max_seq)"});
    w.keys.push_back({.name = "global_batch",
                      .kind = ValueKind::integer,
                      .required = true,
                      .minimum = 1,
                      .maximum = 1073741824,
                      .doc = "sequences per optimizer step"});
    w.keys.push_back({.name = "micro_batch",
                      .kind = ValueKind::integer,
                      .default_text = "1",
                      .choices = {"auto"},
                      .minimum = 1,
                      .maximum = 1048576,
                      .doc = "sequences per micro-batch (auto: searched)"});
    w.keys.push_back({.name = "parallelism",
                      .kind = ValueKind::map,
                      .choices = {"auto"},
                      .child = &parallelism,
                      .doc = "how the model is split (auto: the fastest configuration that fits is searched)"});
    w.keys.push_back(switch_key("sequence_parallel", "Megatron sequence parallelism with TP"));
    w.keys.push_back({.name = "recompute",
                      .kind = ValueKind::choice,
                      .default_text = "none",
                      .choices = words_of(kRecomputeNames),
                      .doc = "activation recomputation: none, selective (Megatron-LM: attention scores), "
                             "selective-op (torchtitan's op-level checkpointing: every second matrix product and the "
                             "element-wise work), full (each layer's forward)"});
    w.keys.push_back(recompute_layers_key());
    w.keys.push_back(activation_offload_key());
    w.keys.push_back({.name = "train_tokens",
                      .kind = ValueKind::number,
                      .minimum = 0,
                      .doc = "tokens of the whole run (for time and cost to train)"});
    w.keys.push_back({.name = "train_time",
                      .kind = ValueKind::quantity,
                      .dimension = Dimension::seconds,
                      .doc = "deadline for train_tokens (`30 days`, `72 h`): a throughput target of train_tokens / "
                             "train_time; each `count: fill` deployment gets the fewest nodes that meet it"});
    w.keys.push_back({.name = "flash_attention",
                      .kind = ValueKind::boolean,
                      .default_text = "true",
                      .doc = "fused attention (no score matrices in memory); false for 2021-2022 Megatron-LM; off on "
                             "chips without fused-attention kernels (Volta)"});
    w.keys.push_back({.name = "stack",
                      .kind = ValueKind::choice,
                      .default_text = "megatron-core",
                      .choices = {"megatron-core", "pytorch", "deepspeed"},
                      .doc = "software stack: megatron-core (Megatron-LM, NeMo, Megatron-Bridge), pytorch (DDP/FSDP, "
                             "LLM Foundry, torchtitan), deepspeed; sets its attention kernels and the combinations a "
                             "search may propose"});
    w.keys.push_back({.name = "attention_kernel",
                      .kind = ValueKind::choice,
                      .choices = {"native", "flash2", "flash1"},
                      .doc =
                          "fused-attention kernel generation (default: the stack's, native for megatron-core, flash2 "
                          "otherwise): native (cuDNN, FlashAttention-3 on Hopper; FlashAttention-2 on Ampere), flash2 "
                          "(FlashAttention-2, SDPA and Triton kernels written for Ampere), flash1 (FlashAttention 1.x "
                          "and its 2022 Triton port: half flash2's rate)"});
    w.keys.push_back({.name = "dp_overlap",
                      .kind = ValueKind::boolean,
                      .default_text = "true",
                      .doc = "data-parallel reduction overlapped with the backward pass"});
    w.keys.push_back(
        switch_key("tp_overlap", "tensor-parallel collectives overlapped with GEMMs (Transformer Engine userbuffers)"));
    w.keys.push_back(switch_key("pp_overlap", "pipeline sends overlapped with compute"));
    w.keys.push_back(
        {.name = "grad_reduce_dtype",
         .kind = ValueKind::choice,
         .default_text = "fp32",
         .choices = {"fp32", "bf16"},
         .doc = "format of gradients in data-parallel reductions and of their buffer (Megatron main_grad)"});
    w.keys.push_back(
        {.name = "dropout",
         .kind = ValueKind::number,
         .default_text = "0",
         .minimum = 0,
         .doc = "dropout probability, below 1 of the recipe (0 for Llama-style recipes; Megatron-LM GPT 0.1): "
                "stored masks and extra element-wise passes"});
    w.keys.push_back(expert_imbalance_key());
    w.keys.push_back(moe_dispatcher_key());
    w.keys.push_back(moe_sync_free_key());
    w.keys.push_back(moe_fused_mlp_key());
    w.keys.push_back(fp8_params_key());
    w.keys.push_back(fp8_attention_key());
    w.keys.push_back(fp8_recipe_key());
    w.keys.push_back({.name = "cuda_graphs",
                      .kind = ValueKind::choice,
                      .default_text = "none",
                      .choices = {"none", "partial", "layers", "full_iteration"},
                      .doc = "what CUDA graphs capture: none, partial (parts of a layer: attn, mlp, router), layers "
                             "(every layer whole), full_iteration (the whole step); with layers or full_iteration "
                             "the per-step host time is the graphed stacks' (step_overhead_of); full_iteration with "
                             "moe_sync_free hides the MoE layers' host time"});
    w.keys.push_back(step_overhead_key());
    w.keys.push_back({.name = "lora_rank",
                      .kind = ValueKind::integer,
                      .minimum = 1,
                      .maximum = 65536,
                      .doc = "LoRA fine-tuning with adapters of this rank: the base weights are frozen (no gradients "
                             "or optimizer state), the adapters trained"});
    w.keys.push_back({.name = "lora_targets",
                      .kind = ValueKind::choice,
                      .default_text = "attention",
                      .choices = {"attention", "all"},
                      .doc = "the linear layers LoRA adapts: attention (QKV and output projections) or all (the "
                             "MLP's too)"});
    return w;
  }();
  return s;
}

const Schema& scenario_schema() {
  static const Schema s{"scenario",
                        {
                            {.name = "name", .kind = ValueKind::text, .required = true, .doc = "scenario name"},
                            {.name = "description", .kind = ValueKind::text, .doc = "one line for reports"},
                            {.name = "catalog",
                             .kind = ValueKind::any,
                             .doc = "list of catalog directories (relative to this file) and inline catalog entries"},
                            {.name = "facility",
                             .kind = ValueKind::any,
                             .doc = "facility catalog entry, or a map of facility keys (may start with `base:`)"},
                            {.name = "deployments",
                             .kind = ValueKind::list_of_maps,
                             .required = true,
                             .child = &deployment_schema(),
                             .doc = "hardware alternatives, each evaluated against the same facility"},
                            {.name = "workloads",
                             .kind = ValueKind::any,
                             .required = true,
                             .doc = "list of training and inference workloads"},
                            {.name = "expect",
                             .kind = ValueKind::list_of_maps,
                             .child = &expectation_schema(),
                             .doc = "capacity-plan expectations checked by `hwsim check`"},
                            {.name = "validation",
                             .kind = ValueKind::map,
                             .child = &validation_schema(),
                             .doc = "a published measurement this scenario reproduces (`hwsim validate`)"},
                        }};
  return s;
}

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
    if (const RawEntry* e = store.find(parts[1]))
      schema = e->kind == "model" ? &model_schema() : hardware_schema(e->kind);
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

}  // namespace hwsim
