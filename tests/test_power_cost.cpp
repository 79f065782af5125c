// Power and cost (sim/power, sim/cost, sizing in sim/plan/evaluate): device power = idle + (TDP - idle) x
// clamp(activity); node power = (devices + host CPUs + overhead) / PSU efficiency, capped at the node's maximum and
// floored at its idle; provisioned power = node maxima + switches + optics + rack overhead; capex = nodes x price +
// racks x rack price + switches + cables; TCO = capex + years x opex; $/M tokens = TCO / (tokens/s x utilisation x
// years x seconds per year) x 1e6; `count: fill` is the largest count whose provisioned power x PUE fits the budget.
// Fixture: tests/fixtures/scenarios/power_cost.yaml (4 DGX H100 on one InfiniBand NDR switch, 2 per rack; Altra
// servers filling 200 kW at PUE 1.25; 0.12 USD/kWh, 150 USD/kW/month, 5 years, 60% utilisation).
// Tolerances: 1e-12 relative (the test evaluates the same formulas by hand; only rounding differs).
#include <catch2/catch.hpp>

#include "tests/support.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/cost/cost.hpp"
#include "sim/perf/efficiency.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/plan/pipeline.hpp"
#include "sim/power/power.hpp"
#include "sim/report/report.hpp"
#include "sim/scenario/load.hpp"
#include "tests/support/constants.hpp"

using hwsim::Activity;
using hwsim::Watts;

namespace {

using hwsim::test::kRel;
using hwsim::test::metric_of;
using hwsim::test::result_of;
namespace fs = std::filesystem;

constexpr double kSecondsPerYear = 365.25 * 24 * 3600;  // 31,557,600 s (Julian year)

const hwsim::Scenario& power_fixture() {
  static const hwsim::Scenario sc =
      hwsim::load_scenario(fs::path(HWSIM_FIXTURES_DIR) / "scenarios/power_cost.yaml", {});
  return sc;
}

const hwsim::DeploymentDecl& decl(const std::string& name) {
  const hwsim::DeploymentDecl* found = nullptr;
  for (const auto& d : power_fixture().deployments) {
    if (d.name == name) found = &d;
  }
  INFO("deployment " << name);
  REQUIRE(found != nullptr);
  return *found;
}

hwsim::System power_system(const std::string& name) { return hwsim::build_system(power_fixture(), decl(name)); }

// Provisioned power x PUE within the facility's budget.
bool within_budget(const hwsim::System& sys) {
  return hwsim::provisioned_power(sys).value() * power_fixture().facility.pue <=
         power_fixture().facility.power_budget->value();
}

}  // namespace

TEST_CASE("the fixture's catalog figures are the ones the hand arithmetic below uses", "[power][cost]") {
  const hwsim::System pod = power_system("pod");
  CHECK(pod.device.idle.value() == 70);  // h100-sxm5-80gb
  CHECK(pod.device.tdp.value() == 700);
  CHECK(pod.node->cpu->idle.value() == 80);  // xeon-platinum-8480c
  CHECK(pod.node->cpu->tdp.value() == 350);
  CHECK(pod.node->cpu_count == 2);
  CHECK(pod.node->power.max.value() == 10200);  // dgx-h100
  CHECK(pod.node->power.idle.value() == 2000);
  CHECK(pod.node->power.overhead.value() == 1300);
  CHECK(pod.node->power.fans.value() == 1200);
  CHECK(pod.node->power.psu_efficiency == 0.94);
  CHECK(pod.node->cooling == hwsim::Cooling::air);
  CHECK(pod.price_per_node.value() == 270000);
  CHECK(pod.rack.price.value() == 6000);  // rack-42u-44kw
  CHECK(pod.rack.overhead_power.value() == 300);
  REQUIRE(pod.network.has_value());  // infiniband-ndr
  CHECK(pod.network->switch_power.value() == 750);
  CHECK(pod.network->switch_price.value() == 43000);
  CHECK(pod.network->cable_price.value() == 1500);
  CHECK(pod.network->cable_power.value() == 8);
  const auto& f = power_fixture().facility;
  CHECK(f.pue == 1.25);
  CHECK(f.electricity.value() == Approx(0.12 / 3.6e6).epsilon(kRel));
  CHECK(f.colocation.value() == Approx(0.150 / (kSecondsPerYear / 12)).epsilon(kRel));
  CHECK(f.years == 5);
  CHECK(f.utilization == 0.6);
}

TEST_CASE("device power = idle + (TDP - idle) x clamp(compute + 0.6 memory + 0.6 communication, 0, 1)", "[power]") {
  const hwsim::Device h100 = power_system("pod").device;
  CHECK(hwsim::device_power(h100, {}).value() == 70);
  CHECK(hwsim::device_power(h100, {0.5, 0.3, 0.2}).value() ==
        Approx(70 + (700 - 70) * (0.5 + 0.6 * 0.3 + 0.6 * 0.2)).epsilon(kRel));                 // 574 W
  CHECK(hwsim::device_power(h100, {0, 1, 0}).value() == Approx(70 + 630 * 0.6).epsilon(kRel));  // 448 W
  // 1 + 0.6 + 0.3 = 1.9 is clamped to 1: never above TDP.
  CHECK(hwsim::device_power(h100, {1, 1, 1}).value() == Approx(700).epsilon(kRel));
}

