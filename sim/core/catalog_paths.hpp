// Where hwsim's data lives: the catalogs, the source registry, the validation cases, the calibration profiles.
// One home for every such path. Contract (DESIGN.md "Build, install"): an installed hwsim reads the data under its
// own prefix (PREFIX/bin/hwsim, or the Python module under PREFIX/lib, reads PREFIX/share/hwsim/); a binary run from
// its build tree reads the source tree, whose path is baked in at build time; never the current directory. The
// HWSIM_CATALOG environment variable (a ':'-separated list) replaces the catalog directories and HWSIM_SOURCES the
// source registry. Extra directories (--catalog, a scenario's `catalog:`) are added by the caller.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace hwsim {

// The directory the data below hangs from: PREFIX/share/hwsim for an installed hwsim, else the source tree.
std::filesystem::path data_root();
// hwmodels/catalog and workloads/catalog under data_root(), unless HWSIM_CATALOG is set.
std::vector<std::filesystem::path> default_catalog_dirs();
// scenarios/validation under data_root().
std::filesystem::path default_validation_dir();
// The source registry (hwmodels/sources.yaml) that catalog entries' `sources:` ids refer to; the HWSIM_SOURCES
// environment variable (one file) replaces it.
std::filesystem::path default_source_registry();
// calibrate/profiles under data_root(): where `--calibration NAME` looks.
std::filesystem::path default_profiles_dir();
std::string version_string();

}  // namespace hwsim
