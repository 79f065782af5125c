#include "sim/plan/sweep.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <thread>

#include "sim/scenario/overrides.hpp"

namespace hwsim {

struct Sweep::Impl {
  std::unique_ptr<ScenarioSource> source;  // the document and the catalog, read once
  SweepOptions options;
  std::vector<VaryAxis> axes;
  std::vector<std::vector<ScenarioSetter>> setters;  // per axis, per value; empty for axes that reload
  std::vector<std::size_t> slow_axes;
  std::vector<std::size_t> fast_axes;
  std::vector<std::string> metrics;
  std::string name;
  std::int64_t total = 1;

  [[nodiscard]] std::int64_t shard_points() const { return options.shard.points_of(total); }
};

namespace {

// Refuses a grid whose shard holds more than options.max_points points, before any axis value is probed: the count,
// and the --shard split that would fit.
void check_grid_size(const std::vector<VaryAxis>& axes, const SweepOptions& options) {
  std::int64_t total = 1;
  for (const auto& axis : axes) {
    const std::int64_t n = std::max<std::int64_t>(1, axis.count);
    if (total > std::numeric_limits<std::int64_t>::max() / n) {
      throw InputError(Diagnostic{{"--vary", 0, 0}, "", "the grid has more than 9.2e18 points: refused"});
    }
    total *= n;
  }
  const std::int64_t mine = options.shard.points_of(total);
  if (mine <= options.max_points) return;
  const std::int64_t shards = (total + options.max_points - 1) / options.max_points;
  throw InputError(Diagnostic{
      {"--vary", 0, 0},
      "",
      fmt::format("the grid has {} points ({} in this run), above the limit of {} per run: split it with --shard "
                  "I/{} (I = 0 .. {}) and `hwsim merge`, or raise the limit with --max-points",
                  total, mine, options.max_points, shards, shards - 1)});
}

// `e` as the sweep reports it: the diagnostics of the --set a load applied name `origin` (the --vary) instead.
InputError as_vary(const InputError& e, const std::string& origin) {
  std::vector<Diagnostic> diags = e.diagnostics();
  for (auto& d : diags) {
    if (d.where.file.rfind("--set ", 0) == 0) d.where.file = origin;
  }
  return InputError(diags);
}

// One thread's state: the scenarios loaded for the reloading axes' current values (a few, most recent first).
class Worker {
 public:
  explicit Worker(const Sweep::Impl& sweep) : sweep_(sweep) {}

  // Evaluates global point `point`; value_index() then holds each axis's value index.
  Evaluation evaluate_point(std::int64_t point) {
    const auto& axes = sweep_.axes;
    value_index_.resize(axes.size());
    std::int64_t rest = point;
    for (std::size_t a = axes.size(); a-- > 0;) {
      const auto n = static_cast<std::int64_t>(axes[a].values.size());
      value_index_[a] = static_cast<std::size_t>(rest % n);
      rest /= n;
    }
    Scenario& sc = scenario_for(value_index_);
    for (std::size_t a : sweep_.fast_axes) sweep_.setters[a][value_index_[a]](sc);
    return evaluate(sc, efficiency_, {});
  }
  [[nodiscard]] const std::vector<std::size_t>& value_index() const { return value_index_; }
  std::vector<std::size_t>& hints() { return hints_; }

