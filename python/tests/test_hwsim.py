"""The hwsim Python module against the CLI it wraps: the same documents, the same diagnostics, raised as exceptions."""

import json
import math
import os
import signal
import subprocess
import sys
import threading

import pytest

import hwsim

DEFAULT = "scenarios/default.yaml"
RANGES = "scenarios/dgx-h100-vs-altra-1mw.yaml"  # electricity and prices are ranges: uncertainty and sensitivity


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# A scenario with one problem on a known line (line 5, column 14: the value of `electricty`).
MISSPELT = """name: misspelt
deployments:
  - {name: h100, node: dgx-h100}
facility:
  electricty: 0.10 USD/kWh
workloads:
  - {name: chat, kind: inference, model: llama3-8b, dtype: bf16, input_tokens: 128, output_tokens: 128}
"""

# A price without its unit on line 3.
BAD_UNIT = """name: bad-unit
deployments:
  - {name: h100, node: dgx-h100, price: 300000}
workloads:
  - {name: chat, kind: inference, model: llama3-8b, dtype: bf16, input_tokens: 128, output_tokens: 128}
"""


def test_run_returns_the_cli_json_document(root, cli):
    r = hwsim.run(DEFAULT)
    assert r == cli("run", DEFAULT, "--format", "json")
    metrics = r["results"][0]["metrics"]
    assert metrics["throughput_tokens_per_s"] > 0
    assert isinstance(metrics["batch"], float) and isinstance(r["results"][0]["fits"], bool)


def test_run_with_ranges_has_the_cli_uncertainty_and_sensitivity(cli):
    r = hwsim.run(RANGES, samples=8, threads=2)
    assert r == cli("run", RANGES, "--format", "json", "--samples", "8", "--threads", "2")
    assert any(res.get("uncertainty") for res in r["results"])
    assert all("uncertainty" not in res for res in hwsim.run(RANGES, samples=0)["results"])


def test_several_scenarios_make_one_document_each(cli):
    r = hwsim.run([DEFAULT, RANGES], samples=0)
    assert r == cli("run", DEFAULT, RANGES, "--format", "json", "--samples", "0")
    assert [d["scenario"] for d in r["scenarios"]] == ["default", "dgx-h100-vs-altra-1mw"]


def test_dict_input_equals_file_input(root):
    yaml = pytest.importorskip("yaml")
    scenario = yaml.safe_load((root / DEFAULT).read_text())
    assert hwsim.run(scenario) == hwsim.run(DEFAULT)
    assert hwsim.sweep(scenario, vary={"facility.pue": [1.1, 1.2]}) == hwsim.sweep(
        DEFAULT, vary={"facility.pue": [1.1, 1.2]})


def test_overrides_as_dict_or_list_equal_the_cli_set(cli):
    by_dict = hwsim.run(DEFAULT, set={"facility.pue": 1.1, "deployments.dgx-h100.count": 4})
    by_list = hwsim.run(DEFAULT, set=["facility.pue=1.1", "deployments.dgx-h100.count=4"])
    assert by_dict == by_list == cli("run", DEFAULT, "--format", "json", "--set", "facility.pue=1.1", "--set",
                                     "deployments.dgx-h100.count=4")
    for res in by_dict["results"]:
        m = res["metrics"]
        assert math.isclose(m["facility_power_w"], 1.1 * m["it_power_w"], rel_tol=1e-12)
        if res["deployment"] == "dgx-h100":
            assert m["nodes"] == 4
    assert by_dict != hwsim.run(DEFAULT)


def test_a_set_path_that_does_not_exist_is_bad_input():
    with pytest.raises(hwsim.InputError, match="pue"):
        hwsim.run(DEFAULT, set={"facility.peu": 1.1})


def test_sweep_rows_are_the_cli_json_rows(cli):
    rows = hwsim.sweep(DEFAULT, vary={"facility.pue": [1.1, 1.3, 1.5]}, threads=2)
    # 3 points x 3 deployments x 2 workloads.
    assert len(rows) == 3 * 3 * 2
    assert rows == cli("sweep", DEFAULT, "--vary", "facility.pue=1.1,1.3,1.5", "--format", "json")["rows"]
    assert set(rows[0]) == {"point", "inputs", "deployment", "workload", "fits", "metrics"}
    assert [r["inputs"]["facility.pue"] for r in rows[::6]] == ["1.1", "1.3", "1.5"]


def test_sweep_ranges_grids_and_documents(cli):
    vary = ["facility.electricity=0.05..0.20 USD/kWh:4", "deployments.dgx-h100.count=1..3:3"]
    doc = hwsim.sweep(DEFAULT, vary=vary, document=True)
    assert doc == cli("sweep", DEFAULT, "--vary", vary[0], "--vary", vary[1], "--format", "json")
    assert doc["points"] == 4 * 3 and len(doc["rows"]) == 4 * 3 * 6
    assert hwsim.sweep(DEFAULT, vary={"facility.electricity": "0.05..0.20 USD/kWh:4",
                                      "deployments.dgx-h100.count": "1..3:3"}) == doc["rows"]


