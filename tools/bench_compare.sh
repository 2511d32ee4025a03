#!/usr/bin/env bash
# Runs ferry's benchmark and PyTorch's on this machine with the same settings and prints the
# ratios against ferry's performance targets (see the README's Performance section).
#
#   tools/bench_compare.sh [--arch resnet50] [--batch 16] [--threads 2]
#                          [--images DIR] [--out DIR] [--rounds N] [--iters N] [--warmup N]
#
#   --images DIR  the JPEG folder for the folder-predict and transfer cases; written by
#                 tools/make_bench_images.py when absent (default: $TMPDIR/ferry-bench/images,
#                 reused by later runs).
#   --out DIR     where the raw JSON results go (default: a new $TMPDIR/ferry-bench-results.XXXXXX).
#   --rounds N    repeat the whole comparison N times (default 1); the table shows medians and
#                 every round's ratio.
#   --iters/--warmup  passed to the PyTorch side only (ferry bench has its own protocol).
#
# Environment:
#   FERRY_BENCH_JSON=FILE  use this recorded `ferry bench --json` result instead of running ferry
#                          (to re-tabulate, or to compare against another machine's ferry run).
#
# Steps: (1) the image folder; then, per round and per group of cases (inference, training, folder
# prediction, transfer): (2) ./ferry bench --cases ... --json, (3) tools/bench_pytorch.py with
# glibc's malloc and (4) again with tcmalloc preloaded; per case the faster/smaller of the two
# PyTorch runs is used, because the target is PyTorch run the way that is fastest for it.
# (5) tools/bench_table.py prints the table to stdout; progress goes to stderr.
#
# Exit status: 0 every target PASS; 3 a target FAILs or could not be evaluated; 1 a run failed;
# 2 bad usage.
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
py=/usr/bin/python3   # Debian's python3-torch / python3-torchvision live here, not in a venv
tmp="${TMPDIR:-/tmp}"

arch=resnet50
batch=16
threads=2
images="$tmp/ferry-bench/images"
out=""
rounds=1
py_extra=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "bench_compare: error: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --arch|--batch|--threads|--images|--out|--rounds|--iters|--warmup)
      [ $# -ge 2 ] || { echo "bench_compare: $1 needs a value" >&2; exit 2; }
      case "$1" in
        --arch) arch="$2" ;;
        --batch) batch="$2" ;;
        --threads) threads="$2" ;;
        --images) images="$2" ;;
        --out) out="$2" ;;
        --rounds) rounds="$2" ;;
        --iters|--warmup) py_extra+=("$1" "$2") ;;
      esac
      shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench_compare: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for v in "$batch" "$threads" "$rounds"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "bench_compare: --batch/--threads/--rounds need a positive integer, got '$v'" >&2; exit 2; }
done

[ -x "$py" ] || die "$py not found (Debian's python3 with python3-torch and python3-torchvision is needed)"
if [ -n "${FERRY_BENCH_JSON:-}" ] && [ ! -f "$FERRY_BENCH_JSON" ]; then
  die "FERRY_BENCH_JSON=$FERRY_BENCH_JSON: no such file"
fi
if [ -z "$out" ]; then
  mkdir -p "$tmp"
  out="$(mktemp -d "$tmp/ferry-bench-results.XXXXXX")"
else
  mkdir -p "$out"
fi
mkdir -p "$(dirname "$images")"   # readlink -f needs every component but the last to exist
images="$(readlink -f "$images")"

# 1. Images. make_bench_images.py renames a finished folder into place, so one that exists is complete.
if [ ! -d "$images" ]; then
  echo "bench_compare: writing benchmark images to $images" >&2
  "$py" "$here/tools/make_bench_images.py" "$images" || die "tools/make_bench_images.py failed"
fi

is_json_object() { "$py" -c 'import json,sys; sys.exit(0 if isinstance(json.load(open(sys.argv[1])), dict) else 1)' "$1" 2>/dev/null; }

# 2-4. Case by case, round by round: ferry's cases of a group, then PyTorch's with glibc's malloc and
# with tcmalloc, so that the figures a ratio compares are measured within a minute or two of each
# other (this machine's speed drifts by tens of percent over an hour). Each round's results are
# merged into round-R/{ferry,pytorch-glibc,pytorch-tcmalloc}.json.
groups=("gemm,infer|gemm,infer_eager,infer_jit" "train|train" "predict_folder,predict_one|predict_folder"
        "fe_nocache,fe_cached|fe_nocache,fe_cached")