// The 80 PLUS Titanium curve scaled to the node's half-load efficiency, by hand: load share -> efficiency.
double titanium(double load) {
  if (load <= 0.1) return 0.90;
  if (load <= 0.2) return 0.90 + 0.04 * (load - 0.1) / 0.1;
  if (load <= 0.5) return 0.94 + 0.02 * (load - 0.2) / 0.3;
  if (load <= 1.0) return 0.96 - 0.05 * (load - 0.5) / 0.5;
  return 0.91;
}

TEST_CASE(
    "node power = (devices + host CPUs at 30% + overhead + fans that follow heat) / PSU at its load, capped at "
    "max, floored at idle",
    "[power]") {
  hwsim::System pod = power_system("pod");
  const Activity busy{1, 0, 0};
  const double host = 2 * (80 + 0.3 * (350 - 80));  // 322 W
  // Fans: 1.2 kW x (air heat / full heat)^3, full heat = 10.2 kW x 0.94 - 1.2 kW = 8388 W (the nameplate's DC less
  // the fans). The supplies: 0.94 x titanium(DC / 19.8 kW) / 0.96 (six 3.3 kW supplies share the load).
  const auto by_hand = [&](double devices, bool liquid) {
    const double air = liquid ? 1300.0 : devices + host + 1300.0;
    const double share = air / 8388.0;
    const double dc = devices + host + 1300.0 + 1200.0 * share * share * share;
    return dc / (0.94 * titanium(dc / 19800.0) / 0.96);
  };
  // DGX H100 flat out: 5600 + 322 + 1300 = 7222 W of heat, fans 766 W, 7988 W DC at 40.3% of the supplies:
  // 0.94 x 0.9536 / 0.96 = 93.4% -> 8555 W.
  CHECK(hwsim::node_power(pod, busy).value() == Approx(by_hand(8 * 700, false)).epsilon(kRel));
  CHECK(hwsim::node_power(pod, busy).value() == Approx(8555).epsilon(1e-3));
  CHECK(hwsim::node_power(pod, {}).value() == Approx(by_hand(8 * 70, false)).epsilon(kRel));
  SECTION("fans follow heat by the cube law: half the heat, an eighth of the fan power") {
    CHECK(hwsim::fan_power(*pod.node, Watts(8388)).value() == Approx(1200).epsilon(kRel));
    CHECK(hwsim::fan_power(*pod.node, Watts(4194)).value() == Approx(150).epsilon(kRel));
    CHECK(hwsim::fan_power(*pod.node, Watts(20000)).value() == Approx(1200).epsilon(kRel));  // never above full
  }
  SECTION("the supplies follow the 80 PLUS Titanium curve around their half-load efficiency") {
    const double rated_dc = 19800.0;  // the supplies' rated output
    CHECK(hwsim::psu_efficiency_at(*pod.node, Watts(0.5 * rated_dc)) == Approx(0.94).epsilon(kRel));
    CHECK(hwsim::psu_efficiency_at(*pod.node, Watts(0.2 * rated_dc)) == Approx(0.94 * 0.94 / 0.96).epsilon(kRel));
    CHECK(hwsim::psu_efficiency_at(*pod.node, Watts(rated_dc)) == Approx(0.94 * 0.91 / 0.96).epsilon(kRel));
    CHECK(hwsim::psu_efficiency_at(*pod.node, Watts(0.05 * rated_dc)) == Approx(0.94 * 0.90 / 0.96).epsilon(kRel));
  }
  SECTION("a liquid-cooled node's fans move only the board's heat") {
    hwsim::NodeSpec cold = *pod.node;
    cold.cooling = hwsim::Cooling::liquid;
    pod.node = &cold;
    CHECK(hwsim::node_power(pod, busy).value() == Approx(by_hand(8 * 700, true)).epsilon(kRel));
    CHECK(by_hand(8 * 700, false) - by_hand(8 * 700, true) > 700);  // most of the 766 W of fans, through the PSUs
  }
  SECTION("capped at the node's nameplate maximum") {
    hwsim::NodeSpec smaller = *pod.node;
    smaller.power.max = Watts(8000);
    pod.node = &smaller;
    CHECK(hwsim::node_power(pod, busy).value() == 8000);
  }
  SECTION("floored at the node's idle") {
    hwsim::NodeSpec hungrier = *pod.node;
    hungrier.power.idle = Watts(5000);
    pod.node = &hungrier;
    CHECK(hwsim::node_power(pod, {}).value() == 5000);
  }
  SECTION("a CPU-only node counts its sockets as devices, with no separate host term") {
    const hwsim::System cpus = power_system("cpus");
    REQUIRE(cpus.device.kind == hwsim::DeviceKind::cpu);
    // Altra server flat out: 210 W CPU + 140 W overhead (fans in it) = 350 W DC; its supplies default to twice the
    // 400 W maximum: 350 / 800 = 43.8% load, 0.92 x titanium(0.4375) / 0.96 = 0.92 x 0.9558 / 0.96 = 91.6% -> 382.1 W.
    CHECK(hwsim::node_power(cpus, busy).value() ==
          Approx(350.0 / (0.92 * titanium(350.0 / 800.0) / 0.96)).epsilon(kRel));
  }
}

