"""hwsim from Python: throughput, watts and dollars of AI workloads on hardware described in YAML.

Each function returns the document the CLI prints with ``--format json`` as plain dicts, lists, floats, ints, strings
and None (the same JSON text, parsed)::

    import hwsim
    r = hwsim.run("scenarios/default.yaml", set={"facility.pue": 1.1})
    r["results"][0]["metrics"]["usd_per_million_tokens"]
    rows = hwsim.sweep("scenarios/default.yaml", vary={"facility.pue": [1.1, 1.3, 1.5]})
    hwsim.to_frame(rows)                                 # a pandas DataFrame (pandas is optional)

A scenario is a path (str or os.PathLike) or a dict holding what the YAML file would; a dict is read as the text
``json.dumps(scenario, indent=2)`` under the name ``<dict>``, which diagnostics name (lines count in that text).
Bad input raises :class:`InputError` (a ValueError) with the CLI's messages; other failures :class:`InternalError`.
The catalog is found as the CLI finds it: the directories baked in at build time, or ``HWSIM_CATALOG``.
"""

import json
import os
import warnings

from ._hwsim import CommonArgs as _CommonArgs
from ._hwsim import InputError, InternalError
from ._hwsim import ScenarioArg as _ScenarioArg
from ._hwsim import check_json as _check_json
from ._hwsim import default_catalog_dirs
from ._hwsim import run_json as _run_json
from ._hwsim import sweep_json as _sweep_json
from ._hwsim import validate_json as _validate_json
from ._hwsim import version as _version
from ._frames import to_frame

__all__ = ["run", "sweep", "validate", "check", "to_frame", "InputError", "InternalError", "HwsimWarning",
           "default_catalog_dirs", "__version__"]
__version__ = _version()

# The name a scenario given as a dict is read under (its diagnostics name it).
DICT_NAME = "<dict>"


class HwsimWarning(UserWarning):
    """A warning of an evaluation (the CLI prints it to stderr as ``hwsim: warning: ...``)."""


def _json_default(value):
    # NumPy and pandas scalars (numpy.int64, numpy.bool_) are not JSON-serializable; their .item() is.
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"{type(value).__name__} is not a scenario value (use str, int, float, bool, None, dict, list)")


def _scenario_arg(scenario):
    if isinstance(scenario, dict):
        return _ScenarioArg(DICT_NAME, json.dumps(scenario, indent=2, default=_json_default))
    if isinstance(scenario, (str, bytes, os.PathLike)):
        return _ScenarioArg(os.fsdecode(scenario))
    raise TypeError(f"a scenario is a path or a dict, not {type(scenario).__name__}")


def _scenario_args(scenario):
    if isinstance(scenario, (list, tuple)):
        return [_scenario_arg(s) for s in scenario]
    return [_scenario_arg(scenario)]


def _value_text(value):
    # A value as `--set PATH=VALUE` writes it: YAML booleans, floats that read back the same, strings as they are.
    if not isinstance(value, (bool, int, float, str)) and callable(getattr(value, "item", None)):
        value = value.item()  # a NumPy scalar
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _assignments(values, keyword):
    """A mapping {PATH: VALUE}, or a list/str of "PATH=VALUE", as the CLI's repeated --set (or --vary) arguments."""
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    if isinstance(values, dict):
        out = []
        for path, value in values.items():
            if isinstance(value, (list, tuple)):
                value = ",".join(_value_text(v) for v in value)
            out.append(f"{path}={_value_text(value)}")
        return out
    if isinstance(values, (list, tuple)):
        return [str(v) for v in values]
    raise TypeError(f"{keyword}= takes a dict {{PATH: VALUE}} or a list of 'PATH=VALUE', not {type(values).__name__}")


def _paths(values):
    if values is None:
        return []
    if isinstance(values, (str, bytes, os.PathLike)):
        return [os.fsdecode(values)]
    return [os.fsdecode(v) for v in values]


def _common(set=None, catalog=None, calibration=None, threads=None, top=None, timings=False):
    c = _CommonArgs()
    c.sets = _assignments(set, "set")
    c.catalog_dirs = _paths(catalog)
    c.calibrations = _paths(calibration)
    c.threads = threads
    c.top = top
    c.timings = bool(timings)
    return c


