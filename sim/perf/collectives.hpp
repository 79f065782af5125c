// Collective communication times, alpha-beta model: rings and (double binary) trees, as NCCL runs them. `size` is
// the full buffer each rank holds (all-reduce, all-to-all) or the gathered result (all-gather, reduce-scatter).
#pragma once

#include "sim/core/units.hpp"
#include "sim/perf/efficiency.hpp"
#include "sim/perf/system.hpp"

namespace hwsim {

struct LinkPath {
  BytesPerSecond bandwidth;  // per direction, per rank, before efficiency
  Seconds latency;           // per ring step
  double efficiency = 1.0;   // achieved fraction of bandwidth
};

// Ring all-reduce: 2(n-1)/n x size / bandwidth + 2(n-1) x latency.
// A device's scale-up link (NVLink, Infinity Fabric) or its share of the node's NICs (`scale_out`), at the latency
// and efficiency the model gives that kind of link.
LinkPath link_path(const System& sys, const EfficiencyModel& eff, bool scale_out);

Seconds ring_all_reduce(Bytes size, int ranks, const LinkPath& link);
// Ring all-gather or reduce-scatter: (n-1)/n x size / bandwidth + (n-1) x latency.
Seconds ring_all_gather(Bytes size, int ranks, const LinkPath& link);
// One message: size / bandwidth + latency.
Seconds point_to_point(Bytes size, const LinkPath& link);
// Tree all-reduce (NCCL double binary tree): every rank sends and receives the buffer once while reducing up the
// tree and once while broadcasting down: 2 x size / bandwidth + 2 x ceil(log2 n) x latency.
Seconds tree_all_reduce(Bytes size, int ranks, const LinkPath& link);
// All-reduce by the faster of ring and tree for this size (NCCL's tuner chooses per message size the same way:
// trees for small, latency-bound messages across many ranks, rings for large ones).
Seconds all_reduce(Bytes size, int ranks, const LinkPath& link);
// All-to-all (pairwise exchange): each rank sends (n-1)/n of its buffer, one step per peer:
// (n-1)/n x size / bandwidth + (n-1) x latency.
Seconds all_to_all(Bytes size, int ranks, const LinkPath& link);
// A rank's exchange with its peers, `intra_bytes` to the `intra_peers` of its own node over the intra-node link and
// `scale_out_bytes` to the `scale_out_peers` on other nodes over its own NIC, at the same time (NCCL posts every
// peer's send and receive at once; DeepEP's and HybridEP's kernels drive NVLink and RDMA side by side), so the slower
// of the two sets the time: max(intra / its bandwidth + intra_peers x its latency, scale-out likewise).
Seconds split_exchange(Bytes intra_bytes, int intra_peers, const LinkPath& intra_node, Bytes scale_out_bytes,
                       int scale_out_peers, const LinkPath& scale_out);

// The link of a ring that spans nodes with `ranks_per_node` consecutive ranks in each node, while every other group
// of the node (the other tensor/context-parallel ranks) runs the same collective at once. NCCL builds one ring
// (channel) per NIC, so only the hops between nodes use the network and the node's NICs carry them side by side:
// a rank's share of the scale-out bandwidth is ranks_per_node x its own NIC share, and the ring is no faster than
// the intra-node link each rank also sends over. Multi-node nccl-tests all-reduce bus bandwidth on 8-GPU H100 NDR
// nodes is 400-450 GB/s, the node's NIC total rather than one NIC (saturncloud.io/blog/crusoe-nccl-cluster-validation).
// Contract: efficiencies are folded into the result (efficiency 1); latency per step is the scale-out one.
LinkPath ring_across_nodes(const LinkPath& intra_node, const LinkPath& scale_out, int ranks_per_node);

}  // namespace hwsim
