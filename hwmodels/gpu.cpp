#include "hwmodels/gpu.hpp"

#include <fmt/format.h>

#include "hwmodels/common_schema.hpp"

namespace hwsim {

namespace {

// The memory hierarchy's keys: L2 and device memory (HBM).
const Schema& gpu_memory_schema() {
  static const Schema l2{"gpu.memory.l2",
                         {
                             {.name = "capacity",
                              .kind = ValueKind::quantity,
                              .dimension = Dimension::bytes,
                              .required = true,
                              .doc = "L2 cache size"},
                             {.name = "bandwidth",
                              .kind = ValueKind::quantity,
                              .dimension = Dimension::bytes_per_second,
                              .doc = "L2 bandwidth"},
                         }};
  static const Schema hbm{"gpu.memory.hbm",
                          {
                              {.name = "type", .kind = ValueKind::text, .doc = "HBM2, HBM2e, HBM3, HBM3e"},
                              {.name = "capacity",
                               .kind = ValueKind::quantity,
                               .dimension = Dimension::bytes,
                               .required = true,
                               .doc = "usable device memory (binary, as the driver reports)"},
                              {.name = "bandwidth",
                               .kind = ValueKind::quantity,
                               .dimension = Dimension::bytes_per_second,
                               .required = true,
                               .doc = "device memory bandwidth"},
                              {.name = "stream_efficiency",
                               .kind = ValueKind::number,
                               .minimum = 0.05,
                               .maximum = 1,
                               .doc = "share of `bandwidth` a streaming kernel measures (the plateau memory-bound "
                                      "kernels reach); absent: 0.88"},
                              {.name = "stacks", .kind = ValueKind::integer, .minimum = 0, .doc = "HBM stacks"},
                          }};
  static const Schema memory{
      "gpu.memory",
      {
          {.name = "l2", .kind = ValueKind::map, .child = &l2, .doc = "L2 cache"},
          {.name = "hbm", .kind = ValueKind::map, .required = true, .child = &hbm, .doc = "device memory"},
      }};
  return memory;
}

}  // namespace

const Schema& gpu_schema() {
  static const Schema clock{
      "gpu.clock",
      {
          {.name = "base", .kind = ValueKind::quantity, .dimension = Dimension::hertz, .doc = "base clock"},
          {.name = "boost",
           .kind = ValueKind::quantity,
           .dimension = Dimension::hertz,
           .required = true,
           .doc = "boost clock; SIMT (fp32/fp64 lane) peaks use it"},
          {.name = "tensor",
           .kind = ValueKind::quantity,
           .dimension = Dimension::hertz,
           .required = true,
           .doc = "clock the vendor's tensor peaks imply"},
          {.name = "tensor_fp64",
           .kind = ValueKind::quantity,
           .dimension = Dimension::hertz,
           .doc = "clock of FP64 tensor ops when it differs (default: tensor)"},
      }};
  static const Schema tensor_rates = dtype_map_schema("gpu.sm.tensor_flops_per_clock", ValueKind::number,
                                                      Dimension::dimensionless, "dense FLOP per tensor core per clock");
  static const Schema sm{"gpu.sm",
                         {
                             {.name = "count",
                              .kind = ValueKind::integer,
                              .required = true,
                              .minimum = 1,
                              .doc = "streaming multiprocessors enabled"},
                             {.name = "tensor_cores",
                              .kind = ValueKind::integer,
                              .required = true,
                              .minimum = 0,
                              .doc = "tensor cores per SM"},
                             {.name = "fp32_lanes",
                              .kind = ValueKind::integer,
                              .required = true,
                              .minimum = 0,
                              .doc = "FP32 lanes per SM"},
                             {.name = "fp64_lanes",
                              .kind = ValueKind::integer,
                              .default_text = "0",
                              .minimum = 0,
                              .doc = "FP64 lanes per SM"},
                             {.name = "tensor_flops_per_clock",
                              .kind = ValueKind::map,
                              .child = &tensor_rates,
                              .doc = "per dtype: dense FLOP (or OP) per tensor core per clock"},
                         }};
  static const Schema peaks = dtype_map_schema("gpu.datasheet_peak_flops", ValueKind::quantity,
                                               Dimension::flop_per_second, "dense peak as printed by the vendor");
  static const Schema links{
      "gpu.links",
      {
          {.name = "nvlink", .kind = ValueKind::map, .child = &link_schema(), .doc = "NVLink (absent: none)"},
          {.name = "pcie", .kind = ValueKind::map, .child = &link_schema(), .doc = "host PCIe link"},
          {.name = "c2c",
           .kind = ValueKind::map,
           .child = &link_schema(),
           .doc = "NVLink-C2C to the host CPU (Grace superchips), this GPU's share: its host link in place of PCIe"},
      }};
  static const Schema gpu{
      "gpu",
      {
          entry_name_decl(),
          entry_kind_decl(),
          entry_base_decl(),
          {.name = "vendor", .kind = ValueKind::text, .doc = "manufacturer"},
          {.name = "architecture", .kind = ValueKind::text, .doc = "architecture and die"},
          {.name = "form_factor", .kind = ValueKind::text, .doc = "SXM, PCIe, ..."},
          {.name = "tensor_core_generation",
           .kind = ValueKind::choice,
           .default_text = "ampere",
           .choices = {"volta", "ampere", "ada", "hopper", "blackwell", "blackwell-ultra", "cdna3", "cdna4"},
           .doc = "tensor-core generation: which kernels the chip runs (fused attention needs ampere or later; "
                  "hopper and blackwell reach their full rate only with asynchronous warpgroup instructions; ada runs "
                  "ampere's kernels; blackwell-ultra runs blackwell's, with twice its exponential rate for attention's "
                  "softmax; cdna3 is AMD's MI300-series matrix cores, with their own GEMM ceilings; cdna4 the "
                  "MI350-series ones, with the MI355X's measured BF16, FP8 and MXFP4 matmul rates)"},
          {.name = "process", .kind = ValueKind::text, .doc = "fabrication process"},
          {.name = "die_area", .kind = ValueKind::quantity, .dimension = Dimension::area_m2, .doc = "die area"},
          {.name = "transistors", .kind = ValueKind::number, .doc = "transistor count"},
          {.name = "clock", .kind = ValueKind::map, .required = true, .child = &clock, .doc = "clocks"},
          {.name = "sm", .kind = ValueKind::map, .required = true, .child = &sm, .doc = "streaming multiprocessors"},
          {.name = "sparsity_speedup",
           .kind = ValueKind::number,
           .default_text = "1",
           .minimum = 1,
           .doc = "tensor speed-up with 2:4 structured sparsity"},
          {.name = "datasheet_peak_flops",
           .kind = ValueKind::map,
           .child = &peaks,
           .doc = "vendor's dense peaks, checked against the derived ones"},
          {.name = "memory",
           .kind = ValueKind::map,
           .required = true,
           .child = &gpu_memory_schema(),
           .doc = "caches and device memory"},
          {.name = "links", .kind = ValueKind::map, .child = &links, .doc = "NVLink and PCIe"},
          {.name = "power",
           .kind = ValueKind::map,
           .required = true,
           .child = &device_power_schema(),
           .doc = "board power"},
          {.name = "price",
           .kind = ValueKind::quantity,
           .dimension = Dimension::usd,
           .minimum = 0,
           .doc = "unit price"},
      }};
  return gpu;
}

GpuSpec load_gpu(const Reader& r) {
  GpuSpec g;
  g.name = r.text("name");
  g.vendor = r.text("vendor");
  g.architecture = r.text("architecture");
  g.form_factor = r.text("form_factor");
  const std::string generation = r.text("tensor_core_generation");
  g.tensor_core_generation = generation == "volta"             ? TensorCoreGeneration::volta
                             : generation == "ada"             ? TensorCoreGeneration::ada
                             : generation == "hopper"          ? TensorCoreGeneration::hopper
                             : generation == "blackwell"       ? TensorCoreGeneration::blackwell
                             : generation == "blackwell-ultra" ? TensorCoreGeneration::blackwell_ultra
                             : generation == "cdna3"           ? TensorCoreGeneration::cdna3
                             : generation == "cdna4"           ? TensorCoreGeneration::cdna4
                                                               : TensorCoreGeneration::ampere;
  g.process = r.text("process");
  g.die_area_m2 = r.optional_quantity("die_area");
  g.transistors = r.optional_number("transistors");

  const Reader clock = r.child("clock");
  g.boost_clock = Hertz(clock.quantity("boost"));
  g.base_clock = Hertz(clock.optional_quantity("base").value_or(g.boost_clock.value()));
  g.tensor_clock = Hertz(clock.quantity("tensor"));
  g.tensor_fp64_clock = Hertz(clock.optional_quantity("tensor_fp64").value_or(g.tensor_clock.value()));

  const Reader sm = r.child("sm");
  g.sm_count = static_cast<int>(sm.integer("count"));
  g.tensor_cores_per_sm = static_cast<int>(sm.integer("tensor_cores"));
  g.fp32_lanes_per_sm = static_cast<int>(sm.integer("fp32_lanes"));
  g.fp64_lanes_per_sm = static_cast<int>(sm.integer("fp64_lanes"));
  const Reader rates = sm.child("tensor_flops_per_clock");
  for (const auto& key : rates.present_keys()) g.tensor_flops_per_clock[*dtype_from_name(key)] = rates.number(key);
  g.sparsity_speedup = r.number("sparsity_speedup");
  const Reader sheet = r.child("datasheet_peak_flops");
  for (const auto& key : sheet.present_keys()) {
    g.datasheet_peak[*dtype_from_name(key)] = FlopPerSecond(sheet.quantity(key));
  }

  const Reader memory = r.child("memory");
  const Reader l2 = memory.child("l2");
  g.l2_capacity = Bytes(l2.optional_quantity("capacity").value_or(0));
  if (auto bw = l2.optional_quantity("bandwidth")) g.l2_bandwidth = BytesPerSecond(*bw);
  const Reader hbm = memory.child("hbm");
  g.hbm_type = hbm.text("type");
  g.hbm_capacity = Bytes(hbm.quantity("capacity"));
  g.hbm_bandwidth = BytesPerSecond(hbm.quantity("bandwidth"));
  g.hbm_stacks = static_cast<int>(hbm.optional_integer("stacks").value_or(0));
  if (auto share = hbm.optional_number("stream_efficiency")) g.hbm_stream_efficiency = *share;

  const Reader links = r.child("links");
  if (links.has("nvlink")) {
    const LinkSpec nv = load_link(links.child("nvlink"));
    g.nvlink_generation = nv.generation;
    g.nvlink_links = nv.links;
    g.nvlink_bandwidth_per_direction = nv.bandwidth_per_direction;
  }
  if (links.has("pcie")) {
    const LinkSpec pcie = load_link(links.child("pcie"));
    g.pcie_generation = pcie.generation;
    g.pcie_lanes = pcie.lanes;
    g.pcie_bandwidth_per_direction = pcie.bandwidth_per_direction;
  }
  if (links.has("c2c")) g.c2c_bandwidth_per_direction = load_link(links.child("c2c")).bandwidth_per_direction;
  const DevicePower power = load_device_power(r.child("power"));
  g.tdp = power.tdp;
  g.idle = power.idle;
  g.price = Usd(r.optional_quantity("price").value_or(0));
  g.peaks = derive_gpu_peaks(g);
  return g;
}

std::vector<PeakDerivation> derive_gpu_peaks(const GpuSpec& g) {
  std::map<DType, PeakDerivation> best;
  const auto offer = [&](PeakDerivation p) {
    auto it = best.find(p.dtype);
    if (it == best.end() || p.peak > it->second.peak) best[p.dtype] = std::move(p);
  };
  const int tensor_cores = g.sm_count * g.tensor_cores_per_sm;
  for (const auto& [dtype, per_clock] : g.tensor_flops_per_clock) {
    const Hertz clock = dtype == DType::fp64 ? g.tensor_fp64_clock : g.tensor_clock;
    offer({dtype, FlopPerSecond(tensor_cores * per_clock * clock.value()), "tensor",
           fmt::format("{} SM x {} TC x {:g} FLOP/clk x {}", g.sm_count, g.tensor_cores_per_sm, per_clock,
                       format_quantity(clock.value(), Dimension::hertz))});
  }
  const auto simt = [&](DType dtype, int lanes) {
    if (lanes <= 0) return;
    offer({dtype, FlopPerSecond(2.0 * g.sm_count * lanes * g.boost_clock.value()), "simt",
           fmt::format("{} SM x {} lanes x 2 FLOP (FMA) x {}", g.sm_count, lanes,
                       format_quantity(g.boost_clock.value(), Dimension::hertz))});
  };
  simt(DType::fp32, g.fp32_lanes_per_sm);
  simt(DType::fp64, g.fp64_lanes_per_sm);
  std::vector<PeakDerivation> out;
  for (auto& [d, p] : best) out.push_back(std::move(p));
  return out;
}

std::optional<FlopPerSecond> find_peak(const std::vector<PeakDerivation>& peaks, DType d) {
  for (const auto& p : peaks) {
    if (p.dtype == d) return p.peak;
  }
  return std::nullopt;
}

std::optional<FlopPerSecond> GpuSpec::peak(DType d) const { return find_peak(peaks, d); }

}  // namespace hwsim