def run(scenario, *, set=None, catalog=None, calibration=None, samples=None, top=None, threads=None, timings=False,
        frame=False):
    """``hwsim run --format json``: every deployment x workload of the scenario.

    scenario: a path, a dict, or a list of them (then ``{"scenarios": [one document each]}``, as the CLI prints).
    set: overrides as {"facility.pue": 1.1} or ["facility.pue=1.1"] (--set). catalog: extra catalog directories
    (--catalog). calibration: profiles, a file or a NAME of calibrate/profiles (--calibration). samples: uncertainty
    samples of range inputs (--samples, default 64; 0 = off). top, threads, timings: as --top, --threads, --timings.
    frame=True returns :func:`to_frame` of the document (one row per result). The document's warnings are also issued
    as :class:`HwsimWarning`.
    """
    text = _run_json(_scenario_args(scenario), _common(set, catalog, calibration, threads, top, timings), samples)
    doc = json.loads(text)
    for d in doc.get("scenarios", [doc]):
        for w in d.get("warnings", []):
            warnings.warn(w, HwsimWarning, stacklevel=2)
    return to_frame(doc) if frame else doc


def check(scenario, *, baseline=None, tolerance=None, set=None, catalog=None, calibration=None, top=None,
          threads=None):
    """``hwsim check --format json``: each scenario's ``expect:`` entries and, with ``baseline=DIR``, every metric
    against ``DIR/<scenario name>.json`` with each drift explained by the inputs that changed: {"scenarios":
    [{"scenario", "file", "passed", "expectations": [...], "baseline": {...}}], "passed"}.

    scenario: a path, a dict, a directory (its ``*.yaml``, as the CLI takes it) or a list of them. tolerance: relative
    tolerances over the baseline's stored ones, {"tco_usd": 1e-3, "dep/work/metric": 0.01} or ["METRIC=REL", ...].
    Writing baselines stays with the CLI (``hwsim check --update-baseline``).
    """
    text = _check_json(_scenario_args(scenario), _common(set, catalog, calibration, threads, top),
                       None if baseline is None else os.fsdecode(baseline), _assignments(tolerance, "tolerance"))
    return json.loads(text)


def sweep(scenario, vary, *, set=None, catalog=None, threads=None, shard="0/1", max_points=None, document=False,
          frame=False):
    """``hwsim sweep --format json``: the rows, one per point x deployment/workload, each {"point", "inputs",
    "deployment", "workload", "fits", "metrics"}.

    vary: the axes (--vary), the first slowest: {"facility.pue": [1.1, 1.3]}, {"facility.electricity":
    "0.05..0.20 USD/kWh:4"} or ["facility.pue=1.1,1.3", ...]. set, catalog, threads: as for :func:`run`. shard="I/N"
    and max_points as --shard and --max-points. document=True returns the whole document ({"scenario", "vary",
    "points", "rows"}); frame=True a DataFrame of the rows (:func:`to_frame`). Interrupting (Ctrl-C) stops the sweep
    between batches of points.
    """
    if isinstance(scenario, (list, tuple)):
        raise TypeError("a sweep takes one scenario")
    axes = _assignments(vary, "vary")
    text = _sweep_json(_scenario_arg(scenario), axes, _common(set, catalog, None, threads), shard, max_points)
    doc = json.loads(text)
    if frame:
        return to_frame(doc["rows"])
    return doc if document else doc["rows"]


def validate(dir=None, split=None, *, catalog=None, calibration=None, frame=False):
    """``hwsim validate --format json``: predictions against published measurements ({"cases", "mape",
    "max_abs_error", "count", "by_split", "by_source", "not_modelled"}). dir: the cases (default: the source tree's
    scenarios/validation); split: "tune" or "test" (default both). frame=True returns a DataFrame of the cases."""
    common = _common(None, catalog, calibration)
    doc = json.loads(_validate_json(common, None if dir is None else os.fsdecode(dir), split or ""))
    return to_frame(doc) if frame else doc
