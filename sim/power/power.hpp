// Power: idle + activity-weighted dynamic power per device, capped at TDP; host CPUs and node overhead; power
// supply losses (IT power is AC at the wall); network switches and rack overhead; PUE for the facility.
#pragma once

#include <optional>

#include "hwmodels/infrastructure.hpp"
#include "sim/core/units.hpp"
#include "sim/perf/system.hpp"

namespace hwsim {

// Shares of time (0..1) a device spends in compute-bound, memory-bound and communication work.
struct Activity {
  double compute = 0;
  double memory = 0;
  double communication = 0;
};

// Dynamic power drawn, as a share of (TDP - idle), per unit of time in each kind of work: tensor-core GEMMs run at
// the power limit (H100 and B200 GEMMs throttle at TDP); memory-bound kernels draw ~60% of the dynamic range (HBM
// and SM load/store traffic: Splitwise's H100 decode at 380 W of 75-700 W is 49%, at lower HBM utilisation than a
// streaming kernel); collectives stream HBM through SMs as memory-bound kernels do (NCCL reduces in SM code) and
// drive NVLink or NIC SerDes besides: the same 60%. Idle time in a step (pipeline bubble) draws idle power.
// Checked on the MLPerf power cases (scenarios/validation/power) with `hwsim validate --split tune`.
struct PowerWeights {
  double compute = 1.0;
  double memory = 0.6;
  double communication = 0.6;
};

// Host CPUs of a GPU node feed the GPUs: they run at this share of their dynamic range (estimate).
inline constexpr double kHostCpuActivity = 0.3;

// Power of one device at `activity`, at most its TDP and `cap` when given.
Watts device_power(const Device& device, const Activity& activity, std::optional<Watts> cap = std::nullopt,
                   const PowerWeights& weights = {});

// Under a power cap below what `activity` would draw, the device lowers its compute clock until it fits: dynamic
// power ~ f^alpha (memory bandwidth does not change), alpha by tensor-core generation (clock_power_exponent,
// sim/perf/device.hpp).
// Returns the clock share s = ((cap - idle) / (uncapped - idle))^(1/alpha), 1 when the cap does not bind.
double capped_clock_scale(const Device& device, const Activity& activity, Watts cap);

struct PowerResult {
  Watts device;                // one device, DC
  Watts node;                  // one whole node at the wall (AC)
  Watts it;                    // the deployment at the modelled load, at the wall (nodes x share + network + racks)
  Watts idle_it;               // the deployment idle
  Watts provisioned;           // nameplate: node maxima + switches + cables + rack overhead
  Watts network;               // switches and cable optics
  Watts facility;              // it x PUE
  Watts idle_facility;         // idle_it x PUE
  Watts provisioned_facility;  // provisioned x PUE (what a facility power budget must hold)
};

// What the site draws for `it` watts of IT load: cooling and distribution losses as the facility's PUE. The one
// place PUE applies: cost prices these watts, sizing compares them with budgets.
inline Watts facility_power(Watts it, double pue) { return it * pue; }

// Fans of `node` moving `air_heat` watts: they follow heat by the fan affinity law (power ~ airflow^3, airflow ~
// heat at a fixed temperature rise), from `power.fans` at the node's full heat (the nameplate's DC less the fans).
Watts fan_power(const NodeSpec& node, Watts air_heat);

// The node's power supplies at `dc` watts out: `psu_efficiency` at half load, lighter and fuller loads along the
// 80 PLUS Titanium curve (90% at 10% load, 94% at 20%, 96% at 50%, 91% at 100%; 80 PLUS requirements for 230 V
// internal redundant supplies) scaled to the node's own half-load figure; the load is the DC drawn over the
// installed supplies' rated output (`psu_capacity`: redundant supplies share the load; 0 = twice the nameplate).
double psu_efficiency_at(const NodeSpec& node, Watts dc);

// Power of a node with every device at `activity` (AC, capped at the node's nameplate maximum, at least idle): GPUs
// (or CPU sockets), host CPUs, the rest of the board at load (`overhead`), fans for the heat air carries (all of it
// on an air-cooled node; on a liquid-cooled one only the board's), through the power supplies at that load.
Watts node_power(const System& system, const Activity& activity);
// Nameplate power of the deployment (what a power budget must provision).
Watts provisioned_power(const System& system);
// The deployment at `activity`: device, node, IT (at the wall), idle, provisioned, and their facility watts.
PowerResult deployment_power(const System& system, const Activity& activity, double pue);

}  // namespace hwsim
