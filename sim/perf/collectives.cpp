#include "sim/perf/collectives.hpp"

#include <algorithm>
#include <cmath>

namespace hwsim {

LinkPath link_path(const System& sys, const EfficiencyModel& eff, bool scale_out) {
  const BytesPerSecond bw = scale_out ? sys.device.scale_out_bandwidth : sys.device.scale_up_bandwidth;
  return {bw, eff.link_latency(sys.device, scale_out), eff.link(sys.device, scale_out)};
}

namespace {
Seconds transfer(double bytes, const LinkPath& link) {
  return Seconds(bytes / (link.bandwidth.value() * link.efficiency));
}
}  // namespace

Seconds ring_all_reduce(Bytes size, int ranks, const LinkPath& link) {
  if (ranks <= 1) return Seconds(0);
  const double n = ranks;
  return transfer(2.0 * (n - 1) / n * size.value(), link) + link.latency * (2.0 * (n - 1));
}

Seconds ring_all_gather(Bytes size, int ranks, const LinkPath& link) {
  if (ranks <= 1) return Seconds(0);
  const double n = ranks;
  return transfer((n - 1) / n * size.value(), link) + link.latency * (n - 1);
}

Seconds tree_all_reduce(Bytes size, int ranks, const LinkPath& link) {
  if (ranks <= 1) return Seconds(0);
  const double depth = std::ceil(std::log2(static_cast<double>(ranks)));
  return transfer(2.0 * size.value(), link) + link.latency * (2.0 * depth);
}

Seconds all_reduce(Bytes size, int ranks, const LinkPath& link) {
  return std::min(ring_all_reduce(size, ranks, link), tree_all_reduce(size, ranks, link));
}

Seconds all_to_all(Bytes size, int ranks, const LinkPath& link) {
  if (ranks <= 1) return Seconds(0);
  const double n = ranks;
  return transfer((n - 1) / n * size.value(), link) + link.latency * (n - 1);
}

Seconds split_exchange(Bytes intra_bytes, int intra_peers, const LinkPath& intra_node, Bytes scale_out_bytes,
                       int scale_out_peers, const LinkPath& scale_out) {
  const Seconds local =
      intra_peers > 0 ? transfer(intra_bytes.value(), intra_node) + intra_node.latency * intra_peers : Seconds(0);
  const Seconds remote = scale_out_peers > 0
                             ? transfer(scale_out_bytes.value(), scale_out) + scale_out.latency * scale_out_peers
                             : Seconds(0);
  return std::max(local, remote);
}

Seconds point_to_point(Bytes size, const LinkPath& link) { return transfer(size.value(), link) + link.latency; }

LinkPath ring_across_nodes(const LinkPath& intra_node, const LinkPath& scale_out, int ranks_per_node) {
  const double k = std::max(1, ranks_per_node);
  const double network = k * scale_out.bandwidth.value() * scale_out.efficiency;
  const double local = intra_node.bandwidth.value() * intra_node.efficiency;
  return {BytesPerSecond(std::min(network, local)), scale_out.latency, 1.0};
}

}  // namespace hwsim
