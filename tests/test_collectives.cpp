// Collectives and fat trees (sim/perf/collectives, system):
// ring all-reduce = 2(n-1)/n x S/B + 2(n-1) alpha; all-gather = (n-1)/n x S/B + (n-1) alpha; one rank costs nothing;
// a ring across nodes runs at ranks-per-node x its NIC share, capped by the intra-node link; a fat tree has as many
// tiers as its radix forces. (The default efficiencies are tested in test_efficiency.cpp.)
// Tolerance: 1e-12 relative (the formulas are evaluated exactly as written, only rounding differs).
#include <catch2/catch.hpp>

#include <filesystem>

#include "hwmodels/catalog_loader.hpp"
#include "hwmodels/hardware_catalog.hpp"
#include "sim/perf/collectives.hpp"
#include "sim/perf/system.hpp"
#include "tests/support/constants.hpp"

using hwsim::Bytes;
using hwsim::BytesPerSecond;
using hwsim::LinkPath;
using hwsim::Seconds;

namespace {

using hwsim::test::kGiB;
using hwsim::test::kRel;

// An NVLink-like link: 450 GB/s per direction, 2 us per ring step, full efficiency.
const LinkPath kNvlink{BytesPerSecond(450e9), Seconds(2e-6), 1.0};

void check_tree(const hwsim::FatTree& t, int tiers, int switches, int links) {
  CHECK(t.tiers == tiers);
  CHECK(t.switches == switches);
  CHECK(t.links == links);
}

}  // namespace

TEST_CASE("ring all-reduce costs 2(n-1)/n x S/B + 2(n-1) x alpha", "[collectives]") {
  const Bytes s(1 * kGiB);
  // 8 ranks: 2 x 7/8 x 1 GiB / 450 GB/s + 14 x 2 us.
  const double expected = 2.0 * 7 / 8 * kGiB / 450e9 + 2.0 * 7 * 2e-6;
  CHECK(hwsim::ring_all_reduce(s, 8, kNvlink).value() == Approx(expected).epsilon(kRel));
  // 2 ranks: each sends half, twice: 2 x 1/2 x S/B + 2 alpha.
  CHECK(hwsim::ring_all_reduce(s, 2, kNvlink).value() == Approx(kGiB / 450e9 + 2 * 2e-6).epsilon(kRel));
  // Many ranks: the bandwidth term tends to 2 S/B (1024 ranks: 2 x 1023/1024).
  const LinkPath no_latency{BytesPerSecond(450e9), Seconds(0), 1.0};
  CHECK(hwsim::ring_all_reduce(s, 1024, no_latency).value() == Approx(2.0 * 1023 / 1024 * kGiB / 450e9).epsilon(kRel));
}

TEST_CASE("link efficiency divides the bandwidth, not the latency", "[collectives]") {
  const LinkPath link{BytesPerSecond(450e9), Seconds(2e-6), 0.75};
  const double expected = 2.0 * 7 / 8 * kGiB / (450e9 * 0.75) + 2.0 * 7 * 2e-6;
  CHECK(hwsim::ring_all_reduce(Bytes(kGiB), 8, link).value() == Approx(expected).epsilon(kRel));
}

TEST_CASE("ring all-gather and reduce-scatter cost (n-1)/n x S/B + (n-1) x alpha", "[collectives]") {
  const Bytes s(256e6);
  const double expected = 3.0 / 4 * 256e6 / 450e9 + 3 * 2e-6;  // 4 ranks
  CHECK(hwsim::ring_all_gather(s, 4, kNvlink).value() == Approx(expected).epsilon(kRel));
  // An all-reduce is a reduce-scatter followed by an all-gather.
  CHECK(hwsim::ring_all_reduce(s, 4, kNvlink).value() ==
        Approx(2 * hwsim::ring_all_gather(s, 4, kNvlink).value()).epsilon(kRel));
}