TEST_CASE("provisioned power = node maxima + switches + 2 optics per link + rack overhead, facility = IT x PUE",
          "[power]") {
  const hwsim::System pod = power_system("pod");
  // 4 nodes x 8 NICs = 32 ports <= radix 64: one switch, 32 links; 4 nodes at 2 per rack = 2 racks.
  REQUIRE(pod.nodes == 4);
  REQUIRE(pod.racks == 2);
  REQUIRE(pod.fabric.switches == 1);
  REQUIRE(pod.fabric.links == 32);
  const double network = 1 * 750 + 8 * 2.0 * 32;  // 1262 W
  const double racks = 2 * 300.0;
  CHECK(hwsim::provisioned_power(pod).value() == Approx(4 * 10200 + network + racks).epsilon(kRel));  // 42,662 W
  const Activity a{0.5, 0.3, 0.1};
  const hwsim::PowerResult p = hwsim::deployment_power(pod, a, 1.25);
  CHECK(p.network.value() == Approx(network).epsilon(kRel));
  CHECK(p.it.value() == Approx(hwsim::node_power(pod, a).value() * 4 + network + racks).epsilon(kRel));
  CHECK(p.idle_it.value() == Approx(2000.0 * 4 + network + racks).epsilon(kRel));
  CHECK(p.facility.value() == Approx(p.it.value() * 1.25).epsilon(kRel));
  CHECK(p.provisioned.value() == Approx(42662).epsilon(kRel));
}

TEST_CASE("capex = nodes x price + racks x rack price + switches x switch price + links x cable price", "[cost]") {
  const hwsim::System pod = power_system("pod");
  const hwsim::PowerResult p = hwsim::deployment_power(pod, {0.5, 0.3, 0.1}, 1.25);
  const hwsim::CostResult c = hwsim::deployment_cost(pod, p, power_fixture().facility);
  CHECK(c.capex_nodes.value() == Approx(4 * 270000.0).epsilon(kRel));
  CHECK(c.capex_racks.value() == Approx(2 * 6000.0).epsilon(kRel));
  CHECK(c.capex_network.value() == Approx(1 * 43000.0 + 32 * 1500.0).epsilon(kRel));
  CHECK(c.capex.value() == Approx(4 * 270000.0 + 2 * 6000.0 + 43000 + 32 * 1500.0).epsilon(kRel));  // $1,183,000
}

TEST_CASE("TCO = capex + years x (energy at utilisation-weighted load x PUE + colocation per provisioned kW)",
          "[cost]") {
  const hwsim::System pod = power_system("pod");
  const hwsim::PowerResult p = hwsim::deployment_power(pod, {0.5, 0.3, 0.1}, 1.25);
  const hwsim::CostResult c = hwsim::deployment_cost(pod, p, power_fixture().facility);
  // Energy: (0.6 x load + 0.4 x idle) W x PUE 1.25 x 31,557,600 s x 0.12 USD / 3.6e6 J.
  const double energy = (0.6 * p.it.value() + 0.4 * p.idle_it.value()) * 1.25 * kSecondsPerYear * 0.12 / 3.6e6;
  // Colocation: 150 USD per provisioned kW per month = 0.15 x 12 = 1.8 USD per W per year.
  const double colocation = p.provisioned.value() * 0.150 * 12;
  CHECK(c.energy_per_year.value() == Approx(energy).epsilon(kRel));
  CHECK(c.colocation_per_year.value() == Approx(colocation).epsilon(kRel));
  CHECK(c.opex_per_year.value() == Approx(energy + colocation).epsilon(kRel));
  CHECK(c.tco.value() == Approx(1183000 + 5 * (energy + colocation)).epsilon(kRel));
  // Per busy second: straight-line capex over 5 years + colocation + energy at load.
  CHECK(c.busy_rate.value() ==
        Approx(1183000 / (5 * kSecondsPerYear) + p.provisioned.value() * 0.150 * 12 / kSecondsPerYear +
               p.it.value() * 1.25 * 0.12 / 3.6e6)
            .epsilon(kRel));
}

