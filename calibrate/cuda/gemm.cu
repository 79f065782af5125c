// Dense GEMM through cuBLASLt, per dtype the device has, over square and transformer-like shapes.
// Method (calibration-reference.md sections 1 G5 and 6): TN layout (FP8 on Hopper requires it; used for all dtypes
// so they compare), 32 MiB workspace, the heuristic's first algorithm ("what an application gets"), random-normal
// inputs, L2 flushed before every timed run, warm-up runs, median of the timed runs.
#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <chrono>
#include <cstdint>
#include <cstring>

#include "probe.hpp"

namespace probe {

namespace {

#define LT_CHECK(call)                                                                              \
  do {                                                                                              \
    const cublasStatus_t lt_status = (call);                                                        \
    if (lt_status != CUBLAS_STATUS_SUCCESS) {                                                       \
      std::fprintf(stderr, "hwsim-probe: %s:%d: %s: cublas status %d\n", __FILE__, __LINE__, #call, \
                   static_cast<int>(lt_status));                                                    \
      std::exit(3);                                                                                 \
    }                                                                                               \
  } while (0)

struct DtypeSpec {
  const char* name;
  cudaDataType_t ab;
  cudaDataType_t c;
  cublasComputeType_t compute;
  cudaDataType_t scale;
  int min_cc;  // major * 10 + minor
  size_t ab_bytes;
  size_t c_bytes;
};

const DtypeSpec kDtypes[] = {
    {"fp64", CUDA_R_64F, CUDA_R_64F, CUBLAS_COMPUTE_64F, CUDA_R_64F, 60, 8, 8},
    {"tf32", CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32, CUDA_R_32F, 80, 4, 4},
    {"bf16", CUDA_R_16BF, CUDA_R_16BF, CUBLAS_COMPUTE_32F, CUDA_R_32F, 80, 2, 2},
    {"fp16", CUDA_R_16F, CUDA_R_16F, CUBLAS_COMPUTE_32F, CUDA_R_32F, 70, 2, 2},
    {"fp8", CUDA_R_8F_E4M3, CUDA_R_16BF, CUBLAS_COMPUTE_32F, CUDA_R_32F, 89, 1, 2},
    {"int8", CUDA_R_8I, CUDA_R_32I, CUBLAS_COMPUTE_32I, CUDA_R_32I, 75, 1, 4},
};

__device__ float normalish(size_t i, unsigned seed) {
  // Sum of four hashed uniforms: mean 0, variance 1/3 (close enough to normal for bit-toggling purposes).
  float sum = 0;
  for (unsigned j = 0; j < 4; ++j) {
    unsigned x = static_cast<unsigned>(i * 4 + j) * 2654435761u ^ (seed * 0x9e3779b9u);
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    sum += (x & 0xffffff) / 16777216.0f - 0.5f;
  }
  return sum;
}

template <class T>
__device__ T convert(float v) {
  return static_cast<T>(v);
}
template <>
__device__ __nv_bfloat16 convert<__nv_bfloat16>(float v) {
  return __float2bfloat16(v);
}
template <>
__device__ __half convert<__half>(float v) {
  return __float2half(v);
}
template <>
__device__ __nv_fp8_e4m3 convert<__nv_fp8_e4m3>(float v) {
  return __nv_fp8_e4m3(v);
}
template <>
__device__ int8_t convert<int8_t>(float v) {
  return static_cast<int8_t>(fmaxf(-127.f, fminf(127.f, rintf(v * 64.f))));
}

template <class T>
__global__ void fill_kernel(T* data, size_t n, unsigned seed) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    data[i] = convert<T>(normalish(i, seed));
  }
}

template <class T>
void fill(void* data, size_t n, unsigned seed, cudaStream_t stream) {
  fill_kernel<T><<<1024, 256, 0, stream>>>(static_cast<T*>(data), n, seed);
  PROBE_CHECK(cudaGetLastError());
}

void fill_as(cudaDataType_t t, void* data, size_t n, unsigned seed, cudaStream_t stream) {
  switch (t) {
    case CUDA_R_64F: fill<double>(data, n, seed, stream); break;
    case CUDA_R_32F: fill<float>(data, n, seed, stream); break;
    case CUDA_R_16BF: fill<__nv_bfloat16>(data, n, seed, stream); break;
    case CUDA_R_16F: fill<__half>(data, n, seed, stream); break;
    case CUDA_R_8F_E4M3: fill<__nv_fp8_e4m3>(data, n, seed, stream); break;
    case CUDA_R_8I: fill<int8_t>(data, n, seed, stream); break;
    default: break;
  }
}

