// Running the built `hwsim` binary (HWSIM_BINARY) from a test: arguments quoted for the shell, stdout and stderr
// captured, a working directory, environment variables, and a wall-clock limit after which the run is killed
// (timed_out). One home for the command-line tests (test_cli.cpp, test_bad_inputs.cpp).
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/text.hpp"

namespace hwsim_test {

struct CliRun {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
  double seconds = 0;
  bool timed_out = false;
};

inline std::string shell_quoted(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A scratch directory of this test process, removed at exit.
inline const std::filesystem::path& cli_scratch() {
  static const struct Dir {
    std::filesystem::path path;
    Dir() : path(std::filesystem::temp_directory_path() / ("hwsim-cli-test-" + std::to_string(::getpid()))) {
      std::filesystem::create_directories(path);
    }
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } dir;
  return dir.path;
}

struct CliOptions {
  std::filesystem::path cwd;     // empty: the test's own
  int timeout_s = 120;           // killed (SIGKILL) after this long
  std::vector<std::string> env;  // NAME=VALUE set for this run only
};

// Runs `hwsim ARGS...` with stdin from /dev/null.
inline CliRun run_hwsim(const std::vector<std::string>& args, const CliOptions& options = {}) {
  static int counter = 0;
  ++counter;
  const auto out = cli_scratch() / ("out" + std::to_string(counter));
  const auto err = cli_scratch() / ("err" + std::to_string(counter));
  std::string cmd;
  if (!options.cwd.empty()) cmd += "cd " + shell_quoted(options.cwd.string()) + " && ";
  if (!options.env.empty()) {
    cmd += "env";
    for (const auto& e : options.env) cmd.append(" ").append(shell_quoted(e));
    cmd += " ";
  }
  cmd += "timeout -s KILL " + std::to_string(options.timeout_s) + " " + shell_quoted(HWSIM_BINARY);
  // append, not " " + string: GCC 12 reports a false -Wrestrict on the temporary
  for (const auto& a : args) cmd.append(" ").append(shell_quoted(a));
  cmd += " >" + shell_quoted(out.string()) + " 2>" + shell_quoted(err.string()) + " </dev/null";
  const auto start = std::chrono::steady_clock::now();
  const int status = std::system(cmd.c_str());
  CliRun r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.timed_out = r.exit_code == 137 || r.exit_code == 124;
  r.out = slurp_file(out);
  r.err = slurp_file(err);
  return r;
}

}  // namespace hwsim_test
