#!/usr/bin/env bash
# Shell check: a sweep run as 3 shards (as a Slurm array or GNU parallel would) and merged with `hwsim merge`
# equals the unsharded sweep byte for byte, in CSV and JSON. Usage: sweep_shards.sh HWSIM SCENARIO
set -euo pipefail
hwsim=$1
scenario=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
vary=(--vary "facility.pue=1.1,1.3" --vary "deployments.dgx-h100.count=1..4:4" --vary "facility.electricity=0.05..0.2 USD/kWh:3")
for format in csv json; do
  "$hwsim" sweep "$scenario" "${vary[@]}" --format "$format" -o "$dir/whole.$format"
  for i in 0 1 2; do
    "$hwsim" sweep "$scenario" "${vary[@]}" --format "$format" --shard "$i/3" -o "$dir/part$i.$format"
  done
  "$hwsim" merge "$dir"/part*."$format" -o "$dir/merged.$format"
  cmp "$dir/whole.$format" "$dir/merged.$format"
  echo "$format: 3 shards merged equal the unsharded sweep ($(wc -l <"$dir/whole.$format") lines)"
done
