#include "hwmodels/cpu.hpp"

#include <fmt/format.h>

#include "hwmodels/common_schema.hpp"

namespace hwsim {

const Schema& cpu_schema() {
  static const Schema clock{"cpu.clock",
                            {
                                {.name = "base",
                                 .kind = ValueKind::quantity,
                                 .dimension = Dimension::hertz,
                                 .required = true,
                                 .doc = "base clock; SIMD peaks use it"},
                                {.name = "boost",
                                 .kind = ValueKind::quantity,
                                 .dimension = Dimension::hertz,
                                 .doc = "single-core boost clock"},
                            }};
  static const Schema simd{"cpu.simd",
                           {
                               {.name = "isa", .kind = ValueKind::text, .doc = "NEON, SVE2, AVX2, AVX-512, ..."},
                               {.name = "vector_bits",
                                .kind = ValueKind::integer,
                                .required = true,
                                .minimum = 64,
                                .doc = "width of one SIMD unit"},
                               {.name = "fma_units",
                                .kind = ValueKind::integer,
                                .required = true,
                                .minimum = 1,
                                .doc = "FMA-capable SIMD units per core"},
                               {.name = "dtypes",
                                .kind = ValueKind::list_of_choices,
                                .required = true,
                                .choices = dtype_names(),
                                .doc = "element types the units compute"},
                           }};
  static const Schema caches{
      "cpu.caches",
      {
          {.name = "l1d", .kind = ValueKind::quantity, .dimension = Dimension::bytes, .doc = "L1 data cache per core"},
          {.name = "l2", .kind = ValueKind::quantity, .dimension = Dimension::bytes, .doc = "L2 per core"},
          {.name = "l3",
           .kind = ValueKind::quantity,
           .dimension = Dimension::bytes,
           .minimum = 0,
           .doc = "last-level cache, shared (0: none)"},
      }};
  static const Schema memory{"cpu.memory",
                             {
                                 {.name = "type", .kind = ValueKind::text, .doc = "DDR4-3200, DDR5-4800, ..."},
                                 {.name = "channels", .kind = ValueKind::integer, .minimum = 1, .doc = "channels"},
                                 {.name = "bandwidth",
                                  .kind = ValueKind::quantity,
                                  .dimension = Dimension::bytes_per_second,
                                  .required = true,
                                  .minimum = 0,
                                  .doc = "peak DRAM bandwidth of the socket"},
                                 {.name = "max_capacity",
                                  .kind = ValueKind::quantity,
                                  .dimension = Dimension::bytes,
                                  .doc = "largest supported DRAM"},
                             }};
  static const Schema pcie{"cpu.pcie",
                           {
                               {.name = "generation", .kind = ValueKind::integer, .minimum = 1, .doc = "generation"},
                               {.name = "lanes", .kind = ValueKind::integer, .minimum = 0, .doc = "lanes"},
                           }};
  static const Schema peaks = dtype_map_schema("cpu.datasheet_peak_flops", ValueKind::quantity,
                                               Dimension::flop_per_second, "peak as published");
  static const Schema cpu{
      "cpu",
      {
          entry_name_decl(),
          entry_kind_decl(),
          entry_base_decl(),
          {.name = "vendor", .kind = ValueKind::text, .doc = "manufacturer"},
          {.name = "architecture", .kind = ValueKind::text, .doc = "core micro-architecture"},
          {.name = "process", .kind = ValueKind::text, .doc = "fabrication process"},
          {.name = "cores", .kind = ValueKind::integer, .required = true, .minimum = 1, .doc = "cores per socket"},
          {.name = "threads_per_core",
           .kind = ValueKind::integer,
           .default_text = "1",
           .minimum = 1,
           .doc = "hardware threads per core"},
          {.name = "clock", .kind = ValueKind::map, .required = true, .child = &clock, .doc = "clocks"},
          {.name = "simd", .kind = ValueKind::map, .required = true, .child = &simd, .doc = "vector units"},
          {.name = "caches", .kind = ValueKind::map, .child = &caches, .doc = "caches"},
          {.name = "memory", .kind = ValueKind::map, .required = true, .child = &memory, .doc = "DRAM"},
          {.name = "pcie", .kind = ValueKind::map, .child = &pcie, .doc = "PCIe"},
          {.name = "power",
           .kind = ValueKind::map,
           .required = true,
           .child = &device_power_schema(),
           .doc = "socket power"},
          {.name = "price",
           .kind = ValueKind::quantity,
           .dimension = Dimension::usd,
           .minimum = 0,
           .doc = "unit price"},
          {.name = "datasheet_peak_flops",
           .kind = ValueKind::map,
           .child = &peaks,
           .doc = "published peaks, checked against the derived ones"},
      }};
  return cpu;
}

CpuSpec load_cpu(const Reader& r) {
  CpuSpec c;
  c.name = r.text("name");
  c.vendor = r.text("vendor");
  c.architecture = r.text("architecture");
  c.process = r.text("process");
  c.cores = static_cast<int>(r.integer("cores"));
  c.threads_per_core = static_cast<int>(r.integer("threads_per_core"));
  const Reader clock = r.child("clock");
  c.base_clock = Hertz(clock.quantity("base"));
  c.boost_clock = Hertz(clock.optional_quantity("boost").value_or(c.base_clock.value()));
  const Reader simd = r.child("simd");
  c.simd_isa = simd.text("isa");
  c.vector_bits = static_cast<int>(simd.integer("vector_bits"));
  c.fma_units = static_cast<int>(simd.integer("fma_units"));
  for (const auto& d : simd.strings("dtypes")) c.simd_dtypes.push_back(*dtype_from_name(d));
  const Reader caches = r.child("caches");
  c.l1d_per_core = Bytes(caches.optional_quantity("l1d").value_or(0));
  c.l2_per_core = Bytes(caches.optional_quantity("l2").value_or(0));
  c.l3 = Bytes(caches.optional_quantity("l3").value_or(0));
  const Reader memory = r.child("memory");
  c.memory_type = memory.text("type");
  c.memory_channels = static_cast<int>(memory.optional_integer("channels").value_or(0));
  c.memory_bandwidth = BytesPerSecond(memory.quantity("bandwidth"));
  if (auto cap = memory.optional_quantity("max_capacity")) c.memory_max_capacity = Bytes(*cap);
  const Reader pcie = r.child("pcie");
  c.pcie_generation = static_cast<int>(pcie.optional_integer("generation").value_or(0));
  c.pcie_lanes = static_cast<int>(pcie.optional_integer("lanes").value_or(0));
  const DevicePower power = load_device_power(r.child("power"));
  c.tdp = power.tdp;
  c.idle = power.idle;
  c.price = Usd(r.optional_quantity("price").value_or(0));
  const Reader sheet = r.child("datasheet_peak_flops");
  for (const auto& key : sheet.present_keys()) {
    c.datasheet_peak[*dtype_from_name(key)] = FlopPerSecond(sheet.quantity(key));
  }
  c.peaks = derive_cpu_peaks(c);
  return c;
}

std::vector<PeakDerivation> derive_cpu_peaks(const CpuSpec& c) {
  std::vector<PeakDerivation> out;
  for (DType d : c.simd_dtypes) {
    const double lanes = static_cast<double>(c.vector_bits) / dtype_storage_bits(d);
    const double per_cycle = lanes * c.fma_units * 2.0;
    out.push_back({d, FlopPerSecond(c.cores * per_cycle * c.base_clock.value()), "simd",
                   fmt::format("{} cores x {:g} lanes x {} FMA units x 2 x {}", c.cores, lanes, c.fma_units,
                               format_quantity(c.base_clock.value(), Dimension::hertz))});
  }
  return out;
}

std::optional<FlopPerSecond> CpuSpec::peak(DType d) const { return find_peak(peaks, d); }

}  // namespace hwsim