TEST_CASE("$/M tokens = TCO / (tokens/s x utilisation x years x seconds per year) x 1e6", "[cost]") {
  const hwsim::System pod = power_system("pod");
  const hwsim::PowerResult p = hwsim::deployment_power(pod, {0.5, 0.3, 0.1}, 1.25);
  const hwsim::CostResult c = hwsim::deployment_cost(pod, p, power_fixture().facility);
  // 1000 tokens/s, 60% of the time, for 5 years: 1000 x 0.6 x 5 x 31,557,600 = 9.467e10 tokens.
  CHECK(hwsim::usd_per_million_tokens(c, 1000, power_fixture().facility) ==
        Approx(c.tco.value() / (1000 * 0.6 * 5 * kSecondsPerYear) * 1e6).epsilon(kRel));
  CHECK(hwsim::usd_per_million_tokens(c, 0, power_fixture().facility) == 0.0);

  // The same formulas hold in the evaluated metrics.
  const hwsim::Evaluation ev = hwsim::evaluate(power_fixture(), hwsim::DefaultEfficiency());
  const hwsim::Result& r = result_of(ev, "pod");
  REQUIRE(r.fits);
  const double tokens_per_s = *r.metric("throughput_tokens_per_s");
  const double it = *r.metric("it_power_w");
  CHECK(*r.metric("usd_per_million_tokens") ==
        Approx(*r.metric("tco_usd") / (tokens_per_s * 0.6 * 5 * kSecondsPerYear) * 1e6).epsilon(kRel));
  CHECK(*r.metric("tco_usd") == Approx(*r.metric("capex_usd") + 5 * *r.metric("opex_usd_per_year")).epsilon(kRel));
  CHECK(*r.metric("capex_usd") == Approx(1183000).epsilon(kRel));
  CHECK(*r.metric("provisioned_power_w") == Approx(42662).epsilon(kRel));
  CHECK(*r.metric("facility_power_w") == Approx(it * 1.25).epsilon(kRel));
  CHECK(*r.metric("energy_per_token_j") == Approx(it / tokens_per_s).epsilon(kRel));
  CHECK(*r.metric("tokens_per_kwh") == Approx(3.6e6 / (it / tokens_per_s)).epsilon(kRel));
  // Load power lies between idle and the nameplate.
  CHECK(it > 4 * 2000.0);
  CHECK(it <= *r.metric("provisioned_power_w"));
}

TEST_CASE("count: fill gives the largest count whose provisioned power x PUE fits the budget", "[power][plan]") {
  SECTION("CPU servers: 400 W each plus 300 W per rack of 40 plus their 25 GbE leaf-spine") {
    const hwsim::System cpus = power_system("cpus");
    // 385 x 400 W + 10 racks x 300 W + 11 switches x 250 W (9 leaves of 48, 72 uplinks on 2 spines) + 457 cables x
    // 0.2 W = 159.84 kW x 1.25 = 199.80 kW <= 200 kW; one server more is over.
    CHECK(cpus.nodes == 385);
    CHECK(cpus.racks == 10);
    CHECK(cpus.fabric.switches == 11);
    CHECK(cpus.fabric.links == 457);
    CHECK(hwsim::provisioned_power(cpus).value() ==
          Approx(385 * 400.0 + 10 * 300 + 11 * 250 + 457 * 0.2).epsilon(kRel));
    CHECK(within_budget(cpus));
    hwsim::DeploymentDecl more = decl("cpus");
    more.fill = false;
    more.count = cpus.nodes + 1;
    CHECK_FALSE(within_budget(hwsim::build_system(power_fixture(), more)));
  }
  SECTION("GPU nodes: the fabric's switches and optics count too") {
    hwsim::DeploymentDecl fill = decl("pod");
    fill.fill = true;
    fill.count.reset();
    const hwsim::System sys = hwsim::build_system(power_fixture(), fill);
    INFO(sys.nodes << " nodes");
    CHECK(sys.nodes > 1);
    CHECK(within_budget(sys));
    hwsim::DeploymentDecl more = decl("pod");
    more.count = sys.nodes + 1;
    CHECK_FALSE(within_budget(hwsim::build_system(power_fixture(), more)));
  }
}

TEST_CASE("a deployment provisioned above the facility budget is evaluated with a warning", "[power][plan]") {
  hwsim::Scenario sc = hwsim::load_scenario(fs::path(HWSIM_FIXTURES_DIR) / "scenarios/power_cost.yaml",
                                            {.catalog_dirs = {}, .sets = {"deployments.pod.count=20"}});
  // 20 x 10.2 kW alone is 204 kW, x 1.25 = 255 kW > 200 kW.
  const hwsim::Evaluation ev = hwsim::evaluate(sc, hwsim::DefaultEfficiency());
  REQUIRE(ev.warnings.size() == 1);
  CHECK_THAT(ev.warnings[0], Catch::Contains("deployment 'pod'") && Catch::Contains("above the"));
}

