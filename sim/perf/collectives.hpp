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

// The link of a ring that spans nodes with `ranks_per_node` consecutive ranks in each node, while every other group
// of the node (the other tensor/context-parallel ranks) runs the same collective at once. NCCL builds one ring
// (channel) per NIC, so only the hops between nodes use the network and the node's NICs carry them side by side:
// a rank's share of the scale-out bandwidth is ranks_per_node x its own NIC share, and the ring is no faster than
// the intra-node link each rank also sends over. Multi-node nccl-tests all-reduce bus bandwidth on 8-GPU H100 NDR
// nodes is 400-450 GB/s, the node's NIC total rather than one NIC (saturncloud.io/blog/crusoe-nccl-cluster-validation).
// Contract: efficiencies are folded into the result (efficiency 1); latency per step is the scale-out one.
LinkPath ring_across_nodes(const LinkPath& intra_node, const LinkPath& scale_out, int ranks_per_node);

}  // namespace hwsim
