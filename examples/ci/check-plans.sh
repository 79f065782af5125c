#!/usr/bin/env bash
# Checks a repository's capacity plans as CI does: every plan's `expect:` entries and every metric against the
# committed baselines, with a JUnit report for the CI's test view and a Markdown summary for the pull-request
# comment. Both recipes here (github-actions.yml, gitlab-ci.yml) call it; tests/ci_recipes.sh runs it too.
# Usage: check-plans.sh PLANS_DIR BASELINE_DIR OUT_DIR
#   writes OUT_DIR/check.xml (JUnit) and OUT_DIR/check.md (Markdown); exits as `hwsim check` does:
#   0 every plan holds, 1 an expectation failed or a metric drifted, 2 bad input. HWSIM names the binary (default:
#   hwsim on PATH).
set -uo pipefail
if [ $# -ne 3 ]; then
  echo "usage: check-plans.sh PLANS_DIR BASELINE_DIR OUT_DIR" >&2
  exit 2
fi
plans=$1
baseline=$2
out=$3
hwsim=${HWSIM:-hwsim}
mkdir -p "$out" || exit 2
"$hwsim" check "$plans" --baseline "$baseline" --junit "$out/check.xml" --format md -o "$out/check.md"
status=$?
case $status in
  0) echo "capacity plans hold (report: $out/check.md, JUnit: $out/check.xml)" >&2 ;;
  1) echo "a capacity plan failed or drifted: see $out/check.md (JUnit: $out/check.xml)" >&2 ;;
  *) echo "hwsim check could not read the plans (exit $status): see the messages above" >&2 ;;
esac
exit "$status"