namespace {
const hwsim::Scenario& cap_fixture() {
  static const hwsim::Scenario sc = hwsim::load_scenario(fs::path(HWSIM_FIXTURES_DIR) / "scenarios/power_cap.yaml", {});
  return sc;
}
const hwsim::Evaluation& cap_evaluation() {
  static const hwsim::Evaluation ev = hwsim::evaluate(cap_fixture(), hwsim::DefaultEfficiency{});
  return ev;
}
const hwsim::Result& cap_result(const std::string& deployment) {
  for (const auto& r : cap_evaluation().results) {
    if (r.deployment == deployment) return r;
  }
  FAIL("no result " << deployment);
  return cap_evaluation().results.front();
}
}  // namespace

TEST_CASE("a power cap: device power never above it, clock share = ((cap - idle) / (uncapped - idle))^(1/alpha)",
          "[power]") {
  const hwsim::Device h100 = power_system("pod").device;  // 700 W TDP, 70 W idle
  const Activity busy{1, 0, 0};
  CHECK(hwsim::device_power(h100, busy, Watts(400)).value() == 400);
  CHECK(hwsim::device_power(h100, {0, 0.5, 0}, Watts(400)).value() == Approx(70 + 630 * 0.3).epsilon(kRel));  // 259 W
  // Hopper: alpha 1.1 (the MaxQ pair); another generation: 2 (MI300X / MI325X).
  CHECK(hwsim::clock_power_exponent(h100) == 1.1);
  CHECK(hwsim::capped_clock_scale(h100, busy, Watts(400)) == Approx(std::pow(330.0 / 630, 1 / 1.1)).epsilon(kRel));
  hwsim::Device other = h100;
  other.tensor_core_generation = hwsim::TensorCoreGeneration::cdna3;
  CHECK(hwsim::clock_power_exponent(other) == 2.0);
  CHECK(hwsim::capped_clock_scale(other, busy, Watts(400)) == Approx(std::sqrt(330.0 / 630)).epsilon(kRel));  // 0.724
  CHECK(hwsim::capped_clock_scale(h100, {0, 0.5, 0}, Watts(400)) == 1.0);  // a cap above the draw does not bind
  CHECK(hwsim::capped_clock_scale(h100, busy, Watts(700)) == 1.0);
}

TEST_CASE(
    "a capped deployment runs its compute-bound work at the lower clock, draws at most the cap per GPU and "
    "provisions less power",
    "[power]") {
  const hwsim::Result& full = cap_result("full");
  const hwsim::Result& capped = cap_result("capped");
  REQUIRE(full.fits);
  REQUIRE(capped.fits);
  const double scale = metric_of(capped, "clock_scale");
  INFO("clock share " << scale);
  CHECK(scale < 1.0);
  CHECK(scale > 0.7);
  CHECK_FALSE(full.metric("clock_scale").has_value());
  CHECK(metric_of(capped, "device_power_w") <= 400.0 + 1e-9);
  CHECK(metric_of(full, "device_power_w") > 400.0);
  // Slower, but by no more than the clock share (memory-bound work keeps its speed).
  const double ratio = metric_of(capped, "throughput_tokens_per_s") / metric_of(full, "throughput_tokens_per_s");
  CHECK(ratio < 1.0);
  CHECK(ratio >= scale - 1e-9);
  // Nameplate: each GPU's share of the node maximum shrinks by (700 - 400) W at the wall.
  CHECK(metric_of(full, "provisioned_power_w") - metric_of(capped, "provisioned_power_w") ==
        Approx(8 * 300 / 0.94).epsilon(1e-9));
  // Lower power per token despite the lower clock.
  CHECK(metric_of(capped, "energy_per_token_j") < metric_of(full, "energy_per_token_j"));
}

TEST_CASE("network capex of a two-tier fat tree: 128 DGX H100 x 8 NDR ports", "[cost]") {
  const hwsim::Result& big = cap_result("big");
  // 1024 ports on radix-64 switches, no oversubscription: two tiers (sim/perf/system.cpp size_fat_tree): 32 leaves
  // of 32 down + 32 up ports and 16 spines, 1024 node links + 1024 leaf-spine links.
  const hwsim::FatTree tree = hwsim::size_fat_tree(1024, 64, 1);
  REQUIRE(tree.switches == 48);
  REQUIRE(tree.links == 2048);
  const hwsim::NetworkSpec& ndr = cap_fixture().hw->networks().at("infiniband-ndr");
  CHECK(big.cost_breakdown.size() >= 2);
  double network = -1;
  for (const auto& m : big.cost_breakdown) {
    if (m.key == "capex_network_usd") network = m.value;
  }
  CHECK(network == Approx(48 * ndr.switch_price.value() + 2048 * ndr.cable_price.value()).epsilon(kRel));
}