TEST_CASE("a collective over a single rank costs nothing", "[collectives]") {
  CHECK(hwsim::ring_all_reduce(Bytes(kGiB), 1, kNvlink).value() == 0.0);
  CHECK(hwsim::ring_all_gather(Bytes(kGiB), 1, kNvlink).value() == 0.0);
  CHECK(hwsim::ring_all_reduce(Bytes(kGiB), 0, kNvlink).value() == 0.0);
}

TEST_CASE("a point-to-point message costs S/B + alpha", "[collectives]") {
  CHECK(hwsim::point_to_point(Bytes(64e6), kNvlink).value() == Approx(64e6 / 450e9 + 2e-6).epsilon(kRel));
}

TEST_CASE("a ring across nodes runs at k x its NIC share, capped by the intra-node link", "[collectives]") {
  // DGX H100-like: NVLink 450 GB/s per direction at efficiency 0.75; one 400 Gb/s = 50 GB/s NIC per GPU at 0.7.
  const LinkPath nvlink{BytesPerSecond(450e9), Seconds(2e-6), 0.75};
  const LinkPath nic{BytesPerSecond(50e9), Seconds(7e-6), 0.7};
  // k ranks of the ring in each node: their k NICs carry the hops between nodes (k x 50 x 0.7 GB/s).
  const LinkPath one = hwsim::ring_across_nodes(nvlink, nic, 1);
  CHECK(one.bandwidth.value() * one.efficiency == Approx(50e9 * 0.7).epsilon(kRel));
  const LinkPath two = hwsim::ring_across_nodes(nvlink, nic, 2);
  CHECK(two.bandwidth.value() * two.efficiency == Approx(2 * 50e9 * 0.7).epsilon(kRel));  // 70 GB/s
  // 8 x 35 = 280 GB/s still below NVLink's 337.5; 16 (560) would exceed it: the ring cannot outrun the intra-node hop.
  const LinkPath eight = hwsim::ring_across_nodes(nvlink, nic, 8);
  CHECK(eight.bandwidth.value() * eight.efficiency == Approx(8 * 50e9 * 0.7).epsilon(kRel));
  const LinkPath sixteen = hwsim::ring_across_nodes(nvlink, nic, 16);
  CHECK(sixteen.bandwidth.value() * sixteen.efficiency == Approx(450e9 * 0.75).epsilon(kRel));
  // Each step of the ring waits for the slowest hop: the network's latency.
  CHECK(two.latency.value() == 7e-6);
  // An all-gather over 16 ranks, 2 per node, of 1 GiB: 15/16 x 1 GiB / 70 GB/s + 15 x 7 us.
  CHECK(hwsim::ring_all_gather(Bytes(kGiB), 16, two).value() ==
        Approx(15.0 / 16 * kGiB / (2 * 50e9 * 0.7) + 15 * 7e-6).epsilon(kRel));
}

TEST_CASE("fat tree: one switch when every endpoint fits its radix", "[system]") {
  check_tree(hwsim::size_fat_tree(1, 64, 1), 0, 0, 0);  // nothing to connect
  check_tree(hwsim::size_fat_tree(32, 64, 1), 1, 1, 32);
  check_tree(hwsim::size_fat_tree(64, 64, 1), 1, 1, 64);  // exactly the radix
}

TEST_CASE("fat tree: two tiers while leaf uplinks fit radix^2 / 2 spine ports", "[system]") {
  // Full bisection (oversubscription 1): a leaf gives floor(64 x 1/2) = 32 ports down, 32 up.
  // DGX H100 SuperPOD, 127 nodes x 8 NICs = 1016 endpoints: ceil(1016/32) = 32 leaves, 32 x 32 = 1024 uplinks
  // (<= 64 x 64 / 2 = 2048), ceil(1024/64) = 16 spines; links = 1016 NIC cables + 1024 uplinks.
  check_tree(hwsim::size_fat_tree(127 * 8, 64, 1), 2, 32 + 16, 1016 + 1024);
  // Just past one switch: 65 endpoints -> ceil(65/32) = 3 leaves, 96 uplinks, ceil(96/64) = 2 spines.
  check_tree(hwsim::size_fat_tree(65, 64, 1), 2, 3 + 2, 65 + 96);
  // The largest two-tier tree: 2048 endpoints -> 64 leaves x 32 up = 2048 uplinks = radix^2 / 2, 32 spines.
  check_tree(hwsim::size_fat_tree(2048, 64, 1), 2, 64 + 32, 2048 + 2048);
  // Oversubscribed 3:1: floor(64 x 3/4) = 48 down, 16 up; 1016 endpoints -> ceil(1016/48) = 22 leaves,
  // 22 x 16 = 352 uplinks, ceil(352/64) = 6 spines.
  check_tree(hwsim::size_fat_tree(1016, 64, 3), 2, 22 + 6, 1016 + 352);
}

