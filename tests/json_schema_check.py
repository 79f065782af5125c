#!/usr/bin/python3
"""The JSON Schemas of `hwsim schema KIND --format json-schema` (editors' view of the YAML files) against hwsim.

Checks: every kind's schema is a valid draft 2020-12 schema (patterns compile) and equals its committed copy
schemas/KIND.schema.json; every shipped scenario, catalog entry, calibration profile and the source registry
validates against its kind's schema, and every scenario and catalog file names that schema in its first-line
modeline; and edits of shipped files, some that hwsim accepts and some it refuses (a misspelt key, a misspelt unit),
get the same verdict from the schema as from hwsim.

YAML is read as YAML 1.2 (core schema), as yaml-language-server reads it: `yes` is text, `1e9` a number, no dates.
Usage: json_schema_check.py HWSIM REPO_ROOT   (Debian's python3 with python3-jsonschema and python3-yaml)
"""
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import jsonschema
    import yaml
except ImportError as e:  # a missing package is a failure, not a skip: the check would prove nothing
    sys.exit(f"json_schema_check: {e} (apt-get install python3-jsonschema python3-yaml; run with /usr/bin/python3)")

KINDS = ["gpu", "cpu", "node", "network", "cluster", "rack", "facility", "model",
         "scenario", "training", "inference", "profile", "sources"]
MODELINE = "# yaml-language-server: $schema="


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with the YAML 1.2 core schema's scalars instead of YAML 1.1's."""


Yaml12Loader.yaml_implicit_resolvers = {}
for tag, pattern, first in [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     "-+.0123456789"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
]:
    Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:" + tag, re.compile(pattern), list(first))


def _int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    return int(text, 16) if text.startswith("0x") else int(text, 10)


def _float(loader, node):
    text = loader.construct_scalar(node).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    return float("nan") if text == ".nan" else float(text)


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _int)
Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _float)


def load_yaml(text):
    return yaml.load(text, Loader=Yaml12Loader)


def fail(message):
    print("FAIL:", message)
    return 1


def emitted_schemas(hwsim, root):
    """Each kind's schema as hwsim emits it, checked against the metaschema and its committed copy."""
    failures = 0
    schemas = {}
    for kind in KINDS:
        out = subprocess.run([hwsim, "schema", kind, "--format", "json-schema"], capture_output=True, text=True)
        if out.returncode != 0:
            failures += fail(f"hwsim schema {kind} --format json-schema exits {out.returncode}: {out.stderr}")
            continue
        schema = json.loads(out.stdout)
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            failures += fail(f"{kind}: not a draft 2020-12 schema: {e.message}")
        for pattern in re.findall(r'"pattern": ("(?:[^"\\]|\\.)*")', out.stdout):
            re.compile(json.loads(pattern))
        committed = root / "schemas" / f"{kind}.schema.json"
        if not committed.is_file() or committed.read_text() != out.stdout:
            failures += fail(f"{committed} differs from `hwsim schema {kind} --format json-schema` "
                             "(regenerate: scripts/update-schemas)")
        schemas[kind] = jsonschema.Draft202012Validator(schema)
    extra = {p.name for p in (root / "schemas").glob("*")} - {f"{k}.schema.json" for k in KINDS}
    if extra:
        failures += fail(f"schemas/ holds files of no kind: {sorted(extra)}")
    return schemas, failures


def shipped_files(root):
    """(file, kind, needs a modeline) of every YAML file hwsim ships."""
    files = []
    for pattern in ["scenarios/*.yaml", "scenarios/plans/*.yaml", "scenarios/validation/*/*.yaml"]:
        files += [(p, "scenario", True) for p in sorted(root.glob(pattern))]
    for p in sorted((root / "hwmodels/catalog").rglob("*.yaml")) + sorted((root / "workloads/catalog").rglob("*.yaml")):
        files.append((p, load_yaml(p.read_text())["kind"], True))
    files += [(p, "profile", False) for p in sorted(root.glob("calibrate/profiles/*.yaml"))]
    files.append((root / "hwmodels/sources.yaml", "sources", False))
    return files


def errors(validator, document):
    return sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))


def check_shipped(schemas, root):
    failures = 0
    for path, kind, modeline in shipped_files(root):
        text = path.read_text()
        if modeline:
            first = text.split("\n", 1)[0]
            target = os.path.relpath(root / "schemas" / f"{kind}.schema.json", path.parent)
            if first != MODELINE + target:
                failures += fail(f"{path}: first line should be `{MODELINE}{target}`, is `{first}`")
        for e in errors(schemas[kind], load_yaml(text)):
            failures += fail(f"{path}: {'.'.join(map(str, e.absolute_path))}: {e.message}")
    count = len(shipped_files(root))
    print(f"validated {count} shipped files against their kind's schema")
    return failures