// Device buffers big enough for the largest shape of any dtype.
struct Buffers {
  void* a = nullptr;
  void* b = nullptr;
  void* c = nullptr;
  void* workspace = nullptr;
  float* one = nullptr;  // FP8 scale factors (1.0)
  size_t workspace_bytes = 32u << 20;
  Buffers(size_t ab_bytes, size_t c_bytes) {
    PROBE_CHECK(cudaMalloc(&a, ab_bytes));
    PROBE_CHECK(cudaMalloc(&b, ab_bytes));
    PROBE_CHECK(cudaMalloc(&c, c_bytes));
    PROBE_CHECK(cudaMalloc(&workspace, workspace_bytes));
    PROBE_CHECK(cudaMalloc(&one, sizeof(float)));
    const float host_one = 1.0f;
    PROBE_CHECK(cudaMemcpy(one, &host_one, sizeof host_one, cudaMemcpyHostToDevice));
  }
  ~Buffers() {
    cudaFree(a);
    cudaFree(b);
    cudaFree(c);
    cudaFree(workspace);
    cudaFree(one);
  }
};

// One planned GEMM D = alpha op(A) op(B) + beta C with op(A) = A^T (TN), D in place of C.
class LtGemm {
 public:
  LtGemm(cublasLtHandle_t handle, const DtypeSpec& s, int m, int n, int k, Buffers& buf) : handle_(handle), buf_(buf) {
    LT_CHECK(cublasLtMatmulDescCreate(&desc_, s.compute, s.scale));
    const cublasOperation_t t = CUBLAS_OP_T, nt = CUBLAS_OP_N;
    LT_CHECK(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_TRANSA, &t, sizeof t));
    LT_CHECK(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_TRANSB, &nt, sizeof nt));
    if (s.ab == CUDA_R_8F_E4M3) {
      LT_CHECK(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &buf.one, sizeof buf.one));
      LT_CHECK(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &buf.one, sizeof buf.one));
    }
    LT_CHECK(cublasLtMatrixLayoutCreate(&a_, s.ab, k, m, k));
    LT_CHECK(cublasLtMatrixLayoutCreate(&b_, s.ab, k, n, k));
    LT_CHECK(cublasLtMatrixLayoutCreate(&c_, s.c, m, n, m));
    cublasLtMatmulPreference_t pref = nullptr;
    LT_CHECK(cublasLtMatmulPreferenceCreate(&pref));
    LT_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &buf.workspace_bytes,
                                                  sizeof buf.workspace_bytes));
    int found = 0;
    const cublasStatus_t st =
        cublasLtMatmulAlgoGetHeuristic(handle_, desc_, a_, b_, c_, c_, pref, 1, &heuristic_, &found);
    cublasLtMatmulPreferenceDestroy(pref);
    ok_ = st == CUBLAS_STATUS_SUCCESS && found > 0;
    std::memset(alpha_, 0, sizeof alpha_);
    std::memset(beta_, 0, sizeof beta_);
    if (s.scale == CUDA_R_64F) *reinterpret_cast<double*>(alpha_) = 1.0;
    if (s.scale == CUDA_R_32F) *reinterpret_cast<float*>(alpha_) = 1.0f;
    if (s.scale == CUDA_R_32I) *reinterpret_cast<int32_t*>(alpha_) = 1;
  }
  ~LtGemm() {
    cublasLtMatrixLayoutDestroy(a_);
    cublasLtMatrixLayoutDestroy(b_);
    cublasLtMatrixLayoutDestroy(c_);
    cublasLtMatmulDescDestroy(desc_);
  }
  [[nodiscard]] bool ok() const { return ok_; }
  void run(cudaStream_t stream) const {
    LT_CHECK(cublasLtMatmul(handle_, desc_, alpha_, buf_.a, a_, buf_.b, b_, beta_, buf_.c, c_, buf_.c, c_,
                            &heuristic_.algo, buf_.workspace, buf_.workspace_bytes, stream));
  }

 private:
  cublasLtHandle_t handle_;
  Buffers& buf_;
  cublasLtMatmulDesc_t desc_ = nullptr;
  cublasLtMatrixLayout_t a_ = nullptr, b_ = nullptr, c_ = nullptr;
  cublasLtMatmulHeuristicResult_t heuristic_{};
  bool ok_ = false;
  alignas(8) unsigned char alpha_[8];
  alignas(8) unsigned char beta_[8];
};

struct Shape {
  int m, n, k;
};