def test_validate_has_the_cli_shape(cli):
    v = hwsim.validate(split="test")
    assert v == cli("validate", "--split", "test", "--format", "json")
    assert {"cases", "mape", "max_abs_error", "count", "by_split", "by_source", "not_modelled"} <= set(v)
    assert v["cases"] and all(c["split"] == "test" for c in v["cases"])
    assert {"name", "kind", "metric", "predicted", "measured", "error", "source", "split", "device"} <= set(
        v["cases"][0])
    with pytest.raises(hwsim.InputError, match="split=both: expected tune or test"):
        hwsim.validate(split="both")


def test_check_reports_expectations(root, cli):
    plan = "scenarios/plans/serve-llama2-70b-dgx-h100.yaml"
    c = hwsim.check(plan)
    assert c == cli("check", plan, "--format", "json")
    assert c["scenarios"][0]["expectations"] and c["scenarios"][0]["passed"] is True


def test_check_compares_with_a_baseline_as_the_cli_does(root, cli, hwsim_binary, tmp_path):
    plans, base = "scenarios/plans", "scenarios/plans/baseline"
    c = hwsim.check(plans, baseline=base)
    assert c == cli("check", plans, "--baseline", base, "--format", "json")
    assert c["passed"] is True and all(s["baseline"] for s in c["scenarios"])
    # A fleet halved drifts: the same verdict and drifts as the CLI's, the cause named.
    halved = {"deployments.dgx-h100.count": 3}
    plan = "scenarios/plans/serve-llama2-70b-dgx-h100.yaml"
    d = hwsim.check(plan, baseline=base, set=halved)
    assert d == cli_status(hwsim_binary, root, 1, "check", plan, "--baseline", base, "--set", "deployments.dgx-h100.count=3",
                           "--format", "json")
    assert d["passed"] is False
    # A tolerance loose enough hides every drift of a metric.
    t = hwsim.check(plan, baseline=base, set=halved, tolerance={"devices": 1.0})
    assert t == cli_status(hwsim_binary, root, 1, "check", plan, "--baseline", base, "--set", "deployments.dgx-h100.count=3",
                           "--tolerance", "devices=1", "--format", "json")
    with pytest.raises(hwsim.InputError, match="unknown metric 'tco_us' \\(did you mean 'tco_usd'\\?\\)"):
        hwsim.check(plan, baseline=base, tolerance={"tco_us": 0.1})
    with pytest.raises(hwsim.InputError, match="give baseline=DIR"):
        hwsim.check(plan, tolerance={"tco_usd": 0.1})
    with pytest.raises(hwsim.InputError, match="no \\*.yaml scenario in this directory"):
        hwsim.check(tmp_path)
    with pytest.raises(hwsim.InputError, match="--update-baseline"):
        hwsim.check(plan, baseline=tmp_path)  # no baseline there yet


def cli_status(binary, root, status, *args):
    """The JSON document `hwsim ARGS` prints, with the exit status required."""
    done = subprocess.run([binary, *args], cwd=root, capture_output=True, text=True, check=False)
    assert done.returncode == status, done.stderr
    return json.loads(done.stdout)


def test_catalog_and_calibration_options_are_the_cli_ones(tmp_path, cli):
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "my-dgx.yaml").write_text("name: my-dgx\nkind: node\nbase: dgx-h100\nprice: 123456 USD  # a quote\n")
    scenario = {"name": "mine", "deployments": [{"name": "mine", "node": "my-dgx"}],
                "workloads": [{"name": "chat", "kind": "inference", "model": "llama3-8b", "dtype": "bf16",
                               "input_tokens": 128, "output_tokens": 128}]}
    path = write(tmp_path, "mine.yaml", json.dumps(scenario))
    r = hwsim.run(scenario, catalog=catalog)
    assert r == hwsim.run(path, catalog=[str(catalog)]) == cli("run", path, "--catalog", str(catalog), "--format",
                                                                "json")
    assert r["results"][0]["metrics"]["capex_usd"] >= 123456
    with pytest.raises(hwsim.InputError, match="unknown node 'my-dgx'"):
        hwsim.run(scenario)
    calibrated = hwsim.run(DEFAULT, calibration="intel-xeon-processor", samples=0)
    assert calibrated == cli("run", DEFAULT, "--calibration", "intel-xeon-processor", "--samples", "0", "--format",
                             "json")
    with pytest.raises(hwsim.InputError, match="is neither a file nor a profile"):
        hwsim.run(DEFAULT, calibration="no-such-profile")


