#!/usr/bin/env bash
# Whole-process benchmark of `carel check --format json` on generated rulesets.
#
#   scripts/bench.sh [SIZES...]        default: 10000 100000 1000000
#
# Builds the release binary and the generator, writes each ruleset (10 files, seed 1) into a
# temporary folder, runs the check several times (5 for up to 100k rules, 3 above) and reports,
# per size: median wall time, median CPU time (user + system: steadier than wall time on a
# machine shared with other work), throughput (MB/s and rules/s, from the wall time), peak
# memory (max RSS from `/usr/bin/time -v`), and the growth factor of the median wall and CPU
# times from each size to the next.
# Set RUNS=N to change the number of runs, KEEP=1 to keep the rulesets, OUT=FILE to also write
# the table there, FILES=1 to write each ruleset as one file instead of ten (the targets hold for
# both), BUILD=1 to also time `carel build DIR -o FILE` (median wall and CPU, bundle size).
# If `hyperfine` is installed, it is run too for a second opinion.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)

if [ ! -x /usr/bin/time ]; then
  echo "--- installing GNU time (for peak memory)"
  (apt-get install -y -qq time >/dev/null 2>&1 || sudo apt-get install -y -qq time >/dev/null) ||
    { echo "error: /usr/bin/time is needed; install the 'time' package" >&2; exit 2; }
fi

echo "--- building (release)"
cargo build --release -q --bin carel --example generate
carel=target/release/carel
generate=target/release/examples/generate

work=$(mktemp -d "${TMPDIR:-/tmp}/carel-bench.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

echo "--- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "--- load average: $(cut -d' ' -f1-3 /proc/loadavg); ${FILES:-10} file(s) per ruleset"

median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

table=$(printf '%-9s %7s %9s %7s %7s %10s %8s %5s %s\n' rules MB median_s cpu_s MB/s rules/s peak_MB exit runs)
prev_median=""
prev_cpu=""
prev_size=""
growth=""
builds=""
for n in "${sizes[@]}"; do
  dir="$work/rules_$n"
  "$generate" --rules "$n" --seed 1 --files "${FILES:-10}" --out "$dir" 2>/dev/null
  bytes=$(cat "$dir"/*.carel | wc -c)
  runs=${RUNS:-$([ "$n" -le 100000 ] && echo 5 || echo 3)}
  times=()
  cpus=()
  peak=0
  status=0
  # One untimed run warms the page cache.
  "$carel" check --format json "$dir" >/dev/null || true
  for _ in $(seq "$runs"); do
    "/usr/bin/time" -v -o "$work/time.txt" "$carel" check --format json "$dir" >"$work/out.json" || status=$?
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt" |
      awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$work/time.txt")
    times+=("$wall")
    cpus+=("$cpu")
    [ "$rss" -gt "$peak" ] && peak=$rss
  done
  med=$(printf '%s\n' "${times[@]}" | median)
  cpu_med=$(printf '%s\n' "${cpus[@]}" | median)
  mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1e6}')
  mbs=$(awk -v b="$bytes" -v t="$med" 'BEGIN {printf "%.1f", b/1e6/t}')
  rps=$(awk -v n="$n" -v t="$med" 'BEGIN {printf "%.0f", n/t}')
  peak_mb=$(awk -v k="$peak" 'BEGIN {printf "%.0f", k/1024}')
  line=$(printf '%-9s %7s %9.3f %7.2f %7s %10s %8s %5s %s' "$n" "$mb" "$med" "$cpu_med" "$mbs" "$rps" "$peak_mb" "$status" "${times[*]}")
  table+=$'\n'"$line"
  echo "$line"
  if [ -n "$prev_median" ]; then
    g=$(awk -v a="$prev_median" -v b="$med" 'BEGIN {printf "%.1f", b/a}')
    gc=$(awk -v a="$prev_cpu" -v b="$cpu_med" 'BEGIN {printf "%.1f", b/a}')
    growth+="growth ${prev_size} -> ${n} rules: x${g} wall, x${gc} cpu"$'\n'
  fi
  prev_median=$med
  prev_cpu=$cpu_med
  prev_size=$n
  if [ "${BUILD:-0}" = 1 ]; then
    bwalls=()
    bcpus=()
    "$carel" build "$dir" -o "$work/bundle.json" >/dev/null 2>&1 || true
    for _ in $(seq "$runs"); do
      "/usr/bin/time" -v -o "$work/time.txt" "$carel" build "$dir" -o "$work/bundle.json" >/dev/null 2>&1 || true
      bwalls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt" |
        awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')")
      bcpus+=("$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$work/time.txt")")
    done
    bmed=$(printf '%s\n' "${bwalls[@]}" | median)
    bcpu=$(printf '%s\n' "${bcpus[@]}" | median)
    bsize=$(awk -v b="$(wc -c <"$work/bundle.json")" 'BEGIN {printf "%.1f", b/1e6}')
    builds+="build ${n} rules: median ${bmed} s wall, ${bcpu} s cpu, bundle ${bsize} MB (runs: ${bwalls[*]})"$'\n'
    echo "build: median ${bmed} s wall, ${bcpu} s cpu"
  fi
  if command -v hyperfine >/dev/null 2>&1 && [ "$n" -le 100000 ]; then
    hyperfine -N --warmup 1 --runs "$runs" "$carel check --format json $dir" 2>/dev/null | sed -n '2,3p'
  fi
  [ "${KEEP:-0}" = 1 ] || rm -rf "$dir"
done

echo
echo "$table"
printf '%s' "$growth"
printf '%s' "$builds"
echo "(last report: $(grep -o '"errors": [0-9]*' "$work/out.json"), $(grep -o '"warnings": [0-9]*' "$work/out.json"))"
if [ -n "${OUT:-}" ]; then
  { echo "$table"; printf '%s' "$growth"; printf '%s' "$builds"; } >"$OUT"
fi
