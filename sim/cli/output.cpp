#include <iostream>

#include "hwmodels/catalog_loader.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/output_file.hpp"

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

EntryStore resolved_catalog(const Common& common) { return read_resolved_catalog(catalog_paths(common)); }

}  // namespace hwsim::cli
