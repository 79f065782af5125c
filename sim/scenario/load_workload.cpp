// Workloads of a scenario: the model they name (a catalog entry or an inline map), then the training or inference
// keys (sim/scenario/scenario_schema.cpp declares them).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/core/dtype.hpp"
#include "sim/scenario/load_parts.hpp"
#include "workloads/model.hpp"

namespace hwsim::scenario_load {

namespace {

[[noreturn]] void throw_unknown_model(const ConfigNode& name, const std::string& path, const EntryStore& store,
                                      bool list_known) {
  const std::vector<std::string> known = store.names_of_kind("model");
  const std::string near = closest_match(name.scalar, known);
  if (near.empty() && list_known) {
    throw InputError(Diagnostic{name.where, path,
                                fmt::format("unknown model '{}' (known: {})", name.scalar, fmt::join(known, ", "))});
  }
  throw InputError(Diagnostic{name.where, path,
                              fmt::format("unknown model '{}'{}", name.scalar,
                                          near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near))});
}

// A model catalog name, or an inline map (optionally with `base:` naming a catalog model).
ModelSpec load_model_ref(const ConfigNode& node, const std::string& path, const std::string& workload_name,
                         const EntryStore& store) {
  ConfigNode merged = node;
  if (node.is_scalar()) {
    const RawEntry* e = store.find(node.scalar);
    if (e == nullptr || e->kind != "model") throw_unknown_model(node, path, store, true);
    merged = e->node;
  } else if (node.is_map()) {
    if (const ConfigNode* base = node.find("base")) {
      const RawEntry* e = store.find(base->scalar);
      if (e == nullptr || e->kind != "model") throw_unknown_model(*base, path + ".base", store, false);
      merged = merge_config(e->node, node);
    }
    if (merged.find("name") == nullptr) merged.set("name", ConfigNode::make_scalar(workload_name, node.where));
  } else {
    throw InputError(Diagnostic{node.where, path, "expected a model name or an inline model map"});
  }
  const Schema& schema = node.is_scalar() ? model_schema() : inline_model_schema();
  Diagnostics local;
  validate(merged, schema, local, path);
  local.throw_if_any();
  return load_model(Reader(merged, schema, path));
}

DType dtype_of(const Reader& r, const std::string& key) { return *dtype_from_name(r.text(key)); }

// The layer and head split every pipeline and tensor-parallel degree must respect (the one rule, workloads/model.hpp,
// that the parallelism search applies too).
void check_split(const Reader& p, const ModelSpec& model, int tp, int pp) {
  if (auto e = parallelism_error(model, tp, pp)) bad(p, e->key, e->message);
}

// Expert tensor parallelism as Megatron-Core runs it (MoE parallel folding): a mixture of experts, an expert width the
// etp ranks split, at most tp (etp above tp is not modelled), and below tp sequence parallelism (Megatron-Core refuses
// expert and tensor parallelism without it: each rank dispatches its own sequence shard).
void check_expert_tp(const Reader& p, const ModelSpec& model, const TrainingConfig& t) {
  const int etp = t.parallelism.etp;
  if (!model.moe()) {
    bad(p, "etp", "expert tensor parallelism needs a mixture of experts (the model has no experts)");
  } else if (t.stack != Stack::megatron_core) {
    bad(p, "etp", "expert tensor parallelism is Megatron-Core's (stack: megatron-core)");
  } else if (etp > t.parallelism.tp) {
    bad(p, "etp",
        fmt::format("etp={} above tp={} is not modelled (valid: 1 to {})", etp, t.parallelism.tp, t.parallelism.tp));
  } else if (model.moe_ffn_hidden % etp != 0) {
    bad(p, "etp", fmt::format("an expert's width {} does not split evenly over etp={}", model.moe_ffn_hidden, etp));
  } else if (etp < t.parallelism.tp && !t.sequence_parallel) {
    bad(p, "etp",
        fmt::format("etp={} below tp={} needs sequence_parallel: true (each rank sends its sequence shard to the "
                    "experts)",
                    etp, t.parallelism.tp));
  }
}

// `activation_offload_layers` as Megatron-Core runs it: its TransformerConfig refuses CPU offloading with pipeline
// parallelism or activation recomputation, and fewer layers than the model's must stay.
void read_activation_offload(const Reader& w, const ModelSpec& model, WorkloadDecl& decl) {
  const auto layers = w.optional_integer("activation_offload_layers");
  if (!layers) return;
  TrainingConfig& t = decl.training;
  const auto refuse = [&](const std::string& why) { bad(w, "activation_offload_layers", why); };
  if (decl.search_parallelism) {
    refuse(
        "activation_offload_layers is for a fixed parallelism; parallelism: auto chooses it (valid: parallelism "
        "with tp and pp: 1)");
  } else if (t.parallelism.pp > 1) {
    refuse(fmt::format("Megatron-Core offloads activations without pipeline parallelism; pp is {} (valid: 1)",
                       t.parallelism.pp));
  } else if (t.recompute != Recompute::none) {
    refuse(fmt::format("Megatron-Core offloads activations without recompute; recompute is {} (valid: none)",
                       recompute_name(t.recompute)));
  } else if (t.stack != Stack::megatron_core) {
    refuse("activation offload is Megatron-Core's (stack: megatron-core)");
  } else if (*layers >= model.layers) {
    refuse(
        fmt::format("activation_offload_layers={} leaves none of the model's {} layers on the device (valid: 1 to "
                    "{})",
                    *layers, model.layers, model.layers - 1));
  }
  t.activation_offload_layers = static_cast<int>(*layers);
}

// The FP8 switches of a training workload: weights kept in FP8, the recipe's scaling, FP8 attention.
void read_fp8_options(const Reader& w, TrainingConfig& t) {
  t.fp8_params = w.boolean("fp8_params");
  if (t.fp8_params && t.dtype != DType::fp8)
    bad(w, "fp8_params",
        fmt::format("fp8_params keeps the weights in the 8-bit GEMM format; dtype is {} (valid: fp8)",
                    dtype_name(t.dtype)));
  t.fp8_recipe = named_in(kFp8RecipeNames, w.text("fp8_recipe"));
  if (w.has("fp8_recipe") && t.dtype != DType::fp8)
    bad(w, "fp8_recipe",
        fmt::format("fp8_recipe sets how FP8 GEMM inputs are scaled; dtype is {} (valid: fp8)", dtype_name(t.dtype)));
  t.fp8_attention = w.boolean("fp8_attention");
  if (t.fp8_attention && !quantized_gemms(t.dtype))
    bad(w, "fp8_attention",
        fmt::format("fp8_attention runs beside an FP8 or FP4 training recipe; dtype is {} (valid: fp8, fp4)",
                    dtype_name(t.dtype)));
  if (t.fp8_attention && (!t.flash_attention || attention_kernel_of(t) != AttentionKernel::native))
    bad(w, "fp8_attention",
        "fp8_attention runs the chip's own fused attention (cuDNN, through Transformer Engine): it needs "
        "flash_attention and the native attention_kernel (valid: native; the stack's default is native for "
        "megatron-core)");
}

void read_training(const Reader& w, const ModelSpec& model, DType dtype, WorkloadDecl& decl) {
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
  t.parallelism.etp = static_cast<int>(p.optional_integer("etp").value_or(0));
  t.parallelism.zero = std::stoi(p.text("zero"));
  decl.dp_auto = p.is_word("dp", "auto") || decl.search_parallelism;
  if (!decl.dp_auto) t.parallelism.dp = static_cast<int>(p.integer("dp"));
  t.sequence_parallel = w.boolean("sequence_parallel");
  t.recompute = recompute_named(w.text("recompute"));
  if (auto layers = w.optional_integer("recompute_layers")) {
    if (t.recompute != Recompute::full) {
      bad(w, "recompute_layers",
          fmt::format("recompute_layers counts the layers that recompute in full; recompute is {} (valid: full)",
                      recompute_name(t.recompute)));
    }
    if (decl.search_parallelism) {
      bad(w, "recompute_layers",
          "parallelism: auto chooses the recompute and its layers (every layer, or the fewest that fit); "
          "recompute_layers is for a fixed parallelism (valid: parallelism with tp and pp)");
    }
    if (w.text("stack") != "megatron-core") {
      bad(w, "recompute_layers",
          fmt::format("recompute_layers is Megatron-Core's block method; stack is {} (valid: megatron-core)",
                      w.text("stack")));
    }
    if (*layers > model.layers) {
      bad(w, "recompute_layers",
          fmt::format("recompute_layers={} is more than the model's {} layers (valid: 1 to {})", *layers, model.layers,
                      model.layers));
    }
    t.recompute_layers = static_cast<int>(*layers);
  }
  t.train_tokens = w.optional_number("train_tokens").value_or(0);
  t.flash_attention = w.boolean("flash_attention");
  const std::string stack = w.text("stack");
  t.stack = stack == "pytorch" ? Stack::pytorch : stack == "deepspeed" ? Stack::deepspeed : Stack::megatron_core;
  read_activation_offload(w, model, decl);
  if (w.has("attention_kernel")) {
    if (!t.flash_attention)
      bad(w, "attention_kernel", "attention_kernel names a fused kernel; flash_attention is false");
    const std::string kernel = w.text("attention_kernel");
    t.attention_kernel = kernel == "native"   ? AttentionKernel::native
                         : kernel == "flash1" ? AttentionKernel::flash1
                                              : AttentionKernel::ampere_class;
  }
  t.dp_overlap = w.boolean("dp_overlap");
  t.tp_overlap = w.boolean("tp_overlap");
  t.pp_overlap = w.boolean("pp_overlap");
  t.grad_reduce_dtype = dtype_of(w, "grad_reduce_dtype");
  t.dropout = w.number("dropout");
  t.expert_imbalance = w.number("expert_imbalance");
  const std::string dispatcher = w.text("moe_dispatcher");
  t.moe_dispatcher = dispatcher == "deepep"     ? MoeDispatcher::deepep
                     : dispatcher == "hybridep" ? MoeDispatcher::hybridep
                                                : MoeDispatcher::alltoall;
  t.moe_sync_free = w.boolean("moe_sync_free");
  t.moe_fused_mlp = w.boolean("moe_fused_mlp");
  if (w.has("moe_fused_mlp") && !model.moe())
    bad(w, "moe_fused_mlp", "moe_fused_mlp needs a mixture of experts (the model has no experts)");
  if (t.moe_fused_mlp && t.stack != Stack::megatron_core)
    bad(w, "moe_fused_mlp", "moe_fused_mlp is Megatron-Core's fused grouped MLP: it needs stack megatron-core");
  read_fp8_options(w, t);
  const std::string graphs = w.text("cuda_graphs");
  t.cuda_graphs = graphs == "partial"          ? CudaGraphs::partial
                  : graphs == "layers"         ? CudaGraphs::layers
                  : graphs == "full_iteration" ? CudaGraphs::full_iteration
                                               : CudaGraphs::none;
  if (auto overhead = w.optional_quantity("step_overhead")) t.step_overhead = Seconds(*overhead);
  t.lora_rank = static_cast<int>(w.optional_integer("lora_rank").value_or(0));
  t.lora_all_linears = w.text("lora_targets") == "all";
  if (w.has("lora_targets") && t.lora_rank == 0)
    bad(w, "lora_targets", "LoRA targets need lora_rank (LoRA fine-tuning)");
  if (t.dropout >= 1) bad(w, "dropout", fmt::format("dropout is a probability below 1, got {:g}", t.dropout));
  if (auto deadline = w.optional_quantity("train_time")) {
    if (t.train_tokens <= 0) bad(w, "train_time", "train_time is a deadline for train_tokens; give train_tokens too");
    if (*deadline <= 0) bad(w, "train_time", "train_time must be above zero");
    // The deadline is a throughput target; with min_throughput_tokens_per_s too, the higher of the two binds.
    const double needed = t.train_tokens / *deadline;
    decl.train_time = Seconds(*deadline);
    if (!decl.min_throughput_tokens_per_s || needed >= *decl.min_throughput_tokens_per_s) {
      decl.min_throughput_tokens_per_s = needed;
      decl.target_binding = "train_time";
    }
  }
  if (t.micro_batch > t.global_batch) bad(w, "micro_batch", "micro_batch cannot exceed global_batch");
  check_split(p, model, t.parallelism.tp, t.parallelism.pp);
  if (auto e = expert_parallelism_error(model, t.parallelism.ep)) bad(p, e->key, e->message);
  if (t.parallelism.etp > 0) check_expert_tp(p, model, t);
}

// `disaggregated` (sim/infer/inference.hpp evaluate_disaggregated): two pools, each split as a replica is, in place
// of parallelism and replicas, with continuous batching and without what the model does not pair with it.
void read_disaggregated(const Reader& w, const ModelSpec& model, InferenceConfig& c) {
  const Reader d = w.child("disaggregated");
  for (const char* key : {"parallelism", "replicas"}) {
    if (w.has(key)) bad(w, key, "with disaggregated each pool names its tp, pp, ep and replicas; leave it out");
  }
  if (w.has("requests")) bad(w, "requests", "an offline run of requests is not modelled with disaggregated");
  if (w.has("scheduler_steps")) {
    bad(w, "scheduler_steps",
        "multi-step scheduling is not modelled with disaggregated (its decode pool never prefills)");
  }
  if (!c.continuous) bad(w, "batching", "disaggregated serving decodes with continuous batching; leave batching out");
  if (c.output_tokens < 2) {
    bad(w, "output_tokens",
        "disaggregated needs output_tokens of 2 or more (the prefill pool produces the first token; with one there "
        "is nothing to decode)");
  }
  if (c.sla_percentile) {
    bad(w.child("sla"), "percentile",
        "Poisson arrivals are not modelled with disaggregated (its limits hold for the mean); leave percentile out");
  }
  Disaggregation pools;
  for (auto [key, pool] : {std::pair{"prefill", &pools.prefill}, std::pair{"decode", &pools.decode}}) {
    const Reader p = d.child(key);
    pool->tp = static_cast<int>(p.integer("tp"));
    pool->pp = static_cast<int>(p.integer("pp"));
    pool->ep = static_cast<int>(p.integer("ep"));
    pool->replicas = p.is_word("replicas", "auto") ? 0 : static_cast<int>(p.integer("replicas"));
    check_split(p, model, pool->tp, pool->pp);
    if (auto e = serving_expert_parallelism_error(model, pool->tp, pool->ep)) bad(p, e->key, e->message);
  }
  if (pools.prefill.replicas == 0 && pools.decode.replicas == 0) {
    bad(d.child("decode"), "replicas",
        "replicas: auto takes the devices the other pool leaves, so one pool at most may have it; give the other a "
        "number");
  }
  c.disaggregated = pools;
}

void read_inference(const Reader& w, const ModelSpec& model, DType dtype, WorkloadDecl& decl) {
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
    if (c.batch) bad(w, "max_batch", "max_batch limits batch: auto; with a fixed batch leave it out");
    c.max_batch = static_cast<int>(*n);
  }
  if (auto n = w.optional_integer("max_batch_tokens")) {
    if (c.batch) bad(w, "max_batch_tokens", "max_batch_tokens limits batch: auto; with a fixed batch leave it out");
    if (w.text("batching") != "continuous") {
      bad(w, "max_batch_tokens",
          "a token budget per iteration applies to batching: continuous (a static batch prefills all its prompts at "
          "once)");
    }
    c.max_batch_tokens = static_cast<int>(*n);
  }
  if (auto b = w.optional_number("bits_per_weight")) c.bits_per_weight = *b;
  c.quantize_experts_only = w.text("quantized") == "experts";
  if (c.quantize_experts_only && !model.moe()) {
    bad(w, "quantized",
        fmt::format("only the experts can be quantised in a mixture of experts; {} has none (use all)", model.name));
  }
  if (!w.is_word("replicas", "auto")) c.replicas = static_cast<int>(w.integer("replicas"));
  decl.search_parallelism = w.is_word("parallelism", "auto");
  if (decl.search_parallelism && c.replicas) {
    bad(w, "replicas", "with parallelism: auto the replicas follow from the devices; leave replicas out");
  }
  const Reader p = w.child("parallelism");
  if (!decl.search_parallelism) {
    c.tp = static_cast<int>(p.integer("tp"));
    c.pp = static_cast<int>(p.integer("pp"));
    c.ep = static_cast<int>(p.integer("ep"));
  }
  c.expert_imbalance = w.number("expert_imbalance");
  c.continuous = w.text("batching") == "continuous";
  if (auto n = w.optional_integer("threads")) c.threads = static_cast<int>(*n);
  c.kv_reads_per_query_head = w.text("kv_reads") == "per_query_head";
  const std::string engine = w.text("engine");  // one of the schema's choices, engine_name's words
  for (const Engine e : kEngines) {
    if (engine == engine_name(e)) c.engine = e;
  }
  c.scheduler_steps = static_cast<int>(w.integer("scheduler_steps"));
  if (auto v = w.optional_number("kv_cache_share")) {
    if (!c.continuous) {
      bad(w, "kv_cache_share",
          "a paged KV cache's share applies to batching: continuous (a static batch's cache is "
          "allocated for the batch)");
    }
    if (c.engine == Engine::llama_cpp) {
      bad(w, "kv_cache_share",
          "llama.cpp sizes its KV cache by its context (n_ctx); kv_cache_share applies to "
          "tensorrt-llm and vllm");
    }
    c.kv_cache_share = *v;
  }
  const Reader sla = w.child("sla");
  if (auto v = sla.optional_quantity("ttft")) c.sla_ttft = Seconds(*v);
  if (auto v = sla.optional_quantity("tpot")) c.sla_tpot = Seconds(*v);
  if (auto v = sla.optional_number("percentile")) {
    if (!c.continuous)
      bad(sla, "percentile", "Poisson arrivals need batching: continuous (static batches wait for a full batch)");
    c.sla_percentile = *v;
  }
  if (auto n = w.optional_integer("requests")) {
    if (!c.continuous) bad(w, "requests", "an offline run of requests is modelled with batching: continuous");
    if (c.sla_percentile) {
      bad(w, "requests", "requests queued at once contradict Poisson arrivals (sla.percentile); leave one out");
    }
    c.requests = static_cast<int>(*n);
  }
  if (w.has("disaggregated")) {
    read_disaggregated(w, model, c);
    return;
  }
  if (!decl.search_parallelism) {
    check_split(p, model, c.tp, c.pp);
    if (auto e = serving_expert_parallelism_error(model, c.tp, c.ep)) bad(p, e->key, e->message);
  }
}

}  // namespace

