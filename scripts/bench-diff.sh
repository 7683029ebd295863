#!/usr/bin/env bash
# Benchmark of `carel diff` on two versions of a generated ruleset that differ in 1% of rules.
#
#   scripts/bench-diff.sh [RULES]        default: 100000
#
# Writes the generated ruleset (10 files, seed 1; see benches/support/generator.rs) as OLD, and
# a copy as NEW in which every 100th rule is changed: a `recommend` becomes `consider` and a
# `consider` becomes `recommend` (the final advice changes for the patients that rule decides),
# and a `caution` or `avoid` rule cites another source (the rule changes, the advice does not).
# Both versions check without errors. Then runs `carel diff OLD NEW --format json` RUNS times
# (default 5) and prints the median wall time, with the number of changed rules and exercises.
# Set KEEP=1 to keep the rulesets.
set -euo pipefail
cd "$(dirname "$0")/.."
rules=${1:-100000}
runs=${RUNS:-5}

echo "--- building (release)"
cargo build --release -q --bin carel --example generate
carel=target/release/carel

work=$(mktemp -d "${TMPDIR:-/tmp}/carel-bench-diff.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
target/release/examples/generate --rules "$rules" --seed 1 --out "$work/old"
cp -r "$work/old" "$work/new"

# Every 100th rule, counted across the rule files in order.
count=0
for f in "$work"/new/rules_*.carel; do
  awk -v start="$count" '
    /then (recommend|consider|caution|avoid) / {
      n++
      if ((start + n) % 100 == 0) {
        changed++
        if ($0 ~ /then recommend /) sub(/then recommend /, "then consider ")
        else if ($0 ~ /then consider /) sub(/then consider /, "then recommend ")
        else if ($0 ~ /cite ref1( |$)/) sub(/cite ref1/, "cite ref2")
        else sub(/cite ref[0-9]+/, "cite ref1")
      }
    }
    { print }
    END { print start + n > "/dev/stderr"; print changed + 0 > "/dev/stderr" }
  ' "$f" > "$f.tmp" 2> "$work/counts"
  mv "$f.tmp" "$f"
  count=$(sed -n 1p "$work/counts")
done
echo "--- $count rules; every 100th changed"

"$carel" check "$work/old" --format json > /dev/null || { echo "error: OLD has errors"; exit 1; }
"$carel" check "$work/new" --format json > /dev/null || { echo "error: NEW has errors"; exit 1; }

median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s.%N)
  "$carel" diff "$work/old" "$work/new" --format json > "$work/diff.json"
  end=$(date +%s.%N)
  times+=("$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')")
done
summary=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["rules"]["changed"]), "rules changed,", len(d["changes"]), "exercises with changed advice,", len(d["undecided"]), "undecided")' "$work/diff.json" 2>/dev/null || echo "(python3 not found: see $work/diff.json)")
echo "--- $summary"
printf '%s\n' "${times[@]}" | median | awk -v r="$runs" '{printf "--- carel diff: median %.2f s over %d runs\n", $1, r}'
