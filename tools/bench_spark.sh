#!/usr/bin/env bash
# Images/s of `ferry spark predict` at local[1] and local[2] against `ferry predict` on the same
# folder, on this machine. Prints one line per run: the command's wall time (JVM and Spark start
# included) and, for the Spark runs, the job's own time from its summary.
#
# Usage: tools/bench_spark.sh MODEL_DIR IMAGE_DIR [BATCH]
#   MODEL_DIR  a ferry model directory (e.g. trained on tools/make_bench_images.py's folder)
#   IMAGE_DIR  the images to predict, searched recursively
# Nothing is kept: outputs go to a temporary folder removed at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
model="$1"
images="$2"
batch="${3:-16}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
count="$(find "$images" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | wc -l)"
cores="$(nproc)"
echo "images: $count in $images; cores: $cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"

wall() { # prints the seconds the command took; its stdout goes to $tmp/out
  local t0 t1
  t0="$(date +%s.%N)"
  "$@" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  t1="$(date +%s.%N)"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

"$here/ferry" --version >/dev/null # builds the jar first, outside the timings
# The fixed cost of a run (JVM start, loading the network): ferry predict on one image.
one="$(find "$images" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | sort | head -1)"
f="$(wall "$here/ferry" predict --model "$model" --json "$one")"
s="$(wall "$here/ferry" predict --model "$model" --batch-size "$batch" --json "$images")"
awk -v s="$s" -v f="$f" -v n="$count" 'BEGIN {
  printf "ferry predict                           wall %6.2f s  %7.1f images/s  (less its %.2f s start: %7.1f images/s)\n", s, n / s, f, n / (s - f) }'

run=0
for spec in "local[1] 1" "local[2] 1" "local[2] 2"; do
  set -- $spec
  run=$((run + 1))
  s="$(wall "$here/ferry" spark predict --master "$1" --inference-threads "$2" --batch-size "$batch" --model "$model" \
        --input "$images" --output "$tmp/run$run" --json)"
  job="$(sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p' "$tmp/out")"
  awk -v s="$s" -v j="$job" -v n="$count" -v m="$1" -v t="$2" 'BEGIN {
    printf "ferry spark predict %-8s threads %d    wall %6.2f s  %7.1f images/s  (job %6.2f s, %7.1f images/s)\n", m, t, s, n / s, j, n / j }'
done
