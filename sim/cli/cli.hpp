// The `hwsim` command line: subcommands register themselves on a CLI11 app; main() maps errors to exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/entry_store.hpp"
#include "sim/perf/efficiency.hpp"

namespace hwsim::cli {

// Options every command shares.
struct Common {
  std::vector<std::string> catalog_dirs;
  std::string format = "table";
  std::string output;                     // -o FILE; empty = stdout
  std::vector<std::string> calibrations;  // --calibration FILE|NAME (repeatable)
};

// Each subcommand's action returns the process exit code (0 ok, 1 a check failed); bad input throws InputError.
using Action = std::function<int()>;

void add_run_commands(CLI::App& app, Common& common, Action& action);       // run, check
void add_catalog_commands(CLI::App& app, Common& common, Action& action);   // hw, model, schema
void add_schema_command(CLI::App& app, Common& common, Action& action);     // schema
void add_validate_command(CLI::App& app, Common& common, Action& action);   // validate
void add_sweep_commands(CLI::App& app, Common& common, Action& action);     // sweep, merge
void add_calibrate_command(CLI::App& app, Common& common, Action& action);  // calibrate

// `--format` (one of `formats`) and `-o FILE` on a command that prints results.
void add_output_options(CLI::App* cmd, Common& common, const std::vector<std::string>& formats);

// Writes `text` to -o FILE atomically (temporary file + rename) or to stdout.
void emit(const Common& common, const std::string& text);

std::vector<std::filesystem::path> catalog_paths(const Common& common);
// The default catalog directories plus --catalog ones, read and with `base:` resolved; throws InputError.
EntryStore resolved_catalog(const Common& common);

// `--calibration FILE|NAME` (repeatable) on a command that evaluates scenarios.
void add_calibration_option(CLI::App* cmd, Common& common);
// The efficiency model of the run: the defaults, or the --calibration profiles over them.
std::unique_ptr<EfficiencyModel> efficiency_model(const Common& common);

}  // namespace hwsim::cli
