// `hwsim hw list|show|compare`, `hwsim model list|show`: the catalogs and their derived figures with where each comes
// from (`hwsim schema KIND`: cmd_schema.cpp).
#include <fmt/format.h>
#include <cmath>
#include <nlohmann/json.hpp>

#include "calibrate/profile.hpp"
#include "hwmodels/hardware_catalog.hpp"
#include "sim/cli/cli.hpp"
#include "sim/perf/device.hpp"
#include "sim/plan/json_text.hpp"
#include "sim/report/report.hpp"
#include "sim/scenario/file_schemas.hpp"
#include "sim/scenario/scenario_schema.hpp"
#include "workloads/model.hpp"

namespace hwsim::cli {

namespace {

using Json = nlohmann::ordered_json;

struct Catalogs {
  EntryStore store;
  HardwareCatalog hw;
};

Catalogs load_catalogs(const Common& common) {
  EntryStore store = resolved_catalog(common);
  HardwareCatalog hw = HardwareCatalog::build(store);
  return {std::move(store), std::move(hw)};
}

std::string q(double v, Dimension d) { return format_quantity(v, d); }

std::string grid(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> w(rows.front().size(), 0);
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) line += fmt::format("{:<{}}  ", r[i], w[i]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

// Peaks table and JSON shared by GPUs and CPUs.
void peaks_out(const std::vector<PeakDerivation>& peaks, const std::map<DType, FlopPerSecond>& sheet, Json& j,
               std::string& text) {
  std::vector<std::vector<std::string>> rows{
      {"dtype", "dense peak (derived)", "path", "derivation", "datasheet", "diff"}};
  j["peak_flops_per_s"] = Json::object();
  j["peak_derivation"] = Json::object();
  for (const auto& p : peaks) {
    const std::string d(dtype_name(p.dtype));
    j["peak_flops_per_s"][d] = p.peak.value();
    Json how{{"path", p.path}, {"formula", p.formula}};
    std::string sheet_text = "-";
    std::string diff = "-";
    if (auto it = sheet.find(p.dtype); it != sheet.end()) {
      how["datasheet_flops_per_s"] = it->second.value();
      sheet_text = q(it->second.value(), Dimension::flop_per_second);
      diff = fmt::format("{:+.1f}%", (p.peak.value() / it->second.value() - 1.0) * 100);
    }
    j["peak_derivation"][d] = how;
    rows.push_back({d, q(p.peak.value(), Dimension::flop_per_second), p.path, p.formula, sheet_text, diff});
  }
  text += grid(rows);
}

std::string show_gpu(const GpuSpec& g, const std::string& file, Json& j) {
  j["kind"] = "gpu";
  j["file"] = file;
  std::string t =
      fmt::format("{} (gpu) from {}\n{} {} {}, {}", g.name, file, g.vendor, g.architecture, g.form_factor, g.process);
  if (g.die_area_m2) t += fmt::format(", {} die", q(*g.die_area_m2, Dimension::area_m2));
  if (g.transistors) t += fmt::format(", {} transistors", readable_number(*g.transistors));
  t += fmt::format("\n{} SMs, {} tensor cores ({} per SM), {} FP32 lanes per SM; clocks: boost {}, tensor {}\n\n",
                   g.sm_count, g.sm_count * g.tensor_cores_per_sm, g.tensor_cores_per_sm, g.fp32_lanes_per_sm,
                   q(g.boost_clock.value(), Dimension::hertz), q(g.tensor_clock.value(), Dimension::hertz));
  peaks_out(g.peaks, g.datasheet_peak, j, t);
  if (g.sparsity_speedup > 1) {
    t += fmt::format("(peaks are dense; 2:4 structured sparsity would give x{:g} on tensor paths)\n",
                     g.sparsity_speedup);
  }
  j["memory_bandwidth_bytes_per_s"] = g.hbm_bandwidth.value();
  j["memory_capacity_bytes"] = g.hbm_capacity.value();
  j["l2_capacity_bytes"] = g.l2_capacity.value();
  j["nvlink_bandwidth_per_direction_bytes_per_s"] = g.nvlink_bandwidth_per_direction.value();
  j["pcie_bandwidth_per_direction_bytes_per_s"] = g.pcie_bandwidth_per_direction.value();
  j["c2c_bandwidth_per_direction_bytes_per_s"] = g.c2c_bandwidth_per_direction.value();
  j["tdp_w"] = g.tdp.value();
  j["idle_w"] = g.idle.value();
  j["price_usd"] = g.price.value();
  t += fmt::format("\nmemory: {} {} at {}; L2 {}\n", q(g.hbm_capacity.value(), Dimension::bytes), g.hbm_type,
                   q(g.hbm_bandwidth.value(), Dimension::bytes_per_second), q(g.l2_capacity.value(), Dimension::bytes));
  if (g.nvlink_generation > 0) {
    t += fmt::format("NVLink {}: {} links, {} per direction\n", g.nvlink_generation, g.nvlink_links,
                     q(g.nvlink_bandwidth_per_direction.value(), Dimension::bytes_per_second));
  }
  if (g.pcie_generation > 0) {
    t += fmt::format("PCIe {} x{}: {} per direction\n", g.pcie_generation, g.pcie_lanes,
                     q(g.pcie_bandwidth_per_direction.value(), Dimension::bytes_per_second));
  }
  if (g.c2c_bandwidth_per_direction.value() > 0) {
    t += fmt::format("NVLink-C2C to the host CPU: {} per direction (the host link)\n",
                     q(g.c2c_bandwidth_per_direction.value(), Dimension::bytes_per_second));
  }
  t += fmt::format("power: TDP {}, idle {}; price {}\n", q(g.tdp.value(), Dimension::watts),
                   q(g.idle.value(), Dimension::watts), q(g.price.value(), Dimension::usd));
  // The clock its TDP holds under dense tensor load against its generation's reference part (sim/perf/device.hpp).
  const double share = device_of(g).tdp_share;
  j["tdp_clock_share"] = share;
  if (std::fabs(share - 1.0) > 1e-3) {
    t += fmt::format(
        "under dense load its TDP holds {:.3f} of the generation's measured GEMM rates (tdp_clock_share)\n", share);
  }
  return t;
}

std::string show_cpu(const CpuSpec& c, const std::string& file, Json& j) {
  j["kind"] = "cpu";
  j["file"] = file;
  std::string t =
      fmt::format("{} (cpu) from {}\n{} {}, {} cores at {} (boost {}), {} x {}-bit {} FMA units\n\n", c.name, file,
                  c.vendor, c.architecture, c.cores, q(c.base_clock.value(), Dimension::hertz),
                  q(c.boost_clock.value(), Dimension::hertz), c.fma_units, c.vector_bits, c.simd_isa);
  peaks_out(c.peaks, c.datasheet_peak, j, t);
  j["memory_bandwidth_bytes_per_s"] = c.memory_bandwidth.value();
  if (c.memory_max_capacity) j["memory_capacity_bytes"] = c.memory_max_capacity->value();
  j["tdp_w"] = c.tdp.value();
  j["idle_w"] = c.idle.value();
  j["price_usd"] = c.price.value();
  t += fmt::format("\nmemory: {} x {}, {}; L3 {}\npower: TDP {}, idle {}; price {}\n", c.memory_channels, c.memory_type,
                   q(c.memory_bandwidth.value(), Dimension::bytes_per_second), q(c.l3.value(), Dimension::bytes),
                   q(c.tdp.value(), Dimension::watts), q(c.idle.value(), Dimension::watts),
                   q(c.price.value(), Dimension::usd));
  return t;
}

std::string show_node(const NodeSpec& n, const std::string& file, Json& j) {
  j["kind"] = "node";
  j["file"] = file;
  const int devices = n.devices();
  std::string t = fmt::format("{} (node) from {}\n", n.name, file);
  if (n.has_gpus()) t += fmt::format("{} x {}, ", n.gpu_count, n.gpu->name);
  t += fmt::format("{} x {}, host memory {}, fabric {}", n.cpu_count, n.cpu ? n.cpu->name : "?",
                   q(n.host_memory.value(), Dimension::bytes), fabric_name(n.fabric));
  if (n.nic_count > 0) {
    t += fmt::format(", {} NICs x {}", n.nic_count, q(n.nic_rate.value() * 8, Dimension::bytes_per_second));
    t.replace(t.size() - 3, 3, "b/s");
  }
  t += "\n\n";
  const auto& peaks = n.has_gpus() ? n.gpu->peaks : n.cpu->peaks;
  std::vector<std::vector<std::string>> rows{{"dtype", "node dense peak (derived)", "derivation"}};
  j["peak_flops_per_s"] = Json::object();
  for (const auto& p : peaks) {
    const double v = p.peak.value() * devices;
    j["peak_flops_per_s"][std::string(dtype_name(p.dtype))] = v;
    rows.push_back({std::string(dtype_name(p.dtype)), q(v, Dimension::flop_per_second),
                    fmt::format("{} x {}", devices, q(p.peak.value(), Dimension::flop_per_second))});
  }
  t += grid(rows);
  const double bw = n.has_gpus() ? n.gpu->hbm_bandwidth.value() * devices : n.cpu->memory_bandwidth.value() * devices;
  const double cap = n.has_gpus() ? n.gpu->hbm_capacity.value() * devices : n.host_memory.value();
  j["devices"] = devices;
  j["memory_bandwidth_bytes_per_s"] = bw;
  j["memory_capacity_bytes"] = cap;
  j["tdp_w"] = n.power.max.value();
  j["idle_w"] = n.power.idle.value();
  j["rack_units"] = n.rack_units;
  j["price_usd"] = n.price.value();
  t += fmt::format(
      "\ndevice memory: {} at {} (all devices)\npower: max {}, idle {}, non-device overhead {}, PSU "
      "efficiency {:.0f}%\n{}U, price {}\n",
      q(cap, Dimension::bytes), q(bw, Dimension::bytes_per_second), q(n.power.max.value(), Dimension::watts),
      q(n.power.idle.value(), Dimension::watts), q(n.power.overhead.value(), Dimension::watts),
      n.power.psu_efficiency * 100, n.rack_units, q(n.price.value(), Dimension::usd));
  return t;
}

std::string show_other(const RawEntry& e, Json& j) {
  j["kind"] = e.kind;
  j["file"] = e.file;
  std::string t = fmt::format("{} ({}) from {}\n", e.name, e.kind, e.file);
  // Print the resolved keys (base chains merged) as they were written.
  std::function<void(const ConfigNode&, int, Json&)> walk = [&](const ConfigNode& n, int indent, Json& out) {
    for (const auto& [k, v] : n.entries) {
      if (v.is_map()) {
        t += fmt::format("{:{}}{}:\n", "", indent, k);
        out[k] = Json::object();
        walk(v, indent + 2, out[k]);
      } else if (v.is_scalar()) {
        t += fmt::format("{:{}}{}: {}\n", "", indent, k, v.scalar);
        out[k] = v.scalar;
      }
    }
  };
  Json keys = Json::object();
  walk(e.node, 2, keys);
  j["keys"] = keys;
  return t;
}

// The sources an entry cites (hwmodels/sources.yaml): two lines each in the table (id, date and title; then publisher
// and url or citation under the title), `sources: [{id, title, publisher, date, url | citation}]` (with `note` and
// `reliability` where the registry gives them) in the JSON.
std::string show_sources(const std::vector<Source>& sources, Json& j) {
  j["sources"] = Json::array();
  if (sources.empty()) return "";
  std::size_t id_width = 2;
  std::size_t date_width = 4;
  for (const auto& s : sources) {
    id_width = std::max(id_width, s.id.size());
    date_width = std::max(date_width, s.date.size());
  }
  std::string t = fmt::format("\nsources ({}):\n{:<{}}  {:<{}}  title / publisher; url or citation\n",
                              SourceRegistry::shipped().file(), "id", id_width, "date", date_width);
  for (const auto& s : sources) {
    Json sj{{"id", s.id}, {"title", s.title}, {"publisher", s.publisher}, {"date", s.date}};
    if (!s.url.empty()) sj["url"] = s.url;
    if (!s.citation.empty()) sj["citation"] = s.citation;
    if (!s.note.empty()) sj["note"] = s.note;
    if (!s.reliability.empty()) sj["reliability"] = s.reliability;
    j["sources"].push_back(std::move(sj));
    t += fmt::format("{:<{}}  {:<{}}  {}\n{:{}}{}; {}\n", s.id, id_width, s.date, date_width, s.title, "",
                     id_width + date_width + 4, s.publisher, s.url.empty() ? s.citation : s.url);
  }
  return t;
}

// One hardware entry: its table text, and its figures into `j`. An unknown name (or a model) is bad input naming
// `command`.
std::string show_entry(const Catalogs& c, const std::string& name, const char* command, Json& j) {
  const RawEntry* e = c.store.find(name);
  if (e == nullptr || e->kind == "model") {
    std::vector<std::string> names;
    for (const auto& k : catalog_kinds()) {
      if (k == "model") continue;
      for (auto& n : c.store.names_of_kind(k)) names.push_back(n);
    }
    throw_unknown("hardware entry", name, names, {command, 0, 0}, "");
  }
  std::string text;
  if (e->kind == "gpu")
    text = show_gpu(c.hw.gpus().at(name), e->file, j);
  else if (e->kind == "cpu")
    text = show_cpu(c.hw.cpus().at(name), e->file, j);
  else if (e->kind == "node")
    text = show_node(c.hw.nodes().at(name), e->file, j);
  else
    text = show_other(*e, j);
  text += show_sources(c.hw.sources_of(name), j);
  return text;
}

// The figures `hw compare` sets side by side: the JSON key `hw show` writes, its label and its dimension.
struct Figure {
  std::string key;
  std::string label;
  Dimension dimension;
  std::string unit;  // SI, as the JSON gives the values
};

std::vector<Figure> comparable_figures(const Json& a, const Json& b) {
  std::vector<Figure> out;
  for (const auto& [dtype, value] : a["peak_flops_per_s"].items()) {
    if (b["peak_flops_per_s"].contains(dtype)) {
      out.push_back({"peak_flops_per_s/" + dtype, dtype + " dense peak", Dimension::flop_per_second, "FLOP/s"});
    }
  }
  const std::vector<Figure> plain{
      {"devices", "devices", Dimension::dimensionless, ""},
      {"memory_capacity_bytes", "memory capacity", Dimension::bytes, "B"},
      {"memory_bandwidth_bytes_per_s", "memory bandwidth", Dimension::bytes_per_second, "B/s"},
      {"l2_capacity_bytes", "L2 cache", Dimension::bytes, "B"},
      {"nvlink_bandwidth_per_direction_bytes_per_s", "NVLink per direction", Dimension::bytes_per_second, "B/s"},
      {"pcie_bandwidth_per_direction_bytes_per_s", "PCIe per direction", Dimension::bytes_per_second, "B/s"},
      {"tdp_w", "power at most (TDP)", Dimension::watts, "W"},
      {"idle_w", "power idle", Dimension::watts, "W"},
      {"rack_units", "rack units", Dimension::dimensionless, ""},
      {"price_usd", "price", Dimension::usd, "USD"}};
  for (const auto& f : plain) {
    if (a.contains(f.key) && b.contains(f.key)) out.push_back(f);
  }
  return out;
}

double figure_value(const Json& j, const std::string& key) {
  const auto slash = key.find('/');
  return slash == std::string::npos ? j[key].get<double>()
                                    : j[key.substr(0, slash)][key.substr(slash + 1)].get<double>();
}

// `hw compare A B`: the figures both entries have, B's over A's, and per watt and per dollar for the first dtype both
// list among bf16, fp16, fp32, fp64 (peak per TDP, peak per price). Table and JSON {first, second, figures: [{figure,
// unit, first, second, ratio}]}.
std::string compare_entries(const Json& a, const Json& b, Json& j) {
  if (!a.contains("peak_flops_per_s") || !b.contains("peak_flops_per_s")) {
    throw InputError(Diagnostic{
        {"hwsim hw compare", 0, 0},
        "",
        fmt::format("compares GPUs, CPUs and nodes: {} is a {}, {} a {}", a["name"].get<std::string>(),
                    a["kind"].get<std::string>(), b["name"].get<std::string>(), b["kind"].get<std::string>())});
  }
  const std::string first = a["name"];
  const std::string second = b["name"];
  j = Json{{"first", first}, {"second", second}, {"figures", Json::array()}};
  std::vector<std::vector<std::string>> rows{{"figure", first, second, second + " / " + first}};
  const auto add = [&](const std::string& label, double va, double vb, const std::string& unit, std::string ta,
                       std::string tb) {
    const double ratio = va != 0 ? vb / va : 0.0;
    j["figures"].push_back({{"figure", label}, {"unit", unit}, {"first", va}, {"second", vb}, {"ratio", ratio}});
    rows.push_back({label, std::move(ta), std::move(tb), va != 0 ? fmt::format("x{:.3g}", ratio) : "-"});
  };
  const std::vector<Figure> figures = comparable_figures(a, b);
  for (const auto& f : figures) {
    const double va = figure_value(a, f.key);
    const double vb = figure_value(b, f.key);
    add(f.label, va, vb, f.unit, q(va, f.dimension), q(vb, f.dimension));
  }
  // Per watt and per dollar at the training dtype where both have it, else the first of these they share.
  const Figure* headline = nullptr;
  for (const char* dtype : {"bf16", "fp16", "fp32", "fp64"}) {
    for (const auto& f : figures) {
      if (headline == nullptr && f.key == std::string("peak_flops_per_s/") + dtype) headline = &f;
    }
  }
  if (headline != nullptr) {
    const Figure& peak = *headline;
    const std::string dtype = peak.key.substr(peak.key.find('/') + 1);
    const double pa = figure_value(a, peak.key);
    const double pb = figure_value(b, peak.key);
    const double wa = a["tdp_w"].get<double>();
    const double wb = b["tdp_w"].get<double>();
    add(dtype + " peak per watt (TDP)", pa / wa, pb / wb, "FLOP/s/W", q(pa / wa, Dimension::flop_per_second) + "/W",
        q(pb / wb, Dimension::flop_per_second) + "/W");
    const double da = a["price_usd"].get<double>();
    const double db = b["price_usd"].get<double>();
    if (da > 0 && db > 0) {
      add(dtype + " peak per 1000 USD", pa / da * 1e3, pb / db * 1e3, "FLOP/s per 1000 USD",
          q(pa / da * 1e3, Dimension::flop_per_second), q(pb / db * 1e3, Dimension::flop_per_second));
    }
  }
  return fmt::format("{} ({}) versus {} ({})\n\n", first, a["kind"].get<std::string>(), second,
                     b["kind"].get<std::string>()) +
         grid(rows);
}

std::string list_hw(const Catalogs& c, const std::string& format) {
  Json arr = Json::array();
  std::vector<std::vector<std::string>> rows{
      {"name", "kind", "bf16/fp32 dense peak", "memory", "bandwidth", "power", "price"}};
  const auto peak_text = [](const std::vector<PeakDerivation>& peaks, double times) {
    for (DType d : {DType::bf16, DType::fp16, DType::fp32}) {
      for (const auto& p : peaks) {
        if (p.dtype == d)
          return fmt::format("{} {}", q(p.peak.value() * times, Dimension::flop_per_second), dtype_name(d));
      }
    }
    return std::string("-");
  };
  for (const auto& [name, g] : c.hw.gpus()) {
    rows.push_back({name, "gpu", peak_text(g.peaks, 1), q(g.hbm_capacity.value(), Dimension::bytes),
                    q(g.hbm_bandwidth.value(), Dimension::bytes_per_second), q(g.tdp.value(), Dimension::watts),
                    q(g.price.value(), Dimension::usd)});
  }
  for (const auto& [name, cpu] : c.hw.cpus()) {
    rows.push_back({name, "cpu", peak_text(cpu.peaks, 1), "-",
                    q(cpu.memory_bandwidth.value(), Dimension::bytes_per_second), q(cpu.tdp.value(), Dimension::watts),
                    q(cpu.price.value(), Dimension::usd)});
  }
  for (const auto& [name, n] : c.hw.nodes()) {
    const auto& peaks = n.has_gpus() ? n.gpu->peaks : n.cpu->peaks;
    rows.push_back(
        {name, "node", peak_text(peaks, n.devices()),
         q(n.has_gpus() ? n.gpu->hbm_capacity.value() * n.gpu_count : n.host_memory.value(), Dimension::bytes),
         q(n.has_gpus() ? n.gpu->hbm_bandwidth.value() * n.gpu_count : n.cpu->memory_bandwidth.value() * n.cpu_count,
           Dimension::bytes_per_second),
         q(n.power.max.value(), Dimension::watts), q(n.price.value(), Dimension::usd)});
  }
  for (const auto& kind : {"network", "cluster", "rack", "facility"}) {
    for (const auto* e : c.store.of_kind(kind)) rows.push_back({e->name, kind, "", "", "", "", ""});
  }
  for (std::size_t i = 1; i < rows.size(); ++i) {
    arr.push_back({{"name", rows[i][0]}, {"kind", rows[i][1]}, {"file", c.store.find(rows[i][0])->file}});
  }
  return format == "json" ? json_text(arr) + "\n" : grid(rows);
}

ModelSpec model_of(const EntryStore& store, const std::string& name) {
  const RawEntry* e = store.find(name);
  if (e == nullptr || e->kind != "model") {
    throw_unknown("model", name, store.names_of_kind("model"), {"hwsim model show", 0, 0}, "");
  }
  Diagnostics diags;
  validate(e->node, model_schema(), diags);
  diags.throw_if_any();
  return load_model(Reader(e->node, model_schema()));
}

Json model_json(const ModelSpec& m, const std::string& file) {
  Json j{{"name", m.name},
         {"file", file},
         {"parameters", m.parameters()},
         {"active_parameters", m.active_parameters()},
         {"flops_per_token", m.training_flops_per_token(m.max_seq)},
         {"forward_flops_per_token", m.forward_flops_per_token(m.max_seq)},
         {"active_matmul_parameters", m.active_matmul_parameters()},
         {"kv_cache_bytes_per_token_bf16", m.kv_elements_per_token() * 2.0},
         {"layers", m.layers},
         {"hidden", m.hidden},
         {"heads", m.heads},
         {"kv_heads", m.kv_heads},
         {"ffn_hidden", m.ffn_hidden},
         {"vocab", m.vocab},
         {"max_seq", m.max_seq}};
  if (m.published_parameters > 0) j["published_parameters"] = m.published_parameters;
  if (m.moe()) {
    j["experts"] = m.experts;
    j["experts_per_token"] = m.experts_per_token;
    j["shared_experts"] = m.shared_experts;
    j["moe_ffn_hidden"] = m.moe_ffn_hidden;
    j["dense_layers"] = m.dense_layers;
  }
  if (m.mla()) {
    j["kv_lora_rank"] = m.kv_lora_rank;
    j["q_lora_rank"] = m.q_lora_rank;
    j["qk_rope_head_dim"] = m.qk_rope_head_dim;
    j["qk_nope_head_dim"] = m.qk_nope_head_dim;
    j["v_head_dim"] = m.v_head_dim;
  }
  if (m.explicit_head_dim > 0) j["head_dim"] = m.explicit_head_dim;
  if (m.windowed()) {
    j["attention_window"] = m.attention_window;
    j["window_layers"] = m.window_layers;
  }
  return j;
}

std::string model_text(const ModelSpec& m, const std::string& file) {
  std::string t = fmt::format("{} (model) from {}\n", m.name, file);
  const std::string heads = m.mla()
                                ? fmt::format("{} heads", m.heads)
                                : fmt::format("{} heads ({} KV heads, head dim {})", m.heads, m.kv_heads, m.head_dim());
  t += fmt::format("{} layers, hidden {}, {}, FFN {}{}, vocab {}, max seq {}\n", m.layers, m.hidden, heads,
                   m.ffn_hidden, m.gated_mlp ? " (gated)" : "", m.vocab, m.max_seq);
  if (m.moe()) {
    t += fmt::format(
        "mixture of experts: {} routed experts of width {}, {} per token, {} shared; {} MoE layers after "
        "{} dense\n",
        m.experts, m.moe_ffn_hidden, m.experts_per_token, m.shared_experts, m.moe_layers(), m.dense_layers);
  }
  if (m.mla()) {
    t += fmt::format(
        "multi-head latent attention: KV latent {}, query latent {}, head dims {} + {} (rotary), value {}\n",
        m.kv_lora_rank, m.q_lora_rank, m.qk_nope_head_dim, m.qk_rope_head_dim, m.v_head_dim);
  }
  if (m.windowed())
    t += fmt::format("sliding window: {} of {} layers attend the last {} tokens\n", m.window_layers, m.layers,
                     m.attention_window);
  t += fmt::format("parameters (derived): {}", readable_number(m.parameters(), 4));
  if (m.published_parameters > 0) {
    t += fmt::format("  (published {}, {:+.2f}%)", readable_number(m.published_parameters, 4),
                     (m.parameters() / m.published_parameters - 1) * 100);
  }
  if (m.moe()) t += fmt::format("\nactive parameters per token: {}", readable_number(m.active_parameters(), 4));
  const std::string keys = m.windowed() ? fmt::format("{:.6g} (windowed layers capped)", m.sequence_context(m.max_seq))
                                        : std::to_string(m.max_seq);  // keys per query (ModelSpec::sequence_context)
  const std::string held = m.windowed() ? fmt::format("; a {}-token sequence keeps {} with per-window pools", m.max_seq,
                                                      format_quantity(m.kv_elements(m.max_seq) * 2.0, Dimension::bytes))
                                        : "";
  t += fmt::format(
      "\ntraining FLOPs per token at seq {}: {} (= 6 x {} matmul params + 6 x {} layers x {} x {} heads x {:g} "
      "score and value widths)\nKV cache per token (bf16): {}{}\n",
      m.max_seq, readable_number(m.training_flops_per_token(m.max_seq), 4),
      readable_number(m.active_matmul_parameters(), 4), m.layers, keys, m.heads,
      m.score_head_dim() + m.value_head_dim(), format_quantity(m.kv_elements_per_token() * 2.0, Dimension::bytes),
      held);
  return t;
}

}  // namespace

void add_catalog_commands(CLI::App& app, Common& common, Action& action) {
  static std::string name;
  CLI::App* hw = app.add_subcommand("hw", "the hardware catalog\nExample: hwsim hw show a100-sxm4-40gb");
  hw->require_subcommand(1);
  hw->add_option("--catalog", common.catalog_dirs, "extra catalog directory (repeatable)");
  CLI::App* hw_list = hw->add_subcommand("list", "list hardware entries");
  add_output_options(hw_list, common, {"table", "json"});
  hw_list->fallthrough();  // accept the parent's --catalog after the subcommand
  hw_list->callback([&] {
    action = [&] {
      emit(common, list_hw(load_catalogs(common), common.format));
      return 0;
    };
  });
  CLI::App* hw_show = hw->add_subcommand("show", "show one entry with its derived figures and their derivation");
  hw_show->add_option("name", name, "entry name")->required();
  add_output_options(hw_show, common, {"table", "json"});
  hw_show->fallthrough();  // accept the parent's --catalog after the subcommand
  hw_show->callback([&] {
    action = [&] {
      const Catalogs c = load_catalogs(common);
      Json j{{"name", name}};
      const std::string text = show_entry(c, name, "hwsim hw show", j);
      emit(common, common.format == "json" ? json_text(j) + "\n" : text);
      return 0;
    };
  });
  static std::string other;
  CLI::App* hw_compare = hw->add_subcommand(
      "compare",
      "two GPUs, CPUs or nodes side by side: their derived figures and the ratio of the second to the first");
  hw_compare->add_option("first", name, "entry name")->required();
  hw_compare->add_option("second", other, "entry name")->required();
  add_output_options(hw_compare, common, {"table", "json"});
  hw_compare->fallthrough();  // accept the parent's --catalog after the subcommand
  hw_compare->callback([&] {
    action = [&] {
      const Catalogs c = load_catalogs(common);
      Json a{{"name", name}};
      Json b{{"name", other}};
      (void)show_entry(c, name, "hwsim hw compare", a);
      (void)show_entry(c, other, "hwsim hw compare", b);
      Json j;
      const std::string text = compare_entries(a, b, j);
      emit(common, common.format == "json" ? json_text(j) + "\n" : text);
      return 0;
    };
  });

  CLI::App* model = app.add_subcommand("model", "the model catalog\nExample: hwsim model show llama2-70b");
  model->require_subcommand(1);
  model->add_option("--catalog", common.catalog_dirs, "extra catalog directory (repeatable)");
  CLI::App* model_list = model->add_subcommand("list", "list models with derived parameters and FLOPs per token");
  add_output_options(model_list, common, {"table", "json"});
  model_list->fallthrough();  // accept the parent's --catalog after the subcommand
  model_list->callback([&] {
    action = [&] {
      const Catalogs c = load_catalogs(common);
      Json arr = Json::array();
      std::vector<std::vector<std::string>> rows{
          {"name", "parameters", "active", "published", "train FLOP/token", "layers", "hidden", "heads/kv", "max seq"}};
      for (const auto* e : c.store.of_kind("model")) {
        const ModelSpec m = model_of(c.store, e->name);
        arr.push_back(model_json(m, e->file));
        rows.push_back({m.name, readable_number(m.parameters(), 4), readable_number(m.active_parameters(), 4),
                        m.published_parameters > 0 ? readable_number(m.published_parameters, 4) : "-",
                        readable_number(m.training_flops_per_token(m.max_seq), 4), std::to_string(m.layers),
                        std::to_string(m.hidden), fmt::format("{}/{}", m.heads, m.kv_heads),
                        std::to_string(m.max_seq)});
      }
      emit(common, common.format == "json" ? json_text(arr) + "\n" : grid(rows));
      return 0;
    };
  });
  CLI::App* model_show = model->add_subcommand("show", "show one model");
  model_show->add_option("name", name, "model name")->required();
  add_output_options(model_show, common, {"table", "json"});
  model_show->fallthrough();  // accept the parent's --catalog after the subcommand
  model_show->callback([&] {
    action = [&] {
      const Catalogs c = load_catalogs(common);
      const ModelSpec m = model_of(c.store, name);
      const std::string file = c.store.find(name)->file;
      emit(common, common.format == "json" ? json_text(model_json(m, file)) + "\n" : model_text(m, file));
      return 0;
    };
  });
  add_schema_command(app, common, action);
}

}  // namespace hwsim::cli
