// Collective communication times, alpha-beta model over rings (first order; the training issue adds trees and
// the multi-level hierarchy). `size` is the full buffer each rank holds (all-reduce) or the gathered result.
#pragma once

#include "sim/core/units.hpp"

namespace hwsim {

struct LinkPath {
  BytesPerSecond bandwidth;  // per direction, per rank, before efficiency
  Seconds latency;           // per ring step
  double efficiency = 1.0;   // achieved fraction of bandwidth
};

// Ring all-reduce: 2(n-1)/n x size / bandwidth + 2(n-1) x latency.
Seconds ring_all_reduce(Bytes size, int ranks, const LinkPath& link);
// Ring all-gather or reduce-scatter: (n-1)/n x size / bandwidth + (n-1) x latency.
Seconds ring_all_gather(Bytes size, int ranks, const LinkPath& link);
// One message: size / bandwidth + latency.
Seconds point_to_point(Bytes size, const LinkPath& link);

}  // namespace hwsim
