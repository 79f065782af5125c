#!/usr/bin/env bash
# Shell check of the CI recipes (examples/ci/): the command each recipe's check step runs is taken out of the
# recipe file itself and run, as the CI would, in a copy of a plans repository against an installed hwsim: it passes
# on the committed plans with a JUnit report and a Markdown summary, fails (exit 1) with the failure in both when a
# plan drifts, and exits 2 when the plans cannot be read.
# Usage: ci_recipes.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
python=/usr/bin/python3   # Debian's, with python3-yaml (scripts/setup --checks)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset HWSIM_CATALOG HWSIM_SOURCES
cmake --install "$build" --prefix "$work/prefix" >/dev/null
export HWSIM_PREFIX=$work/prefix

# The check step of each recipe, read from the recipe.
"$python" - "$source/examples/ci" "$work" <<'PY'
import sys, yaml
ci, work = sys.argv[1], sys.argv[2]
with open(f"{ci}/github-actions.yml") as f:
    github = yaml.safe_load(f)
steps = [s for s in github["jobs"]["check"]["steps"] if s.get("name") == "Check the plans"]
assert len(steps) == 1, "github-actions.yml: no single 'Check the plans' step"
with open(f"{ci}/gitlab-ci.yml") as f:
    gitlab = yaml.safe_load(f)
script = gitlab["capacity-plans"]["script"]
assert len(script) == 1, "gitlab-ci.yml: the job's script is not one command"
assert gitlab["capacity-plans"]["artifacts"]["reports"]["junit"] == "out/check.xml"
for name, command in (("github", steps[0]["run"]), ("gitlab", script[0])):
    with open(f"{work}/{name}.sh", "w") as f:
        f.write(command + "\n")
PY

# A plans repository as the recipes expect it: plans/, plans/baseline/, ci/check-plans.sh.
make_repo() {
  rm -rf "$work/repo"
  mkdir -p "$work/repo/plans/baseline" "$work/repo/ci"
  cp "$source"/scenarios/plans/*.yaml "$work/repo/plans/"
  cp "$source"/scenarios/plans/baseline/*.json "$work/repo/plans/baseline/"
  cp "$source/examples/ci/check-plans.sh" "$work/repo/ci/"
}
run_recipe() {  # RECIPE EXPECTED_EXIT
  local status=0
  (cd "$work/repo" && bash -eo pipefail "$work/$1.sh") >"$work/$1.out" 2>&1 || status=$?
  if [ "$status" != "$2" ]; then
    echo "$1 recipe: exit $status, expected $2" >&2
    cat "$work/$1.out" >&2
    exit 1
  fi
}
junit_failures() {
  "$python" -c 'import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
print(sum(int(s.get("failures", 0)) for s in root.iter("testsuite")))' "$1"
}

for recipe in github gitlab; do
  make_repo
  run_recipe "$recipe" 0
  [ "$(junit_failures "$work/repo/out/check.xml")" = 0 ] || { echo "$recipe: failures in a passing JUnit" >&2; exit 1; }
  grep -q '^## hwsim check: all 2 plan(s) hold' "$work/repo/out/check.md"

  # A drifting plan: the serving fleet halved (6 DGX H100 to 3).
  make_repo
  sed -i 's/count: 6}/count: 3}/' "$work/repo/plans/serve-llama2-70b-dgx-h100.yaml"
  grep -q 'count: 3}' "$work/repo/plans/serve-llama2-70b-dgx-h100.yaml"
  run_recipe "$recipe" 1
  [ "$(junit_failures "$work/repo/out/check.xml")" -gt 0 ] || { echo "$recipe: no failure in the JUnit" >&2; exit 1; }
  grep -q 'FAIL' "$work/repo/out/check.md"

  # Plans that cannot be read: exit 2.
  make_repo
  rm "$work/repo/plans/baseline/serve-llama2-70b-dgx-h100.json"
  run_recipe "$recipe" 2
  echo "$recipe recipe: passes on the plans, fails (1) on a drift with the failure in JUnit and Markdown, 2 on bad input"
done