tcmalloc=""
for lib in /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/lib64/libtcmalloc_minimal.so.4; do
  if [ -f "$lib" ]; then tcmalloc="$lib"; break; fi
done
[ -n "$tcmalloc" ] || echo "bench_compare: warning: libtcmalloc_minimal.so.4 not found; PyTorch measured with glibc malloc only" >&2

run_ferry() {  # $1 = cases, $2 = destination
  local rc=0
  echo "bench_compare: ./ferry bench --cases $1" >&2
  (cd "$here" && ./ferry bench --arch "$arch" --batch "$batch" --threads "$threads" --images "$images" \
      --cases "$1" --json) > "$2" || rc=$?
  [ "$rc" -eq 0 ] || die "'./ferry bench --cases $1' failed with exit status $rc (its messages are above; stdout is in $2).
  Set FERRY_BENCH_JSON=FILE to tabulate a recorded ferry result instead."
  is_json_object "$2" || die "the ferry result $2 is not one JSON object"
}

run_pytorch() {  # $1 = label, $2 = cases, $3 = destination, rest = env assignments for `env`
  local label="$1" cases="$2" dest="$3" rc=0
  shift 3
  echo "bench_compare: PyTorch with $label malloc, --cases $cases" >&2
  env "$@" "$py" "$here/tools/bench_pytorch.py" --arch "$arch" --batch "$batch" --threads "$threads" \
      --images "$images" --cases "$cases" ${py_extra[@]+"${py_extra[@]}"} --json > "$dest" || rc=$?
  # Exit 1 with a JSON object means some case failed but the others ran: tabulate what there is.
  is_json_object "$dest" || die "tools/bench_pytorch.py ($label malloc, $cases) failed with exit status $rc and no result"
  [ "$rc" -eq 0 ] || echo "bench_compare: warning: some PyTorch cases failed under $label malloc (see above)" >&2
}

merge() {  # $1 = destination, rest = partial results of one round: one object, the union of them
  "$py" - "$@" <<'PYEOF'
import json, sys
merged = {}
for path in sys.argv[2:]:
    d = json.load(open(path))
    for k, v in d.items():
        if isinstance(v, dict) and isinstance(merged.get(k), dict):
            merged[k].update(v)
        elif isinstance(v, list) and isinstance(merged.get(k), list) and k == "cases":
            merged[k] += [c for c in v if c not in merged[k]]
        elif k not in merged or v is not None:
            merged[k] = v
json.dump(merged, open(sys.argv[1], "w"), indent=1)
PYEOF
}

for r in $(seq 1 "$rounds"); do
  dir="$out/round-$r"
  mkdir -p "$dir/parts"
  echo "bench_compare: round $r of $rounds (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  g=0
  for group in "${groups[@]}"; do
    g=$((g + 1))
    if [ -z "${FERRY_BENCH_JSON:-}" ]; then
      run_ferry "${group%%|*}" "$dir/parts/ferry-$g.json"
    fi
    run_pytorch glibc "${group##*|}" "$dir/parts/pytorch-glibc-$g.json" -u LD_PRELOAD
    if [ -n "$tcmalloc" ]; then
      run_pytorch tcmalloc "${group##*|}" "$dir/parts/pytorch-tcmalloc-$g.json" LD_PRELOAD="$tcmalloc"
    fi
  done
  if [ -n "${FERRY_BENCH_JSON:-}" ]; then
    cp "$FERRY_BENCH_JSON" "$dir/ferry.json"
    is_json_object "$dir/ferry.json" || die "FERRY_BENCH_JSON=$FERRY_BENCH_JSON is not one JSON object"
  else
    merge "$dir/ferry.json" "$dir"/parts/ferry-*.json
  fi
  merge "$dir/pytorch-glibc.json" "$dir"/parts/pytorch-glibc-*.json
  if [ -n "$tcmalloc" ]; then merge "$dir/pytorch-tcmalloc.json" "$dir"/parts/pytorch-tcmalloc-*.json; fi
done

# 5. The table (median over rounds).
echo "bench_compare: results in $out" >&2
"$py" "$here/tools/bench_table.py" "$out" "$arch" "$batch" "$threads" "$here/ferry-core/src/test/resources/model/reference.json"
