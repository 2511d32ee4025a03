#!/usr/bin/env bash
# Runs ferry's benchmark and PyTorch's on this machine with the same settings and prints the
# ratios against the targets of the issue "Performance: benchmarks against PyTorch on the same machine".
#
#   tools/bench_compare.sh [--arch resnet50] [--batch 16] [--threads 2]
#                          [--images DIR] [--out DIR] [--iters N] [--warmup N]
#
#   --images DIR  the JPEG folder for the folder-predict and transfer cases; written by
#                 tools/make_bench_images.py when absent (default: $TMPDIR/ferry-bench/images,
#                 reused by later runs).
#   --out DIR     where the raw JSON results go (default: a new $TMPDIR/ferry-bench-results.XXXXXX).
#   --iters/--warmup  passed to the PyTorch side only (ferry bench has its own protocol).
#
# Environment:
#   FERRY_BENCH_JSON=FILE  use this recorded `ferry bench --json` result instead of running ferry
#                          (to re-tabulate, or to compare against another machine's ferry run).
#
# Steps: (1) the image folder; (2) ./ferry bench --arch A --batch B --threads T --images DIR --json;
# (3) tools/bench_pytorch.py with glibc's malloc, then (4) again with tcmalloc preloaded; per case
# the faster/smaller of the two PyTorch runs is used, because the target is PyTorch run the way
# that is fastest for it. (5) The table goes to stdout, progress to stderr.
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
py_extra=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "bench_compare: error: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --arch|--batch|--threads|--images|--out|--iters|--warmup)
      [ $# -ge 2 ] || { echo "bench_compare: $1 needs a value" >&2; exit 2; }
      case "$1" in
        --arch) arch="$2" ;;
        --batch) batch="$2" ;;
        --threads) threads="$2" ;;
        --images) images="$2" ;;
        --out) out="$2" ;;
        --iters|--warmup) py_extra+=("$1" "$2") ;;
      esac
      shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench_compare: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for v in "$batch" "$threads"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "bench_compare: --batch/--threads need a positive integer, got '$v'" >&2; exit 2; }
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

# 2. ferry.
ferry_json="$out/ferry.json"
if [ -n "${FERRY_BENCH_JSON:-}" ]; then
  echo "bench_compare: using the recorded ferry result $FERRY_BENCH_JSON (FERRY_BENCH_JSON)" >&2
  cp "$FERRY_BENCH_JSON" "$ferry_json"
else
  echo "bench_compare: ./ferry bench --arch $arch --batch $batch --threads $threads --images $images --json" >&2
  rc=0
  (cd "$here" && ./ferry bench --arch "$arch" --batch "$batch" --threads "$threads" --images "$images" --json) \
    > "$ferry_json" || rc=$?
  if [ "$rc" -ne 0 ]; then
    die "'./ferry bench' failed with exit status $rc (its messages are above; stdout is in $ferry_json).
  Set FERRY_BENCH_JSON=FILE to tabulate a recorded ferry result instead."
  fi
fi
is_json_object "$ferry_json" || die "the ferry result $ferry_json is not one JSON object"

# 3 and 4. PyTorch, glibc malloc then tcmalloc.
run_pytorch() {  # $1 = label, rest = env assignments for `env`
  local label="$1"; shift
  local dest="$out/pytorch-$label.json" rc=0
  echo "bench_compare: PyTorch with $label malloc" >&2
  env "$@" "$py" "$here/tools/bench_pytorch.py" --arch "$arch" --batch "$batch" --threads "$threads" \
      --images "$images" ${py_extra[@]+"${py_extra[@]}"} --json > "$dest" || rc=$?
  # Exit 1 with a JSON object means some case failed but the others ran: tabulate what there is.
  if ! is_json_object "$dest"; then
    die "tools/bench_pytorch.py ($label malloc) failed with exit status $rc and no result"
  fi
  [ "$rc" -eq 0 ] || echo "bench_compare: warning: some PyTorch cases failed under $label malloc (see above)" >&2
}
run_pytorch glibc -u LD_PRELOAD
tcmalloc=""
for lib in /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/lib64/libtcmalloc_minimal.so.4; do
  if [ -f "$lib" ]; then tcmalloc="$lib"; break; fi
