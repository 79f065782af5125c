// Where the catalogs live. Contract (DESIGN.md): the source tree's catalog directories are baked in at build time;
// the HWSIM_CATALOG environment variable (a ':'-separated list) replaces them; never relative to the current
// directory or to the binary. Extra directories (--catalog, a scenario's `catalog:`) are added by the caller.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace hwsim {

std::vector<std::filesystem::path> default_catalog_dirs();
// The source tree's scenarios/validation (baked in at build time, like the catalog).
std::filesystem::path default_validation_dir();
// The source registry (hwmodels/sources.yaml) that catalog entries' `sources:` ids refer to: baked in at build time
// like the catalog; the HWSIM_SOURCES environment variable (one file) replaces it.
std::filesystem::path default_source_registry();
std::string version_string();

}  // namespace hwsim
