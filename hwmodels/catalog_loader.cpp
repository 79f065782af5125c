#include "hwmodels/catalog_loader.hpp"

namespace hwsim {

EntryStore read_catalog_dirs(const std::vector<std::filesystem::path>& dirs) {
  EntryStore store;
  Diagnostics diags;
  for (const auto& d : dirs) store.add_directory(d, diags);
  diags.throw_if_any();
  return store;
}

}  // namespace hwsim