done
if [ -n "$tcmalloc" ]; then
  run_pytorch tcmalloc LD_PRELOAD="$tcmalloc"
else
  echo "bench_compare: warning: libtcmalloc_minimal.so.4 not found; PyTorch measured with glibc malloc only" >&2
fi

# 5. The table.
echo "bench_compare: results in $out" >&2
"$py" - "$out" "$arch" "$batch" "$threads" "$here/src/test/resources/model/reference.json" <<'PYEOF'
import json
import os
import sys

out_dir, arch, batch, threads, reference = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]


def load(name):
    path = os.path.join(out_dir, name)
    return json.load(open(path)) if os.path.exists(path) else None


ferry = load("ferry.json")
runs = [r for r in (load("pytorch-glibc.json"), load("pytorch-tcmalloc.json")) if r is not None]
ALLOC_SHORT = {"glibc": "glibc", "tcmalloc": "tcm"}


def num(d, key):
    v = d.get(key) if d else None
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def best(key, higher):
    """PyTorch's best value of key over the allocator runs, and the run it came from."""
    cands = [(num(r, key), r) for r in runs if num(r, key) is not None]
    if not cands:
        return None, None
    return (max if higher else min)(cands, key=lambda c: c[0])


macs = None
try:
    macs = json.load(open(reference)).get(arch, {}).get("macs224")
except OSError:
    pass
macs = macs or num(ferry, "macs")  # an arch without a fixture: whatever ferry reports

rows = []  # (case, ferry text, reference text, ratio text, target text, result)


def fmt(v, digits=1):
    return "n/a" if v is None else f"{v:.{digits}f}"


def row(case, f, p, p_note, ratio, target, ok, digits=1):
    """ok: the test of ratio against the target; target "info" for a row without one."""
    if target == "info":
        result = "-"
    elif ratio is None:
        result = "n/a"
    else:
        result = "PASS" if ok(ratio) else "FAIL"
    p_text = fmt(p, digits) + (f" ({p_note})" if p is not None and p_note else "")
    rows.append((case, fmt(f, digits), p_text, "n/a" if ratio is None else f"{ratio:.3f}", target, result))