def test_misspelt_key_raises_input_error_with_file_and_line(tmp_path):
    path = write(tmp_path, "misspelt.yaml", MISSPELT)
    with pytest.raises(hwsim.InputError) as caught:
        hwsim.run(path)
    e = caught.value
    assert isinstance(e, ValueError)
    assert str(e) == f"{path}:5:3: facility: unknown key 'electricty' (did you mean 'electricity'?)"
    assert e.diagnostics == [{"file": path, "line": 5, "column": 3, "path": "facility",
                              "message": "unknown key 'electricty' (did you mean 'electricity'?)"}]


def test_bad_unit_raises_input_error_with_the_cli_lines(tmp_path, hwsim_binary):
    path = write(tmp_path, "bad_unit.yaml", BAD_UNIT)
    with pytest.raises(hwsim.InputError) as caught:
        hwsim.run(path)
    [d] = caught.value.diagnostics
    assert (d["file"], d["line"], d["path"]) == (path, 3, "deployments[0].price")
    assert 'expected a price like "199000 USD", got "300000" (no unit)' in d["message"]
    # The CLI prints the same lines, each after "hwsim: error: ", and exits 2.
    done = subprocess.run([hwsim_binary, "run", path], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["hwsim: error: " + line for line in str(caught.value).splitlines()]


def test_dict_errors_name_the_dict():
    scenario = {"name": "typo", "deployments": [{"name": "a", "node": "dgx-h10"}], "workloads": []}
    with pytest.raises(hwsim.InputError) as caught:
        hwsim.run(scenario)
    assert caught.value.diagnostics[0]["file"] == "<dict>"
    assert "unknown node 'dgx-h10' (did you mean 'dgx-h100'?)" in str(caught.value)


def test_other_failures_are_a_distinct_exception():
    assert issubclass(hwsim.InternalError, RuntimeError)
    assert not issubclass(hwsim.InternalError, ValueError) and not issubclass(hwsim.InputError, RuntimeError)
    with pytest.raises(hwsim.InputError, match="cannot open the file"):
        hwsim.run("no/such/scenario.yaml")
    with pytest.raises(hwsim.InputError, match="threads=0: expected 1..256"):
        hwsim.run(DEFAULT, threads=0)
    with pytest.raises(TypeError):
        hwsim.run(42)


def test_the_gil_is_released_while_hwsim_works():
    # With a switch interval far longer than the sweep, the main thread runs during it only if the sweep lets go of
    # the GIL.
    ticks = [0]
    during = []

    def work():
        before = ticks[0]
        hwsim.sweep(DEFAULT, vary={"facility.pue": "1.1..1.5:40"})
        during.append(ticks[0] - before)

    old = sys.getswitchinterval()
    sys.setswitchinterval(60)
    try:
        t = threading.Thread(target=work)
        t.start()
        while t.is_alive():
            ticks[0] += 1
            t.join(0.001)
    finally:
        sys.setswitchinterval(old)
    assert during and during[0] > 0


def test_a_sweep_stops_on_an_interrupt():
    class Stop(Exception):
        pass

    def handler(signum, frame):
        raise Stop()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    try:
        with pytest.raises(Stop):  # 3000 points: a minute's work, stopped after the first batch
            hwsim.sweep(DEFAULT, vary={"facility.pue": "1.1..1.5:3000"})
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_frames_when_pandas_is_installed():
    pd = pytest.importorskip("pandas")
    rows = hwsim.sweep(DEFAULT, vary={"facility.pue": [1.1, 1.3]})
    f = hwsim.to_frame(rows)
    assert isinstance(f, pd.DataFrame) and len(f) == len(rows) == 12
    assert list(f.columns[:5]) == ["point", "facility.pue", "deployment", "workload", "fits"]
    assert f["facility.pue"].tolist() == [1.1] * 6 + [1.3] * 6
    assert f.loc[0, "usd_per_million_tokens"] == rows[0]["metrics"]["usd_per_million_tokens"]
    assert hwsim.sweep(DEFAULT, vary={"facility.pue": [1.1, 1.3]}, frame=True).equals(f)
    run = hwsim.run(DEFAULT, frame=True)
    assert len(run) == 6 and {"deployment", "workload", "kind", "tco_usd"} <= set(run.columns)
    units = hwsim.to_frame(hwsim.sweep(DEFAULT, vary=["facility.electricity=0.05..0.10 USD/kWh:2"]))
    assert units["facility.electricity"].tolist()[::6] == ["0.05 USD/kWh", "0.1 USD/kWh"]


def test_the_example_writes_a_png(root, tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "sweep.png"
    env = dict(os.environ, HWSIM_PLOT=str(png))
    done = subprocess.run([sys.executable, str(root / "examples" / "python" / "sweep_plot.py")], cwd=root, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10000