std::vector<Shape> shapes(bool quick) {
  if (quick) return {{1024, 1024, 1024}, {4096, 4096, 4096}, {4096, 11008, 4096}};
  return {
      {256, 256, 256},
      {512, 512, 512},
      {1024, 1024, 1024},
      {2048, 2048, 2048},
      {4096, 4096, 4096},
      {8192, 8192, 8192},
      // transformer-like: tokens x (QKV, MLP up, MLP down) of a Llama-2-7B layer; a GPT-3 175B TP=8 layer; a
      // small-batch projection
      {4096, 12288, 4096},
      {4096, 11008, 4096},
      {4096, 4096, 11008},
      {2048, 6144, 12288},
      {512, 4096, 4096},
  };
}

int compute_capability(const cudaDeviceProp& p) { return p.major * 10 + p.minor; }

const DtypeSpec* spec_of(const std::string& name) {
  for (const auto& s : kDtypes) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

}  // namespace

void fill_random_float(float* data, size_t n, unsigned seed, cudaStream_t stream) {
  fill<float>(data, n, seed, stream);
}

void measure_gemm(const Options& o, const DeviceInfo& d, cudaStream_t stream, Results& r) {
  const std::vector<Shape> list = shapes(o.quick);
  size_t max_ab = 0, max_c = 0;
  for (const auto& s : list) {
    max_ab = std::max(max_ab, static_cast<size_t>(std::max(s.m, s.n)) * s.k * 8);
    max_c = std::max(max_c, static_cast<size_t>(s.m) * s.n * 8);
  }
  Buffers buf(max_ab, max_c);
  cublasLtHandle_t handle = nullptr;
  LT_CHECK(cublasLtCreate(&handle));
  const L2Flush flush(d.prop);
  const int cc = compute_capability(d.prop);
  const int warmup = o.quick ? 3 : 10;
  const int reps = o.quick ? 5 : 30;
  for (const auto& spec : kDtypes) {
    if (cc < spec.min_cc) {
      r.skipped.push_back({std::string("gemm ") + spec.name,
                           "compute capability " + std::to_string(d.prop.major) + "." + std::to_string(d.prop.minor) +
                               " < " + std::to_string(spec.min_cc / 10) + "." + std::to_string(spec.min_cc % 10)});
      continue;
    }
    fill_as(spec.ab, buf.a, max_ab / spec.ab_bytes, 1, stream);
    fill_as(spec.ab, buf.b, max_ab / spec.ab_bytes, 2, stream);
    int measured = 0;
    for (const auto& s : list) {
      const LtGemm g(handle, spec, s.m, s.n, s.k, buf);
      if (!g.ok()) continue;
      const Timing t = time_events(
          stream, warmup, reps, [&] { g.run(stream); }, [&] { flush(stream); });
      r.gemm.push_back({spec.name, double(s.m), double(s.n), double(s.k), t,
                        "cublasLt TN heuristic 1, 32 MiB workspace, L2 flushed"});
      ++measured;
      std::fprintf(stderr, "hwsim-probe: gemm %s %dx%dx%d: %.1f TFLOP/s\n", spec.name, s.m, s.n, s.k,
                   2.0 * s.m * s.n * s.k / t.median_s * 1e-12);
    }
    if (measured == 0) r.skipped.push_back({std::string("gemm ") + spec.name, "cuBLASLt returned no algorithm"});
  }
  cublasLtDestroy(handle);
}

double sustained_gemm(const DeviceInfo& d, cudaStream_t stream, double seconds, std::string& dtype) {
  dtype = compute_capability(d.prop) >= 80 ? "bf16" : "fp16";
  const int size = 8192;
  Buffers buf(static_cast<size_t>(size) * size * 2, static_cast<size_t>(size) * size * 2);
  const DtypeSpec* spec = spec_of(dtype);
  fill_as(spec->ab, buf.a, static_cast<size_t>(size) * size, 3, stream);
  fill_as(spec->ab, buf.b, static_cast<size_t>(size) * size, 4, stream);
  cublasLtHandle_t handle = nullptr;
  LT_CHECK(cublasLtCreate(&handle));
  double flop = 0;
  {
    const LtGemm g(handle, *spec, size, size, size, buf);
    if (g.ok()) {
      PROBE_CHECK(cudaStreamSynchronize(stream));
      const auto start = std::chrono::steady_clock::now();
      while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
        for (int i = 0; i < 10; ++i) g.run(stream);
        PROBE_CHECK(cudaStreamSynchronize(stream));
        flop += 10 * 2.0 * size * size * static_cast<double>(size);
      }
    }
  }
  cublasLtDestroy(handle);
  return flop;
}

}  // namespace probe
