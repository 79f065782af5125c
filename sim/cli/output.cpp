#include <iostream>

#include "hwmodels/catalog_loader.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/output_file.hpp"
#include "sim/core/catalog_paths.hpp"
#include "sim/core/errors.hpp"

namespace hwsim::cli {

void emit(const Common& common, const std::string& text) {
  if (common.output.empty()) {
    std::cout << text;
    std::cout.flush();
    return;
  }
  OutputFile file(common.output);
  file.stream() << text;
  file.commit();
}

void add_output_options(CLI::App* cmd, Common& common, const std::vector<std::string>& formats) {
  std::string names;
  for (const auto& f : formats) names += (names.empty() ? "" : ", ") + f;
  cmd->add_option("--format", common.format, names)->check(CLI::IsMember(formats));
  cmd->add_option("-o,--output", common.output, "write to FILE (atomically) instead of stdout");
}

std::vector<std::filesystem::path> catalog_paths(const Common& common) {
  std::vector<std::filesystem::path> dirs;
  for (const auto& d : common.catalog_dirs) dirs.emplace_back(d);
  return dirs;
}

EntryStore resolved_catalog(const Common& common) {
  std::vector<std::filesystem::path> dirs = default_catalog_dirs();
  for (const auto& d : catalog_paths(common)) dirs.push_back(d);
  EntryStore store = read_catalog_dirs(dirs);
  Diagnostics diags;
  store.resolve(diags);
  diags.throw_if_any();
  return store;
}

}  // namespace hwsim::cli