 private:
  Scenario& scenario_for(const std::vector<std::size_t>& value_index) {
    std::vector<std::size_t>& key = key_;
    key.clear();
    for (std::size_t a : sweep_.slow_axes) key.push_back(value_index[a]);
    if (!loaded_.empty() && loaded_.front().first == key) return *loaded_.front().second;
    for (std::size_t i = 0; i < loaded_.size(); ++i) {
      if (loaded_[i].first == key) {
        if (i != 0)
          std::rotate(loaded_.begin(), loaded_.begin() + static_cast<std::ptrdiff_t>(i),
                      loaded_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        return *loaded_.front().second;
      }
    }
    std::vector<std::string> sets;
    for (std::size_t a : sweep_.slow_axes)
      sets.push_back(sweep_.axes[a].path + "=" + sweep_.axes[a].values[value_index[a]]);
    if (loaded_.size() == kKeep) loaded_.pop_back();
    loaded_.insert(loaded_.begin(), {key, std::make_unique<Scenario>(load_point(sets))});
    return *loaded_.front().second;
  }

  // Each axis's values were checked alone (axis_setters); a combination of them may still be refused (a static batch
  // with a KV cache share): the error names the point's values as --vary, not as the --set the load applied.
  Scenario load_point(const std::vector<std::string>& sets) const {
    try {
      return sweep_.source->load(sets);
    } catch (const InputError& e) {
      throw as_vary(e, fmt::format("--vary point {}", fmt::join(sets, ", ")));
    }
  }

  static constexpr std::size_t kKeep = 16;
  const Sweep::Impl& sweep_;
  DefaultEfficiency efficiency_;
  std::vector<std::pair<std::vector<std::size_t>, std::unique_ptr<Scenario>>> loaded_;
  std::vector<std::size_t> value_index_;
  std::vector<std::size_t> key_;
  std::vector<std::size_t> hints_;  // per result x metric column: where the metric was last found
};

// Runs `fn(worker, k, buffer)` for this shard's points k = 0..count-1 (global point = index + k x shards) on
// `threads` threads, in chunks, handing each chunk's buffer to `sink` in point order.
template <class Fn, class Sink>
std::int64_t for_each_point(const Sweep::Impl& s, int threads, Fn&& fn, Sink&& sink) {
  const std::int64_t count = s.shard_points();
  threads = std::max(1, threads);
  constexpr std::int64_t kChunk = 256;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) workers.push_back(std::make_unique<Worker>(s));
  std::vector<std::string> buffers(static_cast<std::size_t>(threads));
  // A point's error (a combination of values the loader refuses) is kept by its thread and raised here after every
  // thread has joined: the first chunk's first, as one thread would have.
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  const auto work = [&](int t, std::int64_t from) {
    std::string& buf = buffers[static_cast<std::size_t>(t)];
    buf.clear();
    const std::int64_t to = std::min(count, from + kChunk);
    try {
      for (std::int64_t k = from; k < to; ++k)
        fn(*workers[static_cast<std::size_t>(t)], s.options.shard.index + k * s.options.shard.count, buf);
    } catch (...) {
      errors[static_cast<std::size_t>(t)] = std::current_exception();
    }
  };
  if (s.options.progress) s.options.progress(0, count);
  for (std::int64_t round = 0; round < count; round += kChunk * threads) {
    std::vector<std::thread> pool;
    for (int t = 1; t < threads && round + t * kChunk < count; ++t) pool.emplace_back(work, t, round + t * kChunk);
    work(0, round);
    for (auto& th : pool) th.join();
    for (auto& e : errors) {
      if (e) std::rethrow_exception(e);
    }
    for (int t = 0; t < threads && round + t * kChunk < count; ++t) sink(buffers[static_cast<std::size_t>(t)]);
    if (s.options.progress) s.options.progress(std::min(count, round + kChunk * threads), count);
  }
  return count;
}

// Checks each value of `axis` as `--set` checks it (errors name the --vary); the loaded probes also give each
// value its fast route when the key has one.
std::vector<ScenarioSetter> axis_setters(ScenarioSource& source, const VaryAxis& axis) {
  std::vector<ScenarioSetter> setters;
  for (const auto& v : axis.values) {
    try {
      std::optional<Scenario> probe;
      try {
        probe.emplace(source.load({axis.path + "=" + v}));
      } catch (const InputError&) {
        if (!source.widen()) throw;  // the reduced catalog may lack what this value needs
        probe.emplace(source.load({axis.path + "=" + v}));
      }
      setters.push_back(engine_setter(split_path(axis.path), *probe));
    } catch (const InputError& e) {
      throw as_vary(e, "--vary " + axis.spec);
    }
  }
  return setters;
}

// A fixed batch is checked at load against the limits of batch: auto (max_batch, max_batch_tokens): while another axis
// varies one of those limits of the same workload, the batch axis reloads with it (overrides.hpp: a fast route must
// give the scenario reloading would), so that their refused combinations are refused as --set refuses them.
void reload_batch_with_its_limits(Sweep::Impl& s) {
  for (std::size_t a = 0; a < s.axes.size(); ++a) {
    const auto parts = split_path(s.axes[a].path);
    if (parts.size() != 3 || parts[0] != "workloads" || parts[2] != "batch") continue;
    const bool limited = std::any_of(s.axes.begin(), s.axes.end(), [&](const VaryAxis& other) {
      const auto o = split_path(other.path);
      return o.size() == 3 && o[0] == "workloads" && o[1] == parts[1] &&
             (o[2] == "max_batch" || o[2] == "max_batch_tokens");
    });
    const auto fast = std::find(s.fast_axes.begin(), s.fast_axes.end(), a);
    if (!limited || fast == s.fast_axes.end()) continue;
    s.fast_axes.erase(fast);
    s.slow_axes.insert(std::upper_bound(s.slow_axes.begin(), s.slow_axes.end(), a), a);
    s.setters[a].clear();
  }
}

// The metric columns: the defaults, or --metrics, each of which some result of the base evaluation must have.
std::vector<std::string> chosen_metrics(const SweepOptions& options, const std::string& scenario,
                                        const Evaluation& base) {
  if (options.metrics.empty()) return default_sweep_metrics();
  std::vector<std::string> known;
  for (const auto& r : base.results) {
    for (const auto& m : r.metrics) {
      if (std::find(known.begin(), known.end(), m.key) == known.end()) known.push_back(m.key);
    }
  }
  for (const auto& m : options.metrics) {
    if (std::find(known.begin(), known.end(), m) != known.end()) continue;
    const std::string near = closest_match(m, known);
    throw InputError(Diagnostic{
        {"--metrics", 0, 0},
        "",
        fmt::format("no result of {} has a metric '{}'{} (have: {})", scenario, m,
                    near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near), fmt::join(known, ", "))});
  }
  return options.metrics;
}

}  // namespace