def ratio_of(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def vs_pytorch(case, fkey, pkey, higher, target, ok, inverse=False, digits=1):
    """A ferry value against PyTorch's best; inverse: ratio PyTorch/ferry (times)."""
    f = num(ferry, fkey)
    p, run = best(pkey, higher)
    r = ratio_of(p, f) if inverse else ratio_of(f, p)
    row(case, f, p, ALLOC_SHORT.get(run["allocator"], run["allocator"]) if run else "", r, target, ok, digits)


ge = lambda t: (lambda r: r >= t)
le = lambda t: (lambda r: r <= t)

vs_pytorch("inference img/s vs PyTorch jit", "inference_ips", "inference_jit_ips", True, ">= 1.00", ge(1.0))
vs_pytorch("inference img/s vs PyTorch eager", "inference_ips", "inference_eager_ips", True, "info", None)

f_ips, f_gemm = num(ferry, "inference_ips"), num(ferry, "gemm_gflops")
f_gflops = f_ips * 2 * macs / 1e9 if f_ips is not None and macs else None
row("inference GFLOP/s vs ferry GEMM", f_gflops, f_gemm, "ferry GEMM", ratio_of(f_gflops, f_gemm), ">= 0.85", ge(0.85))
vs_pytorch("GEMM 2048 GFLOP/s", "gemm_gflops", "gemm_gflops", True, "info", None)

vs_pytorch("train step img/s", "train_step_ips", "train_step_ips", True, ">= 1.00", ge(1.0))
vs_pytorch("peak RSS inference MiB", "peak_rss_infer_mb", "peak_rss_infer_mb", False, "<= 1.20", le(1.2))
vs_pytorch("peak RSS train MiB", "peak_rss_train_mb", "peak_rss_train_mb", False, "<= 1.20", le(1.2))

# Times: the ratio is PyTorch / ferry, so > 1 means ferry is faster.
vs_pytorch("fe cached (s) vs PyTorch usual", "fe_transfer_cached_s", "fe_transfer_nocache_s", False,
           ">= 8.00", ge(8.0), inverse=True, digits=2)
vs_pytorch("fe usual (s)", "fe_transfer_nocache_s", "fe_transfer_nocache_s", False, "info", None, inverse=True,
           digits=2)
vs_pytorch("fe cached (s)", "fe_transfer_cached_s", "fe_transfer_cached_s", False, "info", None, inverse=True,
           digits=2)
f_nc, f_c = num(ferry, "fe_transfer_nocache_s"), num(ferry, "fe_transfer_cached_s")
row("fe cached (s) vs ferry usual", f_c, f_nc, "ferry usual", ratio_of(f_nc, f_c), "info", None, digits=2)


def acc_row(case, fkey, pkey):
    # The accuracy of the PyTorch run whose time was used; the ratio column is ferry - PyTorch.
    _, run = best(pkey.replace("fe_acc_", "fe_transfer_") + "_s", False)
    f, p = num(ferry, fkey), num(run, pkey)
    rows.append((case, fmt(f, 3), fmt(p, 3), "n/a" if f is None or p is None else f"{f - p:+.3f}",
                 "info (diff)", "-"))


acc_row("fe held-out acc, cached vs usual", "fe_acc_cached", "fe_acc_nocache")
acc_row("fe held-out acc, usual", "fe_acc_nocache", "fe_acc_nocache")
acc_row("fe held-out acc, cached", "fe_acc_cached", "fe_acc_cached")

f_pred = num(ferry, "predict_folder_ips")
row("predict folder img/s vs ferry inference", f_pred, f_ips, "ferry inference", ratio_of(f_pred, f_ips),
    ">= 0.90", ge(0.9))
vs_pytorch("predict folder img/s", "predict_folder_ips", "predict_folder_ips", True, "info", None)

meta = runs[0] if runs else {}
print(f"ferry vs PyTorch {meta.get('torch_version')}: {arch}, batch {batch}, {threads} threads; "
      f"CPU {meta.get('cpu_model')}")
print(f"PyTorch(best) = the better of the {'/'.join(r['allocator'] for r in runs)} runs per case; "
      f"ratio = ferry/PyTorch for rates and RSS, PyTorch/ferry for times (> 1: ferry faster)")
for key, want in (("arch", arch), ("batch", batch), ("threads", threads)):
    if ferry.get(key) is not None and str(ferry.get(key)) != str(want):
        print(f"WARNING: the ferry result has {key}={ferry.get(key)}, this comparison is for {want}")
if meta.get("blas_info") == "generic":
    print("NOTE: this torch uses the system's generic libblas (BLAS_INFO=generic): PyTorch's GEMM figure is"
          " not its best; its convolutions use oneDNN" +
          (" except 1x1 ones at 1 thread and batch < 16" if threads == 1 and batch < 16 else ""))
for r in runs:
    if r.get("errors"):
        print(f"WARNING: PyTorch cases failed under {r['allocator']} malloc: {', '.join(r['errors'])}")
header = ("case", "ferry", "PyTorch(best) / ref", "ratio", "target", "result")
widths = [max(len(str(x[i])) for x in rows + [header]) for i in range(len(header))]
line = lambda x: "  ".join(str(c).ljust(w) if i in (0, 4, 5) else str(c).rjust(w)
                           for i, (c, w) in enumerate(zip(x, widths))).rstrip()
print(line(header))
print(line(["-" * w for w in widths]))
for x in rows:
    print(line(x))
judged = [x for x in rows if not x[4].startswith("info")]
n_pass = sum(x[5] == "PASS" for x in judged)
print(f"{n_pass}/{len(judged)} targets PASS" +
      ("" if n_pass == len(judged) else
       f" ({', '.join(x[0] + ': ' + x[5] for x in judged if x[5] != 'PASS')})"))
with open(os.path.join(out_dir, "compare.json"), "w") as f:
    json.dump([dict(zip(("case", "ferry", "pytorch_or_ref", "ratio", "target", "result"), x)) for x in rows],
              f, indent=1)
sys.exit(0 if n_pass == len(judged) else 3)
PYEOF
