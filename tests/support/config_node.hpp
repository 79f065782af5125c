// Reading a loaded YAML tree in a test (test_config_node.cpp, test_entry_store.cpp).
#pragma once

#include <catch2/catch.hpp>

#include "sim/core/config_node.hpp"

namespace hwsim::test {

// The value under `key` of the map `map` (fails the test when absent).
inline const ConfigNode& child(const ConfigNode& map, const char* key) {
  const ConfigNode* v = map.find(key);
  INFO("key " << key);
  REQUIRE(v != nullptr);
  return *v;
}

}  // namespace hwsim::test