TEST_CASE(
    "TCO extras: maintenance = share of capex per year, depreciation = capex / years, TCO per hour, cloud "
    "rental per GPU-hour",
    "[cost]") {
  const hwsim::Result& full = cap_result("full");
  const double capex = metric_of(full, "capex_usd");
  CHECK(metric_of(full, "depreciation_usd_per_year") == Approx(capex / 4).epsilon(kRel));
  double maintenance = -1;
  for (const auto& m : full.cost_breakdown) {
    if (m.key == "maintenance_usd") maintenance = m.value;
  }
  CHECK(maintenance == Approx(0.08 * capex * 4).epsilon(kRel));
  CHECK(metric_of(full, "tco_usd") == Approx(capex + 4 * metric_of(full, "opex_usd_per_year")).epsilon(kRel));
  CHECK(metric_of(full, "usd_per_hour") ==
        Approx(metric_of(full, "tco_usd") / (4 * kSecondsPerYear / 3600)).epsilon(kRel));
  // Cloud: 8 GPUs x 2.5 USD/h; $/M tokens at the modelled throughput.
  CHECK(metric_of(full, "cloud_usd_per_hour") == Approx(20.0).epsilon(kRel));
  CHECK(metric_of(full, "cloud_usd_per_million_tokens") ==
        Approx(20.0 / 3600 / metric_of(full, "throughput_tokens_per_s") * 1e6).epsilon(kRel));
  CHECK_FALSE(cap_result("capped").metric("cloud_usd_per_hour").has_value());
}

// (No brackets in test names: catch_discover_tests hands them to CMake lists, where an unbalanced '[' swallows the
// following tests.)
TEST_CASE("a power cap at or below the idle power or above the TDP is an input error naming both bounds", "[power]") {
  const fs::path file = fs::path(HWSIM_FIXTURES_DIR) / "scenarios/power_cap.yaml";
  for (const char* cap : {"50 W", "70 W", "900 W"}) {
    INFO(cap);
    try {
      (void)hwsim::load_scenario(file, {{}, {std::string("deployments.capped.power_cap=") + cap}});
      FAIL("accepted");
    } catch (const hwsim::InputError& e) {
      CHECK_THAT(std::string(e.what()),
                 Catch::Contains("power_cap: a power cap for h100-sxm5-80gb must be above its idle 70 W and at most "
                                 "its TDP 700 W"));
    }
  }
  CHECK_NOTHROW(hwsim::load_scenario(file, {{}, {"deployments.capped.power_cap=700 W"}}));
}

TEST_CASE(
    "inference tensor parallelism must split the heads, a context past the model's is evaluated with a "
    "warning",
    "[inference]") {
  const fs::path file = fs::path(HWSIM_FIXTURES_DIR) / "scenarios/power_cap.yaml";
  try {
    (void)hwsim::load_scenario(file, {{}, {"workloads.serve.parallelism.tp=3"}});
    FAIL("accepted");
  } catch (const hwsim::InputError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("tp: 64 heads do not split evenly over tp=3"));
  }
  const hwsim::Scenario sc = hwsim::load_scenario(file, {{}, {"workloads.serve.input_tokens=4000"}});
  const hwsim::Evaluation ev = hwsim::evaluate(sc, hwsim::DefaultEfficiency{});
  REQUIRE_FALSE(ev.warnings.empty());
  CHECK_THAT(
      ev.warnings.front(),
      Catch::Contains("workload 'serve': 4000 input + 256 output tokens exceed llama2-70b's 4096-token context"));
}

TEST_CASE(
    "an H100 training step near 40% MFU draws 550-700 W per GPU; a decode-bound step less than a compute-bound "
    "one",
    "[power]") {
  // The band: H100 SXM fleets under sustained LLM pre-training. Ai2 measured an average of ~621 W per H100 while
  // pre-training OLMo 3 7B and ~649 W for 32B (restarts, evaluations and checkpoints included; ~35-40% MFU from
  // the reported 7,700 and 1,900 tokens/s per GPU), quoted in muxup.com/2025q4/minipost-olmo3-training-cost; Morrison
  // et al., ICLR 2025 (arXiv 2503.05804, sec. 4.3): "average GPU power is over 600W" when actively training, falling
  // to ~100 W during checkpoints. 550 W leaves room below for lighter steps, 700 W is the TDP.
  const hwsim::Scenario sc = hwsim::load_scenario(fs::path(HWSIM_FIXTURES_DIR) / "scenarios/power_under_load.yaml", {});
  const hwsim::Evaluation ev = hwsim::evaluate(sc, hwsim::DefaultEfficiency{});
  const auto find = [&](const std::string& workload) -> const hwsim::Result& {
    const auto it = std::find_if(ev.results.begin(), ev.results.end(),
                                 [&](const hwsim::Result& r) { return r.workload == workload; });
    REQUIRE(it != ev.results.end());
    REQUIRE(it->fits);
    return *it;
  };
  const hwsim::Result& train = find("pretrain");
  INFO("MFU " << metric_of(train, "mfu") << ", " << metric_of(train, "device_power_w") << " W per GPU");
  CHECK(metric_of(train, "mfu") > 0.35);
  CHECK(metric_of(train, "mfu") < 0.45);
  CHECK(metric_of(train, "device_power_w") >= 550);
  CHECK(metric_of(train, "device_power_w") <= 700);
  const double decode = metric_of(find("decode"), "device_power_w");
  const double prefill = metric_of(find("prefill"), "device_power_w");
  INFO("decode " << decode << " W, prefill " << prefill << " W");
  CHECK(decode < prefill);
  CHECK(decode > 70);  // above idle: HBM streaming costs power
  CHECK(prefill > 600);
}

