// Data movement: device-memory copy and triad over large buffers (bytes read + written, no read-for-ownership on
// full-sector GPU writes), L2 bandwidth with a resident working set, kernel launch cost, host<->device copies over
// PCIe from pinned memory, and peer-to-peer copies when a second GPU is reachable.
#include <chrono>
#include <cstring>
#include <thread>

#include "probe.hpp"

namespace probe {

namespace {

__global__ void copy_kernel(const float4* __restrict__ a, float4* __restrict__ c, size_t n) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    c[i] = a[i];
  }
}

__global__ void triad_kernel(float4* __restrict__ a, const float4* __restrict__ b, const float4* __restrict__ c,
                             float s, size_t n) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const float4 x = b[i], y = c[i];
    a[i] = make_float4(x.x + s * y.x, x.y + s * y.y, x.z + s * y.z, x.w + s * y.w);
  }
}

// Reads a resident buffer `passes` times through L2 (ld.global.cg bypasses L1); one store per thread keeps it live.
__global__ void l2_read_kernel(const float4* __restrict__ a, size_t n, int passes, float* __restrict__ out) {
  float sum = 0;
  for (int p = 0; p < passes; ++p) {
    for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<size_t>(gridDim.x) * blockDim.x) {
      const float4 v = __ldcg(a + i);
      sum += v.x + v.y + v.z + v.w;
    }
  }
  if (sum == 12345.678f) out[0] = sum;
}

__global__ void empty_kernel() {}

int grid_for(const cudaDeviceProp& p) { return p.multiProcessorCount * 8; }

}  // namespace

void measure_memory(const Options& o, const DeviceInfo& d, cudaStream_t stream, Results& r) {
  // Plateau: arrays >= 8x L2 (reference section 6 item 4); the 1 MiB .. 2x L2 arrays (L2 flushed before each run)
  // give the ramp the fit turns into the curve's half size.
  const size_t l2 = static_cast<size_t>(std::max(d.prop.l2CacheSize, 1 << 20));
  const std::vector<size_t> sizes =
      o.quick ? std::vector<size_t>{8 * l2}
              : std::vector<size_t>{size_t(1) << 20, size_t(8) << 20, 2 * l2, 8 * l2, 32 * l2};
  const size_t biggest = sizes.back();
  float4 *a = nullptr, *b = nullptr, *c = nullptr;
  PROBE_CHECK(cudaMalloc(&a, biggest));
  PROBE_CHECK(cudaMalloc(&b, biggest));
  PROBE_CHECK(cudaMalloc(&c, biggest));
  for (float4* x : {a, b, c}) fill_random_float(reinterpret_cast<float*>(x), biggest / sizeof(float), 7, stream);
  const L2Flush flush(d.prop);
  const int grid = grid_for(d.prop);
  const int warmup = o.quick ? 2 : 5;
  const int reps = o.quick ? 5 : 20;
  for (const size_t bytes : sizes) {
    const size_t n = bytes / sizeof(float4);
    const Timing copy = time_events(
        stream, warmup, reps, [&] { copy_kernel<<<grid, 256, 0, stream>>>(a, c, n); }, [&] { flush(stream); });
    const Timing triad = time_events(
        stream, warmup, reps, [&] { triad_kernel<<<grid, 256, 0, stream>>>(a, b, c, 3.0f, n); },
        [&] { flush(stream); });
    PROBE_CHECK(cudaGetLastError());
    r.memory.push_back({"copy", 2.0 * bytes, copy});
    r.memory.push_back({"triad", 3.0 * bytes, triad});
    std::fprintf(stderr, "hwsim-probe: memory %.0f MiB arrays: copy %.0f GB/s, triad %.0f GB/s\n", bytes / 1048576.0,
                 2.0 * bytes / copy.median_s * 1e-9, 3.0 * bytes / triad.median_s * 1e-9);
  }
  // L2: a third of the L2 stays resident after the warm-up runs (below the near/far partition knee).
  const size_t resident = l2 / 3;
  const int passes = 20;
  float* out = nullptr;
  PROBE_CHECK(cudaMalloc(&out, sizeof(float)));
  const Timing l2t = time_events(stream, warmup, reps, [&] {
    l2_read_kernel<<<grid, 256, 0, stream>>>(a, resident / sizeof(float4), passes, out);
  });
  PROBE_CHECK(cudaGetLastError());
  r.l2.push_back({"read", static_cast<double>(resident) * passes, l2t});
  std::fprintf(stderr, "hwsim-probe: L2 read %.1f MiB resident: %.0f GB/s\n", resident / 1048576.0,
               static_cast<double>(resident) * passes / l2t.median_s * 1e-9);
  cudaFree(out);
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);
}