# Edits of shipped files: (file, text replaced, replacement, what hwsim says). The schema must agree with hwsim.
SCENARIO_EDITS = [
    ("scenarios/default.yaml", "description:", "descripton:", "refuses"),  # misspelt key
    ("scenarios/default.yaml", "electricity: 0.10 USD/kWh", "electricity: 0.10 USD/kwh", "refuses"),  # unit
    ("scenarios/default.yaml", "tpot: 50 ms", "tpot: 50 mS", "refuses"),
    ("scenarios/default.yaml", "tpot: 50 ms", "tpot: 50ms", "accepts"),
    ("scenarios/default.yaml", "tpot: 50 ms", "tpot: 40..60 ms", "accepts"),  # an uncertainty range
    ("scenarios/default.yaml", "pue: 1.3", "pue: 1.2..1.4", "accepts"),
    ("scenarios/default.yaml", "pue: 1.3", "pue: 1.3 W", "refuses"),
    ("scenarios/default.yaml", "global_batch: 64", 'global_batch: "64"', "accepts"),
    ("scenarios/default.yaml", "global_batch: 64", "global_batch: 64.5", "refuses"),
    ("scenarios/default.yaml", "global_batch: 64", "global_batch: 0", "refuses"),
    ("scenarios/default.yaml", "dtype: bf16\n    seq_len", "dtype: bf17\n    seq_len", "refuses"),
    ("scenarios/default.yaml", "kind: training", "kind: trainin", "refuses"),
    ("scenarios/default.yaml", "train_tokens: 1e9", "train_tokens: -1e9", "refuses"),
    ("scenarios/default.yaml", "train_tokens: 1e9", "train_tokens: 0x10", "refuses"),  # (UNSEEN)
    ("scenarios/default.yaml", "parallelism: auto", "parallelism: {tp: 2, zero: 1}", "accepts"),
    ("scenarios/default.yaml", "parallelism: auto", "parallelism: {tp: 2, zero: 4}", "refuses"),
    ("scenarios/default.yaml", "parallelism: auto", "parallelism: automatic", "refuses"),
    ("scenarios/default.yaml", "deployments:\n  - {name: dgx-a100, node: dgx-a100-80gb}\n  - {name: dgx-h100, "
     "node: dgx-h100}\n  - {name: dgx-b200, node: dgx-b200}\n", "", "refuses"),  # a required key left out
    ("scenarios/default.yaml", "{name: dgx-h100, node: dgx-h100}", "{name: dgx-h100, node: dgx-h100, count: fill}",
     "refuses"),  # fill without a budget: a check across keys (UNSEEN)
    ("scenarios/default.yaml", "facility: {", "catalog:\n  - {name: dgx-h100-cheap, kind: node, base: dgx-h100, "
     "price: 300000 USD}\nfacility: {", "accepts"),  # an inline entry with base: needs no other key
    ("scenarios/default.yaml", "facility: {", "catalog:\n  - {name: dgx-h100-cheap, kind: node, base: dgx-h100, "
     "prise: 300000 USD}\nfacility: {", "refuses"),
    ("scenarios/default.yaml", "model: llama3-8b\n    dtype: bf16\n    seq_len",
     "model: {base: llama3-8b, layers: 16}\n    dtype: bf16\n    seq_len", "accepts"),  # an inline model
    ("scenarios/default.yaml", "model: llama3-8b\n    dtype: bf16\n    seq_len",
     "model: {layers: 16}\n    dtype: bf16\n    seq_len", "refuses"),  # inline without base: keys required
]
# Edits hwsim refuses for what the schema cannot see (sim/core/json_schema.hpp): a check across keys, and how a
# number is spelt (YAML reads `0x10` as 16): the schema accepts them.
GPU_FILE = "hwmodels/catalog/gpus/h100-sxm5-80gb.yaml"
UNSEEN = [
    ("scenarios/default.yaml", "{name: dgx-h100, node: dgx-h100}", "{name: dgx-h100, node: dgx-h100, count: fill}"),
    ("scenarios/default.yaml", "train_tokens: 1e9", "train_tokens: 0x10"),
    (GPU_FILE, "count: 132", "count: 132.0"),
]
H200_FILE = "hwmodels/catalog/gpus/h200-sxm-141gb.yaml"
# Edits of catalog entries, each a copy under another name in a catalog directory of its own: the H100, and the
# H200 that derives from it (`base:`) and so needs no other key.
GPU_EDITS = [
    (GPU_FILE, "tdp: 700 W", "tdp: 700 w", "refuses"),  # misspelt unit
    (GPU_FILE, "tdp: 700 W", "tdp: 700W", "accepts"),
    (GPU_FILE, "tdp: 700 W", "tdp: 0.7 kW", "accepts"),
    (GPU_FILE, "tdp: 700 W", "tdp: 700", "refuses"),  # no unit
    (GPU_FILE, "tdp: 700 W", "tdp: -700 W", "refuses"),
    (GPU_FILE, "capacity: 80 GiB", "capacity: 80 GIB", "refuses"),
    (GPU_FILE, "capacity: 80 GiB", "capacity: 60..80 GiB", "accepts"),
    (GPU_FILE, "tensor_core_generation: hopper", "tensor_core_generation: hoper", "refuses"),
    (GPU_FILE, "form_factor: SXM5", "from_factor: SXM5", "refuses"),  # misspelt key
    (GPU_FILE, "price: 27500 USD", "price: 27500 EUR", "refuses"),
    (GPU_FILE, "count: 132", "count: 132.0", "refuses"),
    (H200_FILE, "idle: 75 W", "idle: 75 W", "accepts"),
    (H200_FILE, "idle: 75 W", "idel: 75 W", "refuses"),
    (H200_FILE, "capacity: 141 GiB", "capacity: 141 Gib", "accepts"),  # 141 gibibits: a size all the same
    (H200_FILE, "capacity: 141 GiB", "capacity: 141 GiB/s", "refuses"),
    (H200_FILE, "kind: gpu\n", "", "refuses"),  # an entry names its kind, base: or not
]