TEST_CASE("fat tree: three tiers beyond radix^2 / 2 uplinks", "[system]") {
  // DGX A100 SuperPOD, 140 nodes x 8 HDR NICs = 1120 endpoints, radix 40: 20 down / 20 up per leaf,
  // 1120/20 = 56 leaves (> 40), 56 x 20 = 1120 uplinks (> 40 x 40 / 2 = 800): a third tier.
  // Spines = leaves = 56 with 40/2 = 20 ports up each: 1120 spine uplinks on ceil(1120/40) = 28 cores.
  check_tree(hwsim::size_fat_tree(140 * 8, 40, 1), 3, 56 + 56 + 28, 1120 + 1120 + 1120);
  // One endpoint past the two-tier limit of radix 64: 2049 -> 65 leaves, 2080 uplinks, 65 spines x 32 up = 2080,
  // ceil(2080/64) = 33 cores.
  check_tree(hwsim::size_fat_tree(2049, 64, 1), 3, 65 + 65 + 33, 2049 + 2080 + 2080);
}

TEST_CASE("fat tree: the catalog clusters' stated tiers agree with the derived ones", "[system]") {
  // STYLE.md rule 7: where a derived and a stated figure both exist, a test holds them together.
  auto store = hwsim::read_catalog_dirs({std::filesystem::path(HWSIM_SOURCE_DIR) / "hwmodels/catalog",
                                         std::filesystem::path(HWSIM_SOURCE_DIR) / "workloads/catalog"});
  hwsim::Diagnostics diags;
  store.resolve(diags);
  REQUIRE(diags.empty());
  const auto hw = hwsim::HardwareCatalog::build(store);
  REQUIRE_FALSE(hw.clusters().empty());
  for (const auto& [name, c] : hw.clusters()) {
    if (c.tiers == 0) continue;  // not stated
    INFO(name);
    const auto& node = hw.nodes().at(c.node);
    const auto& net = hw.networks().at(c.network);
    const auto tree = hwsim::size_fat_tree(c.count * node.nic_count, net.switch_radix,
                                           c.oversubscription.value_or(net.oversubscription));
    CHECK(tree.tiers == c.tiers);
  }
}

TEST_CASE("tree all-reduce = 2 x size / bandwidth + 2 x ceil(log2 n) x latency", "[collectives]") {
  const hwsim::LinkPath link{hwsim::BytesPerSecond(100e9), hwsim::Seconds(6e-6), 0.5};
  // 8 ranks, 1 GB: 2 x 1e9 / (100e9 x 0.5) + 2 x 3 x 6 us = 0.04 s + 36 us.
  CHECK(hwsim::tree_all_reduce(hwsim::Bytes(1e9), 8, link).value() == Approx(0.04 + 36e-6).epsilon(1e-12));
  // 5 ranks: depth ceil(log2 5) = 3.
  CHECK(hwsim::tree_all_reduce(hwsim::Bytes(1e9), 5, link).value() == Approx(0.04 + 36e-6).epsilon(1e-12));
  CHECK(hwsim::tree_all_reduce(hwsim::Bytes(1e9), 1, link).value() == 0.0);
}