TEST_CASE(
    "liquid cooling: a liquid rack holds liquid nodes, its PUE is pue_liquid, and liquid nodes spend less on "
    "fans",
    "[power]") {
  const hwsim::Scenario sc = hwsim::load_scenario(fs::path(HWSIM_FIXTURES_DIR) / "scenarios/liquid_rack.yaml", {});
  CHECK(sc.rack.cooling == hwsim::Cooling::liquid);
  CHECK(sc.facility.pue_for(hwsim::Cooling::liquid, hwsim::Cooling::liquid) == 1.1);
  CHECK(sc.facility.pue_for(hwsim::Cooling::liquid, hwsim::Cooling::air) == 1.4);
  CHECK(sc.facility.pue_for(hwsim::Cooling::air, hwsim::Cooling::air) == 1.4);
  const hwsim::Evaluation ev = hwsim::evaluate(sc, hwsim::DefaultEfficiency{});
  REQUIRE(ev.results.size() == 2);
  const hwsim::Result& cold = ev.results[0].deployment == "cold" ? ev.results[0] : ev.results[1];
  const hwsim::Result& warm = ev.results[0].deployment == "cold" ? ev.results[1] : ev.results[0];
  // Both stand in the liquid-cooled rack: the liquid-cooled nodes' heat leaves in the coolant (pue_liquid); the
  // air-cooled ones still heat the room (pue).
  CHECK(metric_of(cold, "facility_power_w") == Approx(metric_of(cold, "it_power_w") * 1.1).epsilon(1e-12));
  CHECK(metric_of(warm, "facility_power_w") == Approx(metric_of(warm, "it_power_w") * 1.4).epsilon(1e-12));
  // Same GPUs at the same load: the liquid-cooled node's fans move only the board's heat.
  CHECK(metric_of(cold, "device_power_w") == Approx(metric_of(warm, "device_power_w")).epsilon(1e-12));
  CHECK(metric_of(cold, "node_power_w") < metric_of(warm, "node_power_w") - 300);
}

TEST_CASE("a CPU fleet pays for its network: Altra servers get the catalog's 25 GbE leaf-spine by default",
          "[power][cost]") {
  // scenarios/dgx-h100-vs-altra-1mw.yaml: 2400 Altra servers, one 25 GbE port each, ethernet-25g (56-port
  // switches, 48 down and 8 up per leaf): 50 leaves and 400 uplinks on ceil(400 / 56) = 8 spines, 2800 cables.
  const hwsim::Scenario sc =
      hwsim::load_scenario(fs::path(HWSIM_SOURCE_DIR) / "scenarios/dgx-h100-vs-altra-1mw.yaml", {});
  const hwsim::DeploymentDecl* altra = nullptr;
  for (const auto& d : sc.deployments) {
    if (d.name == "altra") altra = &d;
  }
  REQUIRE(altra != nullptr);
  const hwsim::System sys = hwsim::shape_system(sc, *altra, 2400);
  REQUIRE(sys.network.has_value());
  CHECK(sys.network->name == "ethernet-25g");
  CHECK(sys.fabric.tiers == 2);
  CHECK(sys.fabric.switches == 58);
  CHECK(sys.fabric.links == 2800);
  const hwsim::PowerResult p = hwsim::deployment_power(sys, {1, 0, 0}, 1.0);
  CHECK(p.network.value() == Approx(58 * 250.0 + 2800 * 2 * 0.1).epsilon(1e-12));  // 15,060 W
  const hwsim::CostResult c = hwsim::deployment_cost(sys, p, sc.facility);
  CHECK(c.capex_network.value() == Approx(58 * 12000.0 + 2800 * 60.0).epsilon(1e-12));  // 864,000 USD
}

