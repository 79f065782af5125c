"""Fixtures of the hwsim module's tests: the repository root and the CLI they compare the module with.

Run from the repository root with the built package on the path (ctest's `python_module` does this):
    PYTHONPATH=build/python /usr/bin/python3 -m pytest -q python/tests
HWSIM_BINARY names the `hwsim` CLI to compare with (default: build/bin/hwsim).
"""

import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def hwsim_binary():
    """The `hwsim` CLI the module is compared with."""
    binary = os.environ.get("HWSIM_BINARY", str(ROOT / "build" / "bin" / "hwsim"))
    if not os.path.exists(binary):
        pytest.skip(f"no hwsim CLI at {binary} (set HWSIM_BINARY)")
    return binary


@pytest.fixture(scope="session")
def cli(hwsim_binary):
    """cli(*args) -> the JSON document `hwsim ARGS` prints (exit status 0 required)."""
    binary = hwsim_binary

    def run(*args):
        done = subprocess.run([binary, *args], cwd=ROOT, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run
