#include "hwmodels/catalog_loader.hpp"

#include "sim/core/catalog_paths.hpp"

namespace hwsim {

EntryStore read_catalog_dirs(const std::vector<std::filesystem::path>& dirs) {
  EntryStore store;
  Diagnostics diags;
  for (const auto& d : dirs) store.add_directory(d, diags);
  diags.throw_if_any();
  return store;
}

EntryStore read_resolved_catalog(const std::vector<std::filesystem::path>& extra_dirs) {
  std::vector<std::filesystem::path> dirs = default_catalog_dirs();
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  EntryStore store = read_catalog_dirs(dirs);
  Diagnostics diags;
  store.resolve(diags);
  diags.throw_if_any();
  return store;
}

}  // namespace hwsim
