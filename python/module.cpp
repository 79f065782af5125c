// The native part of the `hwsim` Python module (`hwsim._hwsim`, pybind11): the CLI's loaders, evaluation and JSON
// reports behind functions that return the JSON text `hwsim run|sweep|validate|check --format json` prints
// (python/hwsim/__init__.py turns it into dicts and lists). Contract: the same inputs give the same document as the
// CLI; bad input raises hwsim.InputError (a ValueError) carrying the CLI's diagnostics, any other failure
// hwsim.InternalError (the CLI's exit 3); no C++ exception reaches the interpreter. The GIL is released while hwsim
// works; a sweep checks for KeyboardInterrupt between batches of points.
#include <fmt/format.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/catalog_paths.hpp"
#include "sim/core/config_node.hpp"
#include "sim/core/errors.hpp"
#include "sim/perf/calibrated_efficiency.hpp"
#include "sim/plan/baseline.hpp"
#include "sim/plan/check.hpp"
#include "sim/plan/evaluate.hpp"
#include "sim/plan/sweep.hpp"
#include "sim/plan/uncertainty.hpp"
#include "sim/plan/validate.hpp"
#include "sim/report/check_report.hpp"
#include "sim/report/report.hpp"
#include "sim/report/sweep_writer.hpp"
#include "sim/report/validation_report.hpp"
#include "sim/scenario/load.hpp"

namespace py = pybind11;

