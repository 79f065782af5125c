#include "sim/perf/system.hpp"

#include <cmath>

namespace hwsim {

FatTree size_fat_tree(int endpoints, int radix, double oversubscription) {
  FatTree t;
  if (endpoints <= 1) return t;
  if (endpoints <= radix) {
    t.tiers = 1;
    t.switches = 1;
    t.links = endpoints;
    return t;
  }
  // A leaf gives down = radix x o / (1 + o) ports to NICs and the rest upwards.
  const int down = std::max(1, static_cast<int>(std::floor(radix * oversubscription / (1.0 + oversubscription))));
  const int up = radix - down;
  const int leaves = (endpoints + down - 1) / down;
  const long long uplinks = static_cast<long long>(leaves) * up;
  if (leaves <= radix) {
    // Two tiers: every leaf reaches every spine; spines terminate all leaf uplinks.
    const int spines = static_cast<int>((uplinks + radix - 1) / radix);
    t.tiers = 2;
    t.switches = leaves + spines;
    t.links = endpoints + static_cast<int>(uplinks);
    return t;
  }
  // Three tiers: spines give half their ports to leaf uplinks and half to a core layer that terminates them.
  const int half = radix / 2;
  const int spines = static_cast<int>((uplinks + half - 1) / half);
  const long long spine_up = static_cast<long long>(spines) * half;
  const int cores = static_cast<int>((spine_up + radix - 1) / radix);
  t.tiers = 3;
  t.switches = leaves + spines + cores;
  t.links = endpoints + static_cast<int>(uplinks) + static_cast<int>(spine_up);
  return t;
}

}  // namespace hwsim