void measure_launch(const Options& o, cudaStream_t stream, Results& r) {
  // Back-to-back gap: a batch of empty kernels between one event pair, divided; repeated for a median.
  const int batch = o.quick ? 500 : 2000;
  const int reps = o.quick ? 5 : 11;
  const Timing per_batch = time_events(stream, 2, reps, [&] {
    for (int i = 0; i < batch; ++i) empty_kernel<<<1, 32, 0, stream>>>();
  });
  PROBE_CHECK(cudaGetLastError());
  r.launch = {per_batch.median_s / batch, per_batch.min_s / batch, per_batch.max_s / batch, per_batch.repetitions};
  // Launch + synchronise round trip on the host clock, for the notes.
  std::vector<double> round;
  for (int i = 0; i < 200; ++i) {
    const auto start = std::chrono::steady_clock::now();
    empty_kernel<<<1, 32, 0, stream>>>();
    PROBE_CHECK(cudaStreamSynchronize(stream));
    if (i >= 20) round.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  const Timing rt = summarize(round);
  r.notes.push_back("launch: back-to-back gap per empty kernel " + std::to_string(r.launch.median_s * 1e6) +
                    " us (median); launch + synchronise round trip " + std::to_string(rt.median_s * 1e6) + " us");
  std::fprintf(stderr, "hwsim-probe: launch gap %.2f us, round trip %.2f us\n", r.launch.median_s * 1e6,
               rt.median_s * 1e6);
}

void measure_transfers(const Options& o, const DeviceInfo& d, cudaStream_t stream, Results& r) {
  const size_t biggest = o.quick ? (64u << 20) : (512u << 20);
  void* host = nullptr;
  void* dev = nullptr;
  PROBE_CHECK(cudaMallocHost(&host, biggest));
  PROBE_CHECK(cudaMalloc(&dev, biggest));
  std::memset(host, 1, biggest);
  const int reps = o.quick ? 5 : 10;
  for (size_t bytes : {size_t(1) << 20, size_t(16) << 20, biggest}) {
    const Timing h2d = time_events(
        stream, 2, reps, [&] { PROBE_CHECK(cudaMemcpyAsync(dev, host, bytes, cudaMemcpyHostToDevice, stream)); });
    const Timing d2h = time_events(
        stream, 2, reps, [&] { PROBE_CHECK(cudaMemcpyAsync(host, dev, bytes, cudaMemcpyDeviceToHost, stream)); });
    r.pcie.push_back({"h2d", static_cast<double>(bytes), h2d});
    r.pcie.push_back({"d2h", static_cast<double>(bytes), d2h});
  }
  std::fprintf(stderr, "hwsim-probe: pcie h2d %.1f GB/s, d2h %.1f GB/s\n",
               r.pcie[r.pcie.size() - 2].bytes / r.pcie[r.pcie.size() - 2].t.median_s * 1e-9,
               r.pcie.back().bytes / r.pcie.back().t.median_s * 1e-9);
  // Peer to peer: to every other device this one can reach directly.
  for (int peer = 0; peer < d.device_count; ++peer) {
    if (peer == o.gpu) continue;
    int can = 0;
    PROBE_CHECK(cudaDeviceCanAccessPeer(&can, o.gpu, peer));
    if (!can) {
      r.skipped.push_back({"p2p to " + std::to_string(peer), "no direct peer access"});
      continue;
    }
    const cudaError_t e = cudaDeviceEnablePeerAccess(peer, 0);
    if (e != cudaSuccess && e != cudaErrorPeerAccessAlreadyEnabled) continue;
    cudaGetLastError();
    void* remote = nullptr;
    PROBE_CHECK(cudaSetDevice(peer));
    PROBE_CHECK(cudaMalloc(&remote, biggest));
    PROBE_CHECK(cudaSetDevice(o.gpu));
    const Timing t = time_events(stream, 2, reps,
                                 [&] { PROBE_CHECK(cudaMemcpyPeerAsync(remote, peer, dev, o.gpu, biggest, stream)); });
    r.p2p.push_back({"to-" + std::to_string(peer), static_cast<double>(biggest), t});
    std::fprintf(stderr, "hwsim-probe: p2p to %d: %.1f GB/s\n", peer, biggest / t.median_s * 1e-9);
    PROBE_CHECK(cudaSetDevice(peer));
    cudaFree(remote);
    PROBE_CHECK(cudaSetDevice(o.gpu));
  }
  cudaFree(dev);
  cudaFreeHost(host);
}

double sustained_triad(cudaStream_t stream, double seconds) {
  const size_t bytes = size_t(1) << 30;
  float4 *a = nullptr, *b = nullptr, *c = nullptr;
  PROBE_CHECK(cudaMalloc(&a, bytes));
  PROBE_CHECK(cudaMalloc(&b, bytes));
  PROBE_CHECK(cudaMalloc(&c, bytes));
  for (float4* x : {a, b, c}) fill_random_float(reinterpret_cast<float*>(x), bytes / sizeof(float), 9, stream);
  int device = 0;
  PROBE_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop{};
  PROBE_CHECK(cudaGetDeviceProperties(&prop, device));
  const size_t n = bytes / sizeof(float4);
  PROBE_CHECK(cudaStreamSynchronize(stream));
  double moved = 0;
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
    for (int i = 0; i < 10; ++i) triad_kernel<<<grid_for(prop), 256, 0, stream>>>(a, b, c, 3.0f, n);
    PROBE_CHECK(cudaStreamSynchronize(stream));
    moved += 10 * 3.0 * bytes;
  }
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);
  return moved;
}

}  // namespace probe
