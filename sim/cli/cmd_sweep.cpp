// `hwsim sweep` (what-if grids, streamed) and `hwsim merge` (shard outputs into the unsharded result).
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>

#include "sim/cli/cli.hpp"
#include "sim/cli/output_file.hpp"
#include "sim/core/errors.hpp"
#include "sim/plan/sweep.hpp"
#include "sim/report/sweep_html.hpp"
#include "sim/report/sweep_merge.hpp"
#include "sim/report/sweep_writer.hpp"

namespace hwsim::cli {

namespace {

// Streams to -o FILE through a temporary file renamed at the end (sim/cli/output_file.hpp), or to stdout.
template <class Fn>
void stream_output(const Common& common, Fn&& write) {
  if (common.output.empty()) {
    write(std::cout);
    return;
  }
  OutputFile file(common.output);
  write(file.stream());
  file.commit();
}

// "3.2 s", "4 min", "2.1 h": a duration for a progress line.
std::string rough_duration(double seconds) {
  if (seconds < 90) return fmt::format("{:.0f} s", seconds);
  if (seconds < 5400) return fmt::format("{:.0f} min", seconds / 60);
  return fmt::format("{:.1f} h", seconds / 3600);
}

// Progress on a terminal: the number of points at the start, then (at most twice a second) points done, elapsed time
// and an estimate of the time left from the rate so far. Nothing when stderr is not a terminal, under CI (the CI
// variable set), or when the rows themselves go to the terminal.
std::function<void(std::int64_t, std::int64_t)> terminal_progress(const Common& common) {
  const bool rows_on_terminal = common.output.empty() && ::isatty(STDOUT_FILENO) != 0;
  if (::isatty(STDERR_FILENO) == 0 || std::getenv("CI") != nullptr || rows_on_terminal) return {};
  using Clock = std::chrono::steady_clock;
  struct State {
    Clock::time_point start = Clock::now();
    Clock::time_point shown;
  };
  auto state = std::make_shared<State>();
  return [state](std::int64_t done, std::int64_t total) {
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - state->start).count();
    if (done == 0) {
      state->start = now;  // the values are checked by now: the rate counts points only
      std::cerr << fmt::format("hwsim sweep: {} points\n", total);
      return;
    }
    if (done < total && now - state->shown < std::chrono::milliseconds(500)) return;
    state->shown = now;
    const double left = elapsed / static_cast<double>(done) * static_cast<double>(total - done);
    std::cerr << fmt::format("\rhwsim sweep: {} of {} points ({:.1f}%), {}{}\x1b[K", done, total,
                             100.0 * static_cast<double>(done) / static_cast<double>(total), rough_duration(elapsed),
                             done < total ? ", about " + rough_duration(left) + " left" : ", done")
              << (done < total ? "" : "\n") << std::flush;
  };
}

struct SweepCli {
  std::string scenario;
  std::vector<std::string> sets;
  std::string shard = "0/1";
  std::string metrics;
  std::string format = "csv";
  SweepOptions options;
};

}  // namespace

void add_sweep_commands(CLI::App& app, Common& common, Action& action) {
  static SweepCli o;
  CLI::App* sweep =
      app.add_subcommand("sweep",
                         "evaluate a scenario over a grid of input values, one row per point x deployment/workload\n"
                         "Example: hwsim sweep scenarios/default.yaml --vary facility.pue=1.1,1.3,1.5 "
                         "--vary \"facility.electricity=0.05..0.20 USD/kWh:4\" -o sweep.csv");
  sweep->add_option("scenario", o.scenario, "scenario YAML file")->required()->check(CLI::ExistingFile);
  sweep
      ->add_option("--vary", o.options.vary,
                   "PATH=V1,V2,... or \"PATH=LO..HI UNIT:N\" (N evenly spaced values; integer keys take integer "
                   "steps); paths as for --set; several --vary form a grid (the first slowest)")
      ->required();
  sweep->add_option("--set", o.sets, "override an input for every point: PATH=VALUE");
  sweep->add_option("--catalog", common.catalog_dirs, "extra catalog directory (repeatable)");
  sweep->add_option("--format", o.format, "csv (default), json or html (charts)")
      ->check(CLI::IsMember({"csv", "json", "html"}));
  sweep->add_option("-o,--output", common.output, "write to FILE (atomically) instead of stdout");
  sweep->add_option("--threads", o.options.threads, "threads evaluating points (default 1)")->check(CLI::Range(1, 256));
  sweep->add_option("--shard", o.shard, "evaluate only shard I of N (0-based: 0/4 .. 3/4); `hwsim merge` combines");
  sweep
      ->add_option("--max-points", o.options.max_points,
                   "most points this run evaluates (default 10000000); a larger grid is refused with the count and "
                   "how to shard it")
      ->check(CLI::PositiveNumber);
  sweep->add_option("--metrics", o.metrics,
                    "comma-separated metric columns of CSV rows and charts (default: "
                    "throughput, latency, power and cost metrics)");
  sweep->callback([&] {
    action = [&] {
      o.options.shard = parse_shard(o.shard);
      o.options.metrics.clear();
      std::string m;
      for (char c : o.metrics + ",") {
        if (c != ',') {
          m += c;
        } else if (!m.empty()) {
          o.options.metrics.push_back(m);
          m.clear();
        }
      }
      const bool html = o.format == "html";
      o.options.progress = terminal_progress(common);
      const Sweep sw(o.scenario, LoadOptions{catalog_paths(common), o.sets}, o.options);
      if (html) {
        emit(common, render_sweep_html(sw.collect(20000)));
      } else {
        std::unique_ptr<SweepWriter> writer;
        if (o.format == "json") {
          writer = std::make_unique<JsonSweepWriter>(sw.layout());
        } else {
          writer = std::make_unique<CsvSweepWriter>(sw.layout());
        }
        stream_output(common, [&](std::ostream& out) { sw.run(out, *writer); });
      }
      return 0;
    };
  });

  static std::vector<std::string> shards;
  CLI::App* merge = app.add_subcommand("merge",
                                       "combine the outputs of `hwsim sweep --shard I/N` (all N, CSV or "
                                       "JSON) into exactly the unsharded output\n"
                                       "Example: hwsim merge part0.csv part1.csv -o sweep.csv");
  merge->add_option("shards", shards, "shard output files")->required()->check(CLI::ExistingFile);
  merge->add_option("-o,--output", common.output, "write to FILE (atomically) instead of stdout");
  merge->callback([&] {
    action = [&] {
      stream_output(common, [&](std::ostream& out) { merge_shards(shards, out); });
      return 0;
    };
  });
}

}  // namespace hwsim::cli
