// `hwsim merge`: shard outputs of one sweep back into the unsharded output (sim/report/sweep_writer.hpp formats).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace hwsim {

// Combines shard outputs (CSV or JSON from `hwsim sweep --shard`) into the unsharded output. Throws InputError
// when the shards differ in their header, overlap, or leave points out.
void merge_shards(const std::vector<std::string>& files, std::ostream& out);

}  // namespace hwsim
