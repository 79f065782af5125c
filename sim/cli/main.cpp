// hwsim: throughput, watts and dollars of AI workloads on hardware described in YAML.
// Exit codes (DESIGN.md): 0 ok, 1 a check/expectation failed (`check` only), 2 bad input or usage.
#include <fmt/format.h>
#include <iostream>

#include "sim/cli/cli.hpp"
#include "sim/cli/output_file.hpp"
#include "sim/core/catalog_paths.hpp"
#include "sim/core/errors.hpp"

int main(int argc, char** argv) {
  hwsim::cli::install_signal_cleanup();  // an interrupted run leaves no temporary -o file behind
  CLI::App app{
      "hwsim: for an AI workload, the throughput, watts and dollars of each hardware option.\n"
      "Example: hwsim run scenarios/default.yaml --format json",
      "hwsim"};
  app.set_version_flag("--version", hwsim::version_string());
  app.require_subcommand(1);
  hwsim::cli::Common common;
  hwsim::cli::Action action;
  hwsim::cli::add_run_commands(app, common, action);
  hwsim::cli::add_catalog_commands(app, common, action);
  hwsim::cli::add_validate_command(app, common, action);
  hwsim::cli::add_sweep_commands(app, common, action);
  hwsim::cli::add_calibrate_command(app, common, action);
  if (argc == 1) {  // `hwsim` alone asks what it can do: the help, as `hwsim --help` prints it
    std::cout << app.help();
    return 0;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    return action ? action() : 2;
  } catch (const hwsim::InputError& e) {
    for (const auto& d : e.diagnostics()) std::cerr << "hwsim: error: " << d.str() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "hwsim: internal error: " << hwsim::printable(e.what()) << '\n';
    return 3;
  }
}
