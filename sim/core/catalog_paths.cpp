#include "sim/core/catalog_paths.hpp"

#include <cstdlib>
#include <sstream>

#include "sim/core/build_config.hpp"

namespace hwsim {

namespace {
std::vector<std::filesystem::path> split(const std::string& text, char sep) {
  std::vector<std::filesystem::path> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, sep)) {
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}
}  // namespace

std::vector<std::filesystem::path> default_catalog_dirs() {
  if (const char* env = std::getenv("HWSIM_CATALOG"); env != nullptr && *env != '\0') return split(env, ':');
  return split(HWSIM_CATALOG_DIRS, ';');
}

std::string version_string() { return HWSIM_VERSION; }

std::filesystem::path default_validation_dir() { return HWSIM_VALIDATION_DIR; }

std::filesystem::path default_source_registry() {
  if (const char* env = std::getenv("HWSIM_SOURCES"); env != nullptr && *env != '\0') return env;
  return HWSIM_SOURCE_REGISTRY;
}

}  // namespace hwsim