TEST_CASE("all_reduce takes the ring for large buffers and the tree for small ones across many ranks",
          "[collectives]") {
  const hwsim::LinkPath link{hwsim::BytesPerSecond(100e9), hwsim::Seconds(6e-6), 1.0};
  // 1 GB over 64 ranks: ring 2 x 63/64 x 10 ms + 126 x 6 us = 19.6875 ms + 0.756 ms; tree 20 ms + 72 us.
  const double ring_big = 2.0 * 63 / 64 * 1e9 / 100e9 + 126 * 6e-6;
  const double tree_big = 2.0 * 1e9 / 100e9 + 12 * 6e-6;
  CHECK(hwsim::all_reduce(hwsim::Bytes(1e9), 64, link).value() == Approx(std::min(ring_big, tree_big)).epsilon(1e-12));
  CHECK(ring_big > tree_big);  // at 64 ranks the ring's 126 latency steps cost more than its bandwidth saving
  // 1 GB over 8 ranks: ring 17.5 ms + 84 us beats tree 20 ms + 36 us.
  CHECK(hwsim::all_reduce(hwsim::Bytes(1e9), 8, link).value() ==
        Approx(2.0 * 7 / 8 * 1e9 / 100e9 + 14 * 6e-6).epsilon(1e-12));
  // 64 KB over 8 ranks: tree 1.31 us + 36 us beats ring 1.15 us + 84 us.
  CHECK(hwsim::all_reduce(hwsim::Bytes(65536), 8, link).value() ==
        Approx(2.0 * 65536 / 100e9 + 6 * 6e-6).epsilon(1e-12));
}

TEST_CASE("all-to-all = (n - 1) / n x size / bandwidth + (n - 1) x latency", "[collectives]") {
  const hwsim::LinkPath link{hwsim::BytesPerSecond(50e9), hwsim::Seconds(2e-6), 0.6};
  // 4 ranks, 400 MB: 3/4 x 4e8 / (50e9 x 0.6) + 3 x 2 us = 10 ms + 6 us.
  CHECK(hwsim::all_to_all(hwsim::Bytes(4e8), 4, link).value() == Approx(10e-3 + 6e-6).epsilon(1e-12));
  CHECK(hwsim::all_to_all(hwsim::Bytes(4e8), 1, link).value() == 0.0);
}

TEST_CASE("split exchange: the node's peers over NVLink and the rest over the NIC, at once", "[collectives]") {
  const hwsim::LinkPath nvlink{hwsim::BytesPerSecond(450e9), hwsim::Seconds(2e-6), 0.75};
  const hwsim::LinkPath nic{hwsim::BytesPerSecond(50e9), hwsim::Seconds(5e-6), 0.8};
  const hwsim::Bytes size(1.6e9);
  // An all-to-all of 16 ranks, 8 to a node: 7/16 of 1.6 GB over NVLink (2.07 ms + 14 us) while 8/16 go over the NIC
  // (20 ms + 40 us).
  CHECK(hwsim::split_exchange(size * (7.0 / 16), 7, nvlink, size * (8.0 / 16), 8, nic).value() ==
        Approx(0.8e9 / 40e9 + 8 * 5e-6).epsilon(1e-12));
  // Half the bytes of the all-network exchange, which sends 15/16 over the NIC.
  CHECK(hwsim::split_exchange(hwsim::Bytes(0), 0, nvlink, size * (15.0 / 16), 15, nic).value() ==
        Approx(hwsim::all_to_all(size, 16, nic).value()));
  // A group inside one node is the NVLink exchange.
  CHECK(hwsim::split_exchange(size * (7.0 / 8), 7, nvlink, hwsim::Bytes(0), 0, nic).value() ==
        Approx(hwsim::all_to_all(size, 8, nvlink).value()));
  // With a NIC faster than NVLink the node's peers set the time.
  const hwsim::LinkPath fast_nic{hwsim::BytesPerSecond(4000e9), hwsim::Seconds(5e-6), 1.0};
  CHECK(hwsim::split_exchange(size * (7.0 / 16), 7, nvlink, size * (8.0 / 16), 8, fast_nic).value() ==
        Approx(0.7e9 / 337.5e9 + 7 * 2e-6));
  CHECK(hwsim::split_exchange(hwsim::Bytes(0), 0, nvlink, hwsim::Bytes(0), 0, nic).value() == 0.0);
}