def hwsim_verdict(hwsim, args, cwd):
    out = subprocess.run([hwsim] + args, capture_output=True, text=True, cwd=cwd)
    if out.returncode not in (0, 2):
        raise RuntimeError(f"hwsim {' '.join(args)} exits {out.returncode}: {out.stderr}")
    return "accepts" if out.returncode == 0 else "refuses"


def schema_verdict(validator, text):
    return "refuses" if errors(validator, load_yaml(text)) else "accepts"


def disagreements(file, old, new, expected, said):
    """How many of hwsim's and the schema's verdicts ({who: verdict}) on one edit differ from the expected one (the
    schema accepts what it cannot see: UNSEEN)."""
    failures = 0
    for who, verdict in said.items():
        want = "accepts" if who == "schema" and (file, old, new) in UNSEEN else expected
        if verdict != want:
            failures += fail(f"{file} with {old!r} -> {new!r}: {who} {verdict}, expected: {want}")
    return failures


def check_edits(hwsim, schemas, root):
    failures = 0
    edits = 0
    with tempfile.TemporaryDirectory() as tmp:
        for file, old, new, expected in SCENARIO_EDITS:
            text = (root / file).read_text()
            assert text.count(old) == 1, f"{file}: {old!r} is not there exactly once"
            edited = text.replace(old, new)
            path = Path(tmp) / "edited.yaml"
            path.write_text(edited)
            said = {"hwsim": hwsim_verdict(hwsim, ["run", str(path), "--format", "json"], root),
                    "schema": schema_verdict(schemas["scenario"], edited)}
            failures += disagreements(file, old, new, expected, said)
            edits += 1
        catalog = Path(tmp) / "catalog"
        catalog.mkdir()
        for file, old, new, expected in GPU_EDITS:
            text = (root / file).read_text()
            assert text.count(old) == 1, f"{file}: {old!r} is not there exactly once"
            name = Path(file).stem
            edited = text.replace(old, new).replace(f"name: {name}", "name: gpu-edited")
            (catalog / "gpu-edited.yaml").write_text(edited)
            said = {"hwsim": hwsim_verdict(hwsim, ["hw", "show", "gpu-edited", "--catalog", str(catalog)], root),
                    "schema": schema_verdict(schemas["gpu"], edited)}
            failures += disagreements(file, old, new, expected, said)
            edits += 1
    print(f"{edits} edits of shipped files: the schema agrees with hwsim")
    return failures


def main():
    hwsim, root = sys.argv[1], Path(sys.argv[2]).resolve()
    schemas, failures = emitted_schemas(hwsim, root)
    if len(schemas) == len(KINDS):
        failures += check_shipped(schemas, root)
        failures += check_edits(hwsim, schemas, root)
    print(f"json_schema_check: {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