WorkloadDecl read_workload(const Reader& w, const ConfigNode& node, const EntryStore& store) {
  WorkloadDecl decl;
  decl.name = w.text("name");
  decl.where = w.where();
  const ModelSpec model = load_model_ref(*node.find("model"), w.path_of("model"), decl.name, store);
  if (model.mla() && w.text("kind") == "training" && w.has("lora_rank")) {
    // LoRA adapts the Q, K, V and output products of multi-head attention (sim/train training_memory
    // lora_parameters_per_layer); which of MLA's five products adapters go on is not modelled.
    bad(w, "lora_rank",
        "LoRA on a model with multi-head latent attention (kv_lora_rank) is not modelled (adapters are placed on "
        "multi-head attention's Q, K, V and output products); full training of the model is");
  }
  if (w.has("expert_imbalance") && !model.moe()) {
    bad(w, "expert_imbalance", "expert_imbalance needs a mixture of experts (the model has no experts)");
  }
  const DType dtype = dtype_of(w, "dtype");
  decl.min_throughput_tokens_per_s = w.optional_number("min_throughput_tokens_per_s");
  if (w.text("kind") == "training") {
    read_training(w, model, dtype, decl);
  } else {
    read_inference(w, model, dtype, decl);
  }
  return decl;
}

}  // namespace hwsim::scenario_load
