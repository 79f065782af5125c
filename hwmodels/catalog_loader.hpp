// Reading catalog directories into an EntryStore: the default directories (DESIGN.md: baked-in source tree or
// HWSIM_CATALOG), then extra ones (--catalog), then inline entries; `base:` is resolved last.
#pragma once

#include <filesystem>
#include <vector>

#include "sim/core/entry_store.hpp"

namespace hwsim {

// Reads the directories; throws InputError listing every problem. Does not resolve `base:` (call resolve()).
EntryStore read_catalog_dirs(const std::vector<std::filesystem::path>& dirs);
// The default directories (sim/core/catalog_paths.hpp) and then `extra_dirs`, read with `base:` resolved: the catalog
// as a command sees it. Throws InputError listing every problem.
EntryStore read_resolved_catalog(const std::vector<std::filesystem::path>& extra_dirs);

}  // namespace hwsim
