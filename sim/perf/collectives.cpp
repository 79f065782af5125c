#include "sim/perf/collectives.hpp"

namespace hwsim {

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

Seconds point_to_point(Bytes size, const LinkPath& link) { return transfer(size.value(), link) + link.latency; }

}  // namespace hwsim