TEST_CASE("every report prints its cost assumptions; JSON has them and both $/M token figures", "[cost][report]") {
  const hwsim::Evaluation ev = hwsim::evaluate(power_fixture(), hwsim::DefaultEfficiency{});
  const std::string line =
      "cost assumptions: PUE 1.25, electricity 0.12 USD/kWh, colocation 150 USD/kW/month of provisioned power, "
      "utilization 60%, 5 years straight-line, maintenance 0% of capex per year, staff and software 0 USD per node "
      "per year; USD per million tokens counts output tokens (trained tokens for training), the (input + output) "
      "figure every token";
  CHECK(hwsim::describe_assumptions(ev.assumptions) == line);
  CHECK_THAT(hwsim::render({ev}, hwsim::Format::table), Catch::Matchers::Contains(line));
  CHECK_THAT(hwsim::render({ev}, hwsim::Format::md), Catch::Matchers::Contains("- " + line));
  CHECK_THAT(hwsim::render({ev}, hwsim::Format::html), Catch::Matchers::Contains(line));
  // CSV: a column per assumption, every row repeating its scenario's figures.
  const std::string csv = hwsim::render({ev}, hwsim::Format::csv);
  CHECK_THAT(csv, Catch::Matchers::Contains(",assumption.pue,assumption.electricity_usd_per_kwh,"
                                            "assumption.colocation_usd_per_kw_month,assumption.utilization,"
                                            "assumption.years,assumption.maintenance_per_year,"
                                            "assumption.operations_usd_per_node_year,message\n"));
  CHECK_THAT(csv, Catch::Matchers::Contains(",1.25,0.12,150,0.6,5,0,0,"));
  const auto doc = nlohmann::json::parse(hwsim::render({ev}, hwsim::Format::json));
  CHECK(doc["assumptions"]["pue"] == 1.25);
  CHECK(doc["assumptions"]["colocation_usd_per_kw_month"].get<double>() == Approx(150).epsilon(1e-12));
  CHECK(doc["assumptions"]["utilization"] == 0.6);
  CHECK(doc["assumptions"]["years"] == 5);
  CHECK(doc["assumptions"].contains("maintenance_per_year"));
  CHECK(doc["assumptions"].contains("operations_usd_per_node_year"));
  for (const auto& r : doc["results"]) {
    if (!r["fits"].get<bool>()) continue;
    CHECK(r["metrics"].contains("usd_per_million_tokens"));
    CHECK(r["metrics"].contains("usd_per_million_all_tokens"));
  }
  SECTION("the defaults: colocation at CBRE's 184.06 USD/kW/month, 90% utilization") {
    const hwsim::FacilitySpec defaults =
        hwsim::load_scenario(fs::path(HWSIM_FIXTURES_DIR) / "scenarios/power_under_load.yaml", {}).facility;
    CHECK(defaults.colocation.value() * 1e3 * (hwsim::kSecondsPerYear / 12) == Approx(184.06).epsilon(1e-12));
    CHECK(defaults.utilization == 0.9);
    CHECK(defaults.maintenance_per_year == 0);
  }
}

TEST_CASE("staff and software per node add to opex and to the rate that prices work", "[cost]") {
  const hwsim::System pod = power_system("pod");
  const hwsim::PowerResult p = hwsim::deployment_power(pod, {0.5, 0.3, 0.1}, 1.25);
  hwsim::FacilitySpec f = power_fixture().facility;
  const hwsim::CostResult without = hwsim::deployment_cost(pod, p, f);
  f.operations_per_node = hwsim::Usd(20000);
  const hwsim::CostResult with = hwsim::deployment_cost(pod, p, f);
  CHECK(with.operations_per_year.value() == Approx(4 * 20000.0).epsilon(1e-12));
  CHECK(with.opex_per_year.value() - without.opex_per_year.value() == Approx(80000).epsilon(1e-9));
  CHECK(with.busy_rate.value() - without.busy_rate.value() == Approx(80000 / hwsim::kSecondsPerYear).epsilon(1e-9));
}

TEST_CASE("a cluster packed tighter than the facility's racks hold is re-packed with a warning", "[power][plan]") {
  // The DGX A100 SuperPOD packs 4 x 6.5 kW = 26 kW per rack; rack-42u holds 20 kW: 3 per rack, 47 racks for 140.
  const fs::path file = fs::path(HWSIM_SOURCE_DIR) / "scenarios/a100-superpod.yaml";
  const hwsim::Evaluation fits = hwsim::evaluate(hwsim::load_scenario(file, {}), hwsim::DefaultEfficiency{});
  CHECK(fits.warnings.empty());
  CHECK(metric_of(fits.results.front(), "racks") == 35);
  const hwsim::Evaluation tight = hwsim::evaluate(
      hwsim::load_scenario(file, {.catalog_dirs = {}, .sets = {"facility.rack=rack-42u"}}), hwsim::DefaultEfficiency{});
  CHECK(metric_of(tight.results.front(), "racks") == 47);
  REQUIRE(tight.warnings.size() == 1);
  CHECK(tight.warnings.front() ==
        "deployment 'superpod': cluster 'dgx-a100-superpod' packs 4 x 'dgx-a100-80gb' per rack (26.0 kW), but rack "
        "'rack-42u' (42U, 20.0 kW) holds 3: re-packed at that (set facility.rack to a rack that holds 4, or "
        "nodes_per_rack)");
}