Sweep::Sweep(const std::filesystem::path& scenario, const LoadOptions& load, const SweepOptions& options)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.options = options;
  s.source = std::make_unique<ScenarioSource>(scenario, LoadOptions{load.catalog_dirs, load.sets, load.document});
  const Scenario base = s.source->load();
  s.name = base.name;
  const Evaluation base_ev = evaluate(base, DefaultEfficiency{}, {});

  if (options.vary.empty()) throw InputError(Diagnostic{{"--vary", 0, 0}, "", "give at least one --vary PATH=VALUES"});
  std::vector<VaryAxis> parsed;
  // The grid's size from the axes' counts, checked before any value is made; then the values.
  for (const auto& spec : options.vary)
    parsed.push_back(parse_vary(spec, s.source->document(), s.source->catalog(), false));
  check_grid_size(parsed, options);
  for (auto& axis : parsed) axis = parse_vary(axis.spec, s.source->document(), s.source->catalog());
  // Loads use only the catalog entries reachable by name from the scenario, the --set values, the axes' values
  // and the defaults that name entries (the facility's rack); an axis value that needs more falls back to all.
  std::vector<std::string> names{base.facility.rack};
  for (const auto& a : load.sets) names.push_back(a.substr(a.find('=') + 1));
  for (const auto& a : parsed) {
    const auto parts = split_path(a.path);
    if (parts.size() > 1) names.push_back(parts[1]);
    names.insert(names.end(), a.values.begin(), a.values.end());
  }
  s.source->narrow_to(std::move(names));
  for (auto& axis : parsed) {
    for (const auto& other : s.axes) {
      if (other.path == axis.path) {
        bad_vary(axis.spec, fmt::format("{} is already varied by --vary {}", axis.path, other.spec));
      }
    }
    std::vector<ScenarioSetter> setters = axis_setters(*s.source, axis);
    const bool fast = std::all_of(setters.begin(), setters.end(), [](const ScenarioSetter& f) { return bool(f); });
    (fast ? s.fast_axes : s.slow_axes).push_back(s.axes.size());
    s.setters.push_back(fast ? std::move(setters) : std::vector<ScenarioSetter>{});
    s.total *= static_cast<std::int64_t>(axis.values.size());  // at most the counts check_grid_size multiplied
    s.axes.push_back(std::move(axis));
  }
  reload_batch_with_its_limits(s);
  s.metrics = chosen_metrics(options, s.name, base_ev);
}

Sweep::~Sweep() = default;

const std::vector<VaryAxis>& Sweep::axes() const { return impl_->axes; }
std::int64_t Sweep::total_points() const { return impl_->total; }
const std::string& Sweep::scenario_name() const { return impl_->name; }
SweepLayout Sweep::layout() const { return {impl_->name, impl_->axes, impl_->metrics, impl_->total}; }

std::int64_t Sweep::run(std::ostream& out, const SweepWriter& writer) const {
  const Impl& s = *impl_;
  out << writer.header();
  bool first = true;
  const std::int64_t n = for_each_point(
      s, s.options.threads,
      [&](Worker& w, std::int64_t point, std::string& buf) {
        writer.append_rows(buf, point, w.value_index(), w.evaluate_point(point), w.hints());
      },
      [&](const std::string& buf) {
        const std::size_t skip = first && !buf.empty() ? writer.separator_length() : 0;
        if (!buf.empty()) first = false;
        out.write(buf.data() + skip, static_cast<std::streamsize>(buf.size() - skip));
      });
  out << writer.footer();
  out.flush();
  return n;
}

SweepTable Sweep::collect(std::size_t max_rows) const {
  const Impl& s = *impl_;
  SweepTable table{s.name, s.axes, s.metrics, {}};
  if (static_cast<std::size_t>(s.shard_points()) > max_rows) {
    throw InputError(Diagnostic{{"--format html", 0, 0},
                                "",
                                fmt::format("{} points are too many to chart (at most {} rows); write CSV or JSON",
                                            s.shard_points(), max_rows)});
  }
  for_each_point(  // one thread: rows are appended in point order
      s, 1,
      [&](Worker& w, std::int64_t point, std::string&) {
        const Evaluation ev = w.evaluate_point(point);
        for (const auto& r : ev.results) {
          SweepTable::Row row{point, w.value_index(), r.deployment, r.workload, r.fits, {}, r.kind};
          for (const auto& m : s.metrics) row.metrics.push_back(r.metric(m).value_or(std::nan("")));
          table.rows.push_back(std::move(row));
        }
      },
      [](const std::string&) {});
  if (table.rows.size() > max_rows) {
    throw InputError(Diagnostic{
        {"--format html", 0, 0},
        "",
        fmt::format("{} rows are too many to chart (at most {}); write CSV or JSON", table.rows.size(), max_rows)});
  }
  return table;
}

}  // namespace hwsim
