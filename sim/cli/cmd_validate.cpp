// `hwsim validate [DIR]`: predictions against published measurements, error per case and MAPE per kind.
#include "sim/cli/cli.hpp"
#include "sim/core/catalog_paths.hpp"
#include "sim/plan/validate.hpp"
#include "sim/report/validation_report.hpp"

namespace hwsim::cli {

void add_validate_command(CLI::App& app, Common& common, Action& action) {
  static std::string dir;
  static ValidationFilter filter;
  CLI::App* cmd = app.add_subcommand("validate",
                                     "compare predictions with published measurements\n"
                                     "Example: hwsim validate scenarios/validation --format json");
  cmd->add_option("dir", dir, "directory of validation cases (default: the source tree's scenarios/validation)");
  cmd->add_option("--catalog", common.catalog_dirs, "extra catalog directory (repeatable)");
  cmd->add_option("--split", filter.split,
                  "only the cases of this split (tune while fitting defaults: the test cases stay unseen)")
      ->check(CLI::IsMember({"tune", "test"}));
  add_calibration_option(cmd, common);
  add_output_options(cmd, common, {"table", "json"});
  cmd->callback([&] {
    action = [&] {
      const auto efficiency = efficiency_model(common);
      const std::filesystem::path cases = dir.empty() ? default_validation_dir() : std::filesystem::path(dir);
      const ValidationReport r = run_validation(cases, LoadOptions{catalog_paths(common), {}}, *efficiency, filter);
      emit(common, common.format == "json" ? render_validation_json(r) : render_validation_text(r));
      return 0;
    };
  });
}

}  // namespace hwsim::cli