namespace hwsim::python {

namespace {

// A scenario as the Python side passes it: a file (no text), or YAML text (a dict dumped to JSON by the wrapper)
// read under `name` ("<dict>"), which its diagnostics then name.
struct ScenarioArg {
  std::string name;
  std::optional<std::string> text;
};

// What the commands share: `--set`, `--catalog`, `--calibration`, `--threads`, `--top`, `--timings`.
struct CommonArgs {
  std::vector<std::string> sets;
  std::vector<std::string> catalog_dirs;
  std::vector<std::string> calibrations;
  std::optional<int> threads;
  std::optional<int> top;
  bool timings = false;
};

// Any failure that is not bad input; raised as hwsim.InternalError.
struct InternalFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A KeyboardInterrupt (or other signal handler's exception) is pending: raised once the GIL is held again.
struct Interrupted {};

// Exception types created once at import and kept for the life of the process (never released: the interpreter may
// already be gone when static destructors run).
PyObject* input_error_type = nullptr;
PyObject* internal_error_type = nullptr;

// UTF-8 text to str; bytes that are not UTF-8 (a path given on the command line can hold them) become U+FFFD.
py::object text_to_str(std::string_view s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(o);
}

// An option that is bad input, named as the keyword the caller gave.
[[noreturn]] void bad_option(const std::string& option, const std::string& message) {
  throw InputError(Diagnostic{{option, 0, 0}, "", message});
}

// The CLI checks these ranges on its options (CLI::Range in sim/cli/cmd_run.cpp and cmd_sweep.cpp).
int checked(const char* name, std::optional<int> value, int fallback, int lo, int hi) {
  const int v = value.value_or(fallback);
  if (v < lo || v > hi) bad_option(fmt::format("{}={}", name, v), fmt::format("expected {}..{}", lo, hi));
  return v;
}

EvaluateOptions evaluate_options(const CommonArgs& a) {
  const EvaluateOptions defaults;
  return {.threads = checked("threads", a.threads, defaults.threads, 1, 256),
          .top = checked("top", a.top, defaults.top, 1, 1000),
          .timings = a.timings};
}

std::vector<std::filesystem::path> catalog_paths(const CommonArgs& a) {
  return {a.catalog_dirs.begin(), a.catalog_dirs.end()};
}

// The scenario read once (sim/scenario/load.hpp): from its file, or from the text held in memory, as
// fuzz/fuzz_scenario.cpp reads it.
ScenarioSource open_source(const ScenarioArg& s, const LoadOptions& options) {
  if (!s.text) return {s.name, options};
  const ConfigNode document = parse_yaml_text(*s.text, s.name);
  LoadOptions o = options;
  o.document = &document;
  return {s.name, o};  // the source keeps its own copy of the document
}

// Runs `work` without the GIL and maps what it throws: InputError and bad_alloc as they are (the registered
// translator and pybind11 raise them), anything else as InternalFailure.
template <class Fn>
auto without_gil(Fn&& work) {
  try {
    const py::gil_scoped_release release;
    try {
      return work();
    } catch (const InputError&) {
      throw;
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const Interrupted&) {
      throw;
    } catch (const std::exception& e) {
      throw InternalFailure(e.what());
    } catch (...) {
      throw InternalFailure("unknown exception");
    }
  } catch (const Interrupted&) {
    throw py::error_already_set();  // the GIL is held again: the pending KeyboardInterrupt
  }
}

std::string run_json(const std::vector<ScenarioArg>& scenarios, const CommonArgs& a, std::optional<int> samples) {
  const EvaluateOptions options = evaluate_options(a);
  const int sample_count = checked("samples", samples, UncertaintyOptions{}.samples, 0, 10000);
  return without_gil([&] {
    const auto efficiency = efficiency_from_profiles(a.calibrations, catalog_paths(a));
    std::vector<Evaluation> evs;
    for (const auto& s : scenarios) {  // as `hwsim run` (sim/cli/cmd_run.cpp evaluate_all)
      const ScenarioSource source = open_source(s, LoadOptions{catalog_paths(a), a.sets});
      const Scenario sc = source.load();
      Evaluation ev = evaluate(sc, *efficiency, options);
      add_uncertainty(ev, sc, source, *efficiency, {sample_count, options.threads, UncertaintyOptions{}.seed});
      evs.push_back(std::move(ev));
    }
    return render(evs, Format::json);
  });
}

// `hwsim check` without a baseline: the scenarios' `expect:` entries.
// `hwsim check --format json [--baseline DIR [--tolerance METRIC=REL]...]`, through the CLI's own check
// (sim/plan/baseline.hpp check_scenario); writing baselines stays with the CLI (`--update-baseline`).
std::string check_json(const std::vector<ScenarioArg>& scenarios, const CommonArgs& a,
                       const std::optional<std::string>& baseline, const std::vector<std::string>& tolerances) {
  const EvaluateOptions options = evaluate_options(a);
  if (!tolerances.empty() && !baseline) bad_option("tolerance", "tolerances apply to a baseline: give baseline=DIR");
  return without_gil([&] {
    check_tolerances(tolerances);
    const auto efficiency = efficiency_from_profiles(a.calibrations, catalog_paths(a));
    const CheckRequest request{baseline ? std::filesystem::path(*baseline) : std::filesystem::path(), false,
                               tolerances};
    std::vector<ScenarioArg> plans;  // a directory stands for its *.yaml, as for the CLI
    for (const auto& s : scenarios) {
      if (s.text) {
        plans.push_back(s);
        continue;
      }
      for (auto& file : plan_files({s.name})) plans.push_back({std::move(file), std::nullopt});
    }
    std::vector<ScenarioCheck> checks;
    for (const auto& s : plans) {
      checks.push_back(
          check_scenario(open_source(s, LoadOptions{catalog_paths(a), a.sets}), *efficiency, options, request).check);
    }
    return render_check_json(checks);
  });
}

std::string sweep_json(const ScenarioArg& scenario, const std::vector<std::string>& vary, const CommonArgs& a,
                       const std::string& shard, std::optional<std::int64_t> max_points) {
  SweepOptions options;
  options.vary = vary;
  options.threads = checked("threads", a.threads, options.threads, 1, 256);
  if (max_points) {
    if (*max_points < 1) bad_option(fmt::format("max_points={}", *max_points), "expected a positive number");
    options.max_points = *max_points;
  }
  options.progress = [](std::int64_t, std::int64_t) {
    const py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw Interrupted{};
  };
  return without_gil([&] {
    options.shard = parse_shard(shard);
    std::optional<ConfigNode> document;
    LoadOptions load{catalog_paths(a), a.sets};
    if (scenario.text) {
      document.emplace(parse_yaml_text(*scenario.text, scenario.name));
      load.document = &*document;
    }
    const Sweep sw(scenario.name, load, options);
    std::ostringstream out;
    sw.run(out, JsonSweepWriter(sw.layout()));  // as `hwsim sweep --format json`
    return std::move(out).str();
  });
}

std::string validate_json(const CommonArgs& a, const std::optional<std::string>& dir, const std::string& split) {
  if (!split.empty() && split != "tune" && split != "test") bad_option("split=" + split, "expected tune or test");
  return without_gil([&] {
    const auto efficiency = efficiency_from_profiles(a.calibrations, catalog_paths(a));
    const std::filesystem::path cases = dir ? std::filesystem::path(*dir) : default_validation_dir();
    const ValidationReport r =
        run_validation(cases, LoadOptions{catalog_paths(a), {}}, *efficiency, ValidationFilter{split});
    return render_validation_json(r);
  });
}

// hwsim.InputError(message) with `.diagnostics`: one dict per problem (file, line, column, path, message; None where
// unknown), and the CLI's lines (`Diagnostic::str`, control characters escaped) as its message.
void raise_input_error(const InputError& e) {
  py::list diagnostics;
  std::string lines;
  for (const auto& d : e.diagnostics()) {
    py::dict item;
    item["file"] = text_to_str(d.where.file);
    item["line"] = d.where.line > 0 ? py::object(py::int_(d.where.line)) : py::none();
    item["column"] = d.where.column > 0 ? py::object(py::int_(d.where.column)) : py::none();
    item["path"] = d.key_path.empty() ? py::none() : text_to_str(d.key_path);
    item["message"] = text_to_str(d.message);
    diagnostics.append(item);
    lines += (lines.empty() ? "" : "\n") + d.str();
  }
  const py::object error = py::reinterpret_borrow<py::object>(input_error_type)(text_to_str(lines));
  error.attr("diagnostics") = diagnostics;
  PyErr_SetObject(input_error_type, error.ptr());
}

void translate(std::exception_ptr p) {
  try {
    std::rethrow_exception(p);
  } catch (const InputError& e) {
    try {
      raise_input_error(e);
    } catch (py::error_already_set& failed) {
      failed.restore();  // building the exception failed (out of memory): raise that instead
    }
  } catch (const InternalFailure& e) {
    PyErr_SetString(internal_error_type, printable(std::string("internal error: ") + e.what()).c_str());
  }
}

PyObject* new_exception(py::module_& m, const char* name, PyObject* base, const char* doc) {
  const std::string qualified = std::string("hwsim.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base, nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.add_object(name, py::reinterpret_borrow<py::object>(type));
  return type;  // the reference PyErr_NewExceptionWithDoc returned is kept for the life of the process
}

}  // namespace

}  // namespace hwsim::python

PYBIND11_MODULE(_hwsim, m) {
  using namespace hwsim::python;
  m.doc() = "hwsim's engine: JSON documents as `hwsim run|sweep|validate|check --format json` prints them";
  input_error_type = new_exception(m, "InputError", PyExc_ValueError,
                                   "Bad input, as the CLI reports it (exit 2): str() gives its lines "
                                   "(file:line:column: key.path: message), .diagnostics one dict per problem.");
  internal_error_type = new_exception(m, "InternalError", PyExc_RuntimeError,
                                      "A failure that is not bad input (the CLI's internal error, exit 3).");
  py::register_exception_translator(&translate);

  py::class_<ScenarioArg>(m, "ScenarioArg")
      .def(py::init<std::string, std::optional<std::string>>(), py::arg("name"), py::arg("text") = py::none());
  py::class_<CommonArgs>(m, "CommonArgs")
      .def(py::init<>())
      .def_readwrite("sets", &CommonArgs::sets)
      .def_readwrite("catalog_dirs", &CommonArgs::catalog_dirs)
      .def_readwrite("calibrations", &CommonArgs::calibrations)
      .def_readwrite("threads", &CommonArgs::threads)
      .def_readwrite("top", &CommonArgs::top)
      .def_readwrite("timings", &CommonArgs::timings);

  m.def("run_json", &run_json, py::arg("scenarios"), py::arg("common"), py::arg("samples") = py::none(),
        "`hwsim run --format json` of the scenarios");
  m.def("check_json", &check_json, py::arg("scenarios"), py::arg("common"), py::arg("baseline") = py::none(),
        py::arg("tolerances") = std::vector<std::string>{},
        "`hwsim check --format json` of the scenarios' expectations and, given a baseline directory, their drift");
  m.def("sweep_json", &sweep_json, py::arg("scenario"), py::arg("vary"), py::arg("common"), py::arg("shard") = "0/1",
        py::arg("max_points") = py::none(), "`hwsim sweep --format json`");
  m.def("validate_json", &validate_json, py::arg("common"), py::arg("dir") = py::none(), py::arg("split") = "",
        "`hwsim validate --format json`");
  m.def("version", [] { return hwsim::version_string(); });
  m.def("default_catalog_dirs", [] {
    std::vector<std::string> dirs;
    for (const auto& d : hwsim::default_catalog_dirs()) dirs.push_back(d.string());
    return dirs;
  });
}
