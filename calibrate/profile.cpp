#include "calibrate/profile.hpp"

#include <fmt/format.h>

#include "sim/core/catalog_paths.hpp"
#include "sim/core/config_node.hpp"
#include "sim/core/dtype.hpp"
#include "sim/core/errors.hpp"
#include "sim/core/units.hpp"

namespace hwsim::calib {

namespace {

std::string q(double si, Dimension dim) { return format_quantity(si, dim, 4); }

// A YAML double-quoted scalar.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

Schema make_curve_schema(const std::string& name, Dimension rate, Dimension size) {
  return {name,
          {
              {.name = "plateau",
               .kind = ValueKind::quantity,
               .dimension = rate,
               .required = true,
               .minimum = 0,
               .doc = "rate approached by large operations"},
              {.name = "half",
               .kind = ValueKind::quantity,
               .dimension = size,
               .required = true,
               .minimum = 0,
               .doc = "operation size reaching half the plateau; rate(x) = plateau x / (x + half)"},
          }};
}

const Schema& flop_curve_schema() {
  static const Schema s = make_curve_schema("profile.gemm.curve", Dimension::flop_per_second, Dimension::flop);
  return s;
}

const Schema& byte_curve_schema() {
  static const Schema s = make_curve_schema("profile.memory.curve", Dimension::bytes_per_second, Dimension::bytes);
  return s;
}

const Schema& gemm_dtype_schema() {
  static const Schema s{"profile.gemm.dtype",
                        {
                            {.name = "peak_achieved",
                             .kind = ValueKind::quantity,
                             .dimension = Dimension::flop_per_second,
                             .minimum = 0,
                             .doc = "best single run over the shapes (the curve is fitted on medians)"},
                            {.name = "curve",
                             .kind = ValueKind::map,
                             .child = &flop_curve_schema(),
                             .doc = "fitted rate versus operation size in FLOP (2 m n k)"},
                            {.name = "fit_error",
                             .kind = ValueKind::number,
                             .minimum = 0,
                             .doc = "root-mean-square relative error of the curve's times over the measured shapes"},
                            {.name = "points", .kind = ValueKind::integer, .minimum = 0, .doc = "shapes measured"},
                            {.name = "skipped", .kind = ValueKind::text, .doc = "not measured on this device, and why"},
                        }};
  return s;
}

const Schema& gemm_schema() {
  static const Schema s = [] {
    Schema g{"profile.gemm", {}};
    for (const auto& d : dtype_names()) {
      g.keys.push_back({.name = d, .kind = ValueKind::map, .child = &gemm_dtype_schema(), .doc = "GEMM in " + d});
    }
    return g;
  }();
  return s;
}

const Schema& memory_schema() {
  static const Schema s{
      "profile.memory",
      {
          {.name = "bandwidth",
           .kind = ValueKind::quantity,
           .dimension = Dimension::bytes_per_second,
           .required = true,
           .minimum = 0,
           .doc = "achieved device-memory (GPU) or DRAM (CPU) bandwidth, bytes read + written, best run"},
          {.name = "curve",
           .kind = ValueKind::map,
           .child = &byte_curve_schema(),
           .doc = "fitted bandwidth versus bytes moved by one operation"},
          {.name = "kernel", .kind = ValueKind::text, .doc = "kernel the curve was fitted on (copy, triad)"},
          {.name = "l2_bandwidth",
           .kind = ValueKind::quantity,
           .dimension = Dimension::bytes_per_second,
           .minimum = 0,
           .doc = "achieved L2 bandwidth with an L2-resident working set (GPUs)"},
      }};
  return s;
}

const Schema& power_schema() {
  static const Schema s{"profile.power",
                        {
                            {.name = "idle",
                             .kind = ValueKind::quantity,
                             .dimension = Dimension::watts,
                             .minimum = 0,
                             .doc = "power with no work"},
                            {.name = "loaded",
                             .kind = ValueKind::quantity,
                             .dimension = Dimension::watts,
                             .minimum = 0,
                             .doc = "highest average power over a load window (GEMM or stream)"},
                            {.name = "energy_per_flop",
                             .kind = ValueKind::quantity,
                             .dimension = Dimension::joules,
                             .minimum = 0,
                             .doc = "dynamic energy of one FLOP (least squares on the load windows)"},
                            {.name = "energy_per_byte",
                             .kind = ValueKind::quantity,
                             .dimension = Dimension::joules,
                             .minimum = 0,
                             .doc = "dynamic energy of one byte of device-memory traffic"},
                            {.name = "source", .kind = ValueKind::text, .doc = "the counter read (NVML energy, RAPL)"},
                            {.name = "unavailable", .kind = ValueKind::text, .doc = "why no power was measured"},
                        }};
  return s;
}

const Schema& device_schema() {
  static const Schema s{
      "profile.device",
      {
          {.name = "kind",
           .kind = ValueKind::choice,
           .required = true,
           .choices = {"gpu", "cpu"},
           .doc = "what was measured"},
          {.name = "name",
           .kind = ValueKind::text,
           .required = true,
           .doc = "as the driver or /proc/cpuinfo reports it"},
          {.name = "driver", .kind = ValueKind::text, .doc = "driver version"},
          {.name = "cuda", .kind = ValueKind::text, .doc = "CUDA runtime version"},
          {.name = "date", .kind = ValueKind::text, .required = true, .doc = "measurement date (YYYY-MM-DD)"},
          {.name = "host", .kind = ValueKind::text, .doc = "machine the measurements ran on"},
          {.name = "compute_capability", .kind = ValueKind::text, .doc = "CUDA compute capability"},
          {.name = "threads", .kind = ValueKind::integer, .minimum = 0, .doc = "CPU threads used"},
          {.name = "note", .kind = ValueKind::text, .doc = "anything a reader should know"},
      }};
  return s;
}

const Schema& raw_entry_schema() {
  static const Schema s{
      "profile.raw",
      {
          {.name = "kernel", .kind = ValueKind::text, .required = true, .doc = "what ran (gemm, copy, triad, ...)"},
          {.name = "dtype", .kind = ValueKind::text, .doc = "data type (GEMM)"},
          {.name = "shape", .kind = ValueKind::text, .doc = "m x n x k (GEMM)"},
          {.name = "work",
           .kind = ValueKind::quantity,
           .dimension = Dimension::flop,
           .minimum = 0,
           .doc = "FLOP per run"},
          {.name = "bytes",
           .kind = ValueKind::quantity,
           .dimension = Dimension::bytes,
           .minimum = 0,
           .doc = "bytes moved per run"},
          {.name = "time",
           .kind = ValueKind::quantity,
           .dimension = Dimension::seconds,
           .minimum = 0,
           .doc = "median time per run"},
          {.name = "time_min",
           .kind = ValueKind::quantity,
           .dimension = Dimension::seconds,
           .minimum = 0,
           .doc = "fastest run"},
          {.name = "time_max",
           .kind = ValueKind::quantity,
           .dimension = Dimension::seconds,
           .minimum = 0,
           .doc = "slowest run"},
          {.name = "repetitions", .kind = ValueKind::integer, .minimum = 0, .doc = "timed runs"},
          {.name = "flop_rate",
           .kind = ValueKind::quantity,
           .dimension = Dimension::flop_per_second,
           .minimum = 0,
           .doc = "work / median time"},
          {.name = "byte_rate",
           .kind = ValueKind::quantity,
           .dimension = Dimension::bytes_per_second,
           .minimum = 0,
           .doc = "bytes / median time"},
          {.name = "duration",
           .kind = ValueKind::quantity,
           .dimension = Dimension::seconds,
           .minimum = 0,
           .doc = "power window length"},
          {.name = "energy",
           .kind = ValueKind::quantity,
           .dimension = Dimension::joules,
           .minimum = 0,
           .doc = "energy used in the window"},
          {.name = "power",
           .kind = ValueKind::quantity,
           .dimension = Dimension::watts,
           .minimum = 0,
           .doc = "average power in the window"},
          {.name = "sm_clock",
           .kind = ValueKind::quantity,
           .dimension = Dimension::hertz,
           .minimum = 0,
           .doc = "SM clock at the end of the window"},
          {.name = "memory_clock",
           .kind = ValueKind::quantity,
           .dimension = Dimension::hertz,
           .minimum = 0,
           .doc = "memory clock at the end of the window"},
          {.name = "note", .kind = ValueKind::text, .doc = "algorithm, skip reason, ..."},
      }};
  return s;
}

std::string timing_fields(const Timing& t) {
  return fmt::format("time: {}, time_min: {}, time_max: {}, repetitions: {}", q(t.median_s, Dimension::seconds),
                     q(t.min_s, Dimension::seconds), q(t.max_s, Dimension::seconds), t.repetitions);
}

void write_raw(std::string& y, const RawMeasurements& raw) {
  y += "raw:   # every measurement, median of the timed repetitions after warm-up\n";
  for (const auto& g : raw.gemm) {
    y += fmt::format("  - {{kernel: gemm, dtype: {}, shape: \"{:g} x {:g} x {:g}\", work: {}, {}, flop_rate: {}{}}}\n",
                     g.dtype, g.m, g.n, g.k, q(g.flop(), Dimension::flop), timing_fields(g.time),
                     q(g.flop() / g.time.median_s, Dimension::flop_per_second),
                     g.note.empty() ? "" : ", note: " + quoted(g.note));
  }
  for (const auto& [prefix, list] : {std::pair{"", &raw.memory}, std::pair{"l2-", &raw.l2},
                                     std::pair{"pcie-", &raw.pcie}, std::pair{"p2p-", &raw.p2p}}) {
    for (const auto& s : *list) {
      y += fmt::format("  - {{kernel: {}, bytes: {}, {}, byte_rate: {}}}\n", quoted(prefix + s.kernel),
                       q(s.bytes, Dimension::bytes), timing_fields(s.time),
                       q(s.bytes / s.time.median_s, Dimension::bytes_per_second));
    }
  }
  if (raw.launch) y += fmt::format("  - {{kernel: launch, {}}}\n", timing_fields(*raw.launch));
  for (const auto& p : raw.power) {
    y += fmt::format("  - {{kernel: {}, duration: {}, energy: {}, power: {}, work: {}, bytes: {}",
                     quoted("power-" + p.phase), q(p.seconds, Dimension::seconds), q(p.energy_j, Dimension::joules),
                     q(p.watts(), Dimension::watts), q(p.flop, Dimension::flop), q(p.bytes, Dimension::bytes));
    if (p.sm_clock_hz > 0) y += ", sm_clock: " + q(p.sm_clock_hz, Dimension::hertz);
    if (p.memory_clock_hz > 0) y += ", memory_clock: " + q(p.memory_clock_hz, Dimension::hertz);
    y += "}\n";
  }
  for (const auto& s : raw.skipped) {
    y += fmt::format("  - {{kernel: {}, note: {}}}\n", quoted("skipped " + s.what), quoted(s.reason));
  }
}

GemmFit read_gemm(const Reader& r, const std::string& dtype, Diagnostics& diags) {
  GemmFit g{.dtype = dtype};
  g.skipped = r.text("skipped");
  if (!g.skipped.empty()) return g;
  if (!r.has("peak_achieved") || !r.has("curve")) {
    diags.add(r.where(), r.path(), "expected peak_achieved and curve (or skipped: REASON)");
    return g;
  }
  g.peak_achieved = r.quantity("peak_achieved");
  const Reader c = r.child("curve");
  g.curve = {c.quantity("plateau"), c.quantity("half")};
  if (!(g.curve.plateau > 0)) diags.add(c.where("plateau"), c.path_of("plateau"), "expected a positive rate");
  g.fit_error = r.optional_number("fit_error").value_or(0);
  g.points = static_cast<int>(r.optional_integer("points").value_or(0));
  return g;
}

}  // namespace

const Schema& profile_schema() {
  static const Schema s{
      "profile",
      {
          {.name = "name",
           .kind = ValueKind::text,
           .required = true,
           .doc = "profile name (= file name without .yaml); results name it in `calibration`"},
          {.name = "catalog",
           .kind = ValueKind::text,
           .doc = "catalog entry the profile applies to (absent: the chip has no catalog entry)"},
          {.name = "device",
           .kind = ValueKind::map,
           .required = true,
           .child = &device_schema(),
           .doc = "what was measured, where and when"},
          {.name = "gemm", .kind = ValueKind::map, .child = &gemm_schema(), .doc = "dense GEMM per dtype"},
          {.name = "memory", .kind = ValueKind::map, .child = &memory_schema(), .doc = "memory bandwidth"},
          {.name = "launch_overhead",
           .kind = ValueKind::quantity,
           .dimension = Dimension::seconds,
           .minimum = 0,
           .doc = "empty kernel launch to completion (GPU) or parallel-region fork/join (CPU)"},
          {.name = "power", .kind = ValueKind::map, .child = &power_schema(), .doc = "NVML or RAPL power"},
          {.name = "raw",
           .kind = ValueKind::list_of_maps,
           .child = &raw_entry_schema(),
           .doc = "every measurement, with units"},
      }};
  return s;
}

const GemmFit* Profile::gemm_of(const std::string& dtype) const {
  for (const auto& g : gemm) {
    if (g.dtype == dtype && g.skipped.empty()) return &g;
  }
  return nullptr;
}

std::string profile_to_yaml(const Profile& p, const RawMeasurements& raw) {
  std::string y = fmt::format(
      "# Calibration profile written by `hwsim calibrate` (calibrate/README.md explains each "
      "section).\nname: {}\n",
      p.name);
  if (!p.catalog.empty()) y += fmt::format("catalog: {}\n", p.catalog);
  const ProfileDevice& d = p.device;
  y += fmt::format("device:\n  kind: {}\n  name: {}\n", d.kind, quoted(d.name));
  for (const auto& [key, value] :
       {std::pair{"driver", &d.driver}, std::pair{"cuda", &d.cuda}, std::pair{"date", &d.date},
        std::pair{"host", &d.host}, std::pair{"compute_capability", &d.compute_capability}}) {
    if (!value->empty()) y += fmt::format("  {}: {}\n", key, quoted(*value));
  }
  if (d.threads > 0) y += fmt::format("  threads: {}\n", d.threads);
  if (!d.note.empty()) y += fmt::format("  note: {}\n", quoted(d.note));
  if (!p.gemm.empty()) y += "gemm:   # rate(work) = plateau x work / (work + half), work = 2 m n k\n";
  for (const auto& g : p.gemm) {
    if (!g.skipped.empty()) {
      y += fmt::format("  {}: {{skipped: {}}}\n", g.dtype, quoted(g.skipped));
      continue;
    }
    y += fmt::format(
        "  {}:\n    peak_achieved: {}\n    curve: {{plateau: {}, half: {}}}\n    fit_error: {:.3f}\n"
        "    points: {}\n",
        g.dtype, q(g.peak_achieved, Dimension::flop_per_second), q(g.curve.plateau, Dimension::flop_per_second),
        q(g.curve.half, Dimension::flop), g.fit_error, g.points);
  }
  if (p.memory) {
    const MemoryFit& m = *p.memory;
    y += fmt::format("memory:\n  bandwidth: {}\n", q(m.bandwidth, Dimension::bytes_per_second));
    if (m.curve) {
      y += fmt::format("  curve: {{plateau: {}, half: {}}}\n  kernel: {}\n",
                       q(m.curve->plateau, Dimension::bytes_per_second), q(m.curve->half, Dimension::bytes), m.kernel);
    }
    if (m.l2_bandwidth) y += fmt::format("  l2_bandwidth: {}\n", q(*m.l2_bandwidth, Dimension::bytes_per_second));
  }
  if (p.launch_overhead_s) y += fmt::format("launch_overhead: {}\n", q(*p.launch_overhead_s, Dimension::seconds));
  const PowerFit& w = p.power;
  y += "power:\n";
  if (!w.unavailable.empty()) y += fmt::format("  unavailable: {}\n", quoted(w.unavailable));
  if (w.idle_w) y += fmt::format("  idle: {}\n", q(*w.idle_w, Dimension::watts));
  if (w.loaded_w) y += fmt::format("  loaded: {}\n", q(*w.loaded_w, Dimension::watts));
  if (w.energy_per_flop_j) y += fmt::format("  energy_per_flop: {:.4g} J\n", *w.energy_per_flop_j);
  if (w.energy_per_byte_j) y += fmt::format("  energy_per_byte: {:.4g} J\n", *w.energy_per_byte_j);
  write_raw(y, raw);
  return y;
}

Profile load_profile(const std::filesystem::path& file) {
  const ConfigNode root = load_yaml_file(file, file.string());
  Diagnostics diags;
  validate(root, profile_schema(), diags);
  diags.throw_if_any();
  const Reader r(root, profile_schema());
  Profile p{.name = r.text("name"), .catalog = r.text("catalog"), .file = file.string()};
  p.catalog_where = r.where("catalog");
  const Reader d = r.child("device");
  p.device = {d.text("kind"),
              d.text("name"),
              d.text("driver"),
              d.text("cuda"),
              d.text("date"),
              d.text("host"),
              d.text("compute_capability"),
              static_cast<int>(d.optional_integer("threads").value_or(0)),
              d.text("note")};
  const Reader g = r.child("gemm");
  for (const auto& dtype : g.present_keys()) p.gemm.push_back(read_gemm(g.child(dtype), dtype, diags));
  if (r.has("memory")) {
    const Reader m = r.child("memory");
    MemoryFit fit{.bandwidth = m.quantity("bandwidth"),
                  .kernel = m.text("kernel"),
                  .l2_bandwidth = m.optional_quantity("l2_bandwidth")};
    if (!(fit.bandwidth > 0)) diags.add(m.where("bandwidth"), m.path_of("bandwidth"), "expected a positive bandwidth");
    if (m.has("curve")) {
      const Reader c = m.child("curve");
      fit.curve = RateCurve{c.quantity("plateau"), c.quantity("half")};
      if (!(fit.curve->plateau > 0)) diags.add(c.where("plateau"), c.path_of("plateau"), "expected a positive rate");
    }
    p.memory = fit;
  }
  p.launch_overhead_s = r.optional_quantity("launch_overhead");
  const Reader w = r.child("power");
  p.power = {w.optional_quantity("idle"), w.optional_quantity("loaded"), w.optional_quantity("energy_per_flop"),
             w.optional_quantity("energy_per_byte"), w.text("unavailable")};
  const std::string stem = file.stem().string();
  if (p.name != stem) {
    diags.add(r.where("name"), "name",
              fmt::format("expected \"{}\" (the file name without .yaml), got \"{}\"", stem, p.name));
  }
  diags.throw_if_any();
  return p;
}

std::filesystem::path resolve_profile(const std::string& file_or_name) {
  if (std::filesystem::exists(file_or_name)) return file_or_name;
  const std::filesystem::path named = default_profiles_dir() / (file_or_name + ".yaml");
  if (file_or_name.find('/') == std::string::npos && std::filesystem::exists(named)) return named;
  throw InputError(Diagnostic{
      {"<--calibration>", 0, 0},
      "",
      fmt::format("\"{}\" is neither a file nor a profile in {}", file_or_name, default_profiles_dir().string())});
}

}  // namespace hwsim::calib
