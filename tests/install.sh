#!/usr/bin/env bash
# Shell check of `cmake --install` (README "Install"): the build installed into a temporary prefix runs a shipped
# scenario from / with the data under PREFIX/share/hwsim, giving what the build tree gives; an edit of the installed
# catalog shows in the installed binary only (so it reads its prefix, not the source tree).
# Usage: install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
python=/usr/bin/python3
unset HWSIM_CATALOG HWSIM_SOURCES
cmake --install "$build" --prefix "$prefix" >/dev/null
for program in hwsim hwsim-cpu-probe; do
  [ -x "$prefix/bin/$program" ] || { echo "not installed: bin/$program" >&2; exit 1; }
done
data=$prefix/share/hwsim

# A shipped scenario from /: the same JSON as the build tree's binary gives (paths aside).
(cd / && "$prefix/bin/hwsim" run "$data/scenarios/default.yaml" --format json) >"$prefix/installed.json"
(cd "$source" && "$build/bin/hwsim" run scenarios/default.yaml --format json) >"$prefix/tree.json"
cmp <(sed "s#$data/##g" "$prefix/installed.json") <(sed "s#$source/##g" "$prefix/tree.json")
echo "run from /: the installed hwsim gives the build tree's JSON ($(wc -c <"$prefix/tree.json") bytes)"

# The installed catalog is the one read: a price edited there shows in the installed binary, not in the tree's.
entry=$data/hwmodels/catalog/gpus/a100-sxm4-40gb.yaml
sed -i 's/^price: .*/price: 12345 USD/' "$entry"
grep -q '^price: 12345 USD' "$entry" || { echo "no price line in $entry" >&2; exit 1; }
(cd / && "$prefix/bin/hwsim" hw show a100-sxm4-40gb) | grep -q '12345 USD' ||
  { echo "the installed hwsim does not read $entry" >&2; exit 1; }
if "$build/bin/hwsim" hw show a100-sxm4-40gb | grep -q '12345 USD'; then
  echo "the build tree's hwsim read the installed catalog" >&2
  exit 1
fi
echo "catalog: the installed hwsim reads PREFIX/share/hwsim"

# The validation cases, the source registry and the calibration profiles come with it.
installed_cases=$(cd / && "$prefix/bin/hwsim" validate --format json | grep -c '"measured"')
tree_cases=$("$build/bin/hwsim" validate --format json | grep -c '"measured"')
[ "$installed_cases" = "$tree_cases" ] || { echo "validate: $installed_cases cases installed, $tree_cases in the tree" >&2; exit 1; }
(cd / && "$prefix/bin/hwsim" run "$data/scenarios/default.yaml" --calibration intel-xeon-processor >/dev/null)
echo "validate: $installed_cases cases; --calibration NAME resolves under the prefix"

# The Python module, where it was built: imported from PREFIX/lib/python3/dist-packages, it reads PREFIX/share/hwsim
# too: a DGX H100 priced at 1000 USD there instead of 270000 takes 269000 USD off the deployment's capex.
if [ -d "$build/python/hwsim" ] && [ -x "$python" ]; then
  sed -i 's/^price: .*/price: 1000 USD/' "$data/hwmodels/catalog/nodes/dgx-h100.yaml"
  capex=$(cd / && PYTHONPATH="$prefix/lib/python3/dist-packages" "$python" -c '
import sys, hwsim
r = hwsim.run(sys.argv[1])
print(round([x for x in r["results"] if x["deployment"] == "dgx-h100"][0]["metrics"]["capex_usd"]))' \
    "$data/scenarios/default.yaml")
  tree_capex=$("$build/bin/hwsim" run "$source/scenarios/default.yaml" --format csv --set hw.dgx-h100.price="1000 USD" |
    "$python" -c 'import csv, sys; print(round(float([r for r in csv.DictReader(sys.stdin) if r["deployment"] == "dgx-h100"][0]["capex_usd"])))')
  [ "$capex" = "$tree_capex" ] || { echo "installed Python module: capex $capex, expected $tree_capex" >&2; exit 1; }
  echo "python: the installed module reads PREFIX/share/hwsim"
fi
