#!/usr/bin/env bash
# Folder prediction as a new user runs it, ferry against PyTorch: whole-process peak RSS and wall time.
#
#   tools/predict_rss.sh [--arch resnet50] [--batch 32] [--threads 2] [--runs 3] [--dir DIR]
#
# Writes (once, under DIR, default $TMPDIR/ferry-predict-rss) a torchvision-saved random-weights
# ARCH.pth and 160 benchmark JPEGs (tools/make_bench_images.py, 5 classes x 32), then per run:
#   ferry:   /usr/bin/time ./ferry predict --weights ARCH.pth --json --batch-size B DIR/images
#   PyTorch: tools/bench_pytorch.py --cases predict_folder --weights ARCH.pth --batch B (torchvision
#            model, load_state_dict, optimize_for_inference, DataLoader with THREADS workers)
# and prints each run's peak RSS (ferry: the JVM's VmHWM as /usr/bin/time reports it; PyTorch: the
# main process's ru_maxrss, as its benchmark reports it) and the median ratio.
# Needs Debian's python3-torch and python3-torchvision (/usr/bin/python3) and GNU time.
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
py=/usr/bin/python3
arch=resnet50
batch=32
threads=2
runs=3
dir="${TMPDIR:-/tmp}/ferry-predict-rss"
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "predict_rss: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "predict_rss: GNU time (/usr/bin/time) is needed" >&2; exit 1; }
mkdir -p "$dir"
weights="$dir/$arch.pth"
if [ ! -f "$weights" ]; then
  "$py" - "$arch" "$weights" <<'PYEOF'
import os, sys, torch, torchvision
torch.manual_seed(0)
model = getattr(torchvision.models, sys.argv[1])(weights=None)
torch.save(model.state_dict(), sys.argv[2] + ".tmp")
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PYEOF
fi
[ -d "$dir/images" ] || "$py" "$here/tools/make_bench_images.py" "$dir/images" --per-class 32 >&2

"$here/ferry" --version >/dev/null   # build first, outside the measurement
ferry_rss=(); torch_rss=()
for r in $(seq 1 "$runs"); do
  /usr/bin/time -f '%M %e' "$here/ferry" predict --weights "$weights" --json --batch-size "$batch" \
      --threads "$threads" "$dir/images" >/dev/null 2>"$dir/ferry.err" \
    || { echo "predict_rss: ferry predict failed:" >&2; tail -5 "$dir/ferry.err" >&2; exit 1; }
  read -r kb secs <<<"$(tail -1 "$dir/ferry.err")"
  ferry_rss+=("$((kb / 1024))")
  t="$("$py" "$here/tools/bench_pytorch.py" --arch "$arch" --batch "$batch" --threads "$threads" --images "$dir/images" \
        --cases predict_folder --weights "$weights" --passes 1 --json 2>/dev/null \
        | "$py" -c 'import json,sys; d=json.load(sys.stdin); print(round(d["peak_rss_mb"]), round(d["predict_folder_ips"], 1))')"
  read -r mb ips <<<"$t"
  torch_rss+=("$mb")
  echo "run $r: ferry predict $((kb / 1024)) MiB, ${secs} s whole process | PyTorch ${mb} MiB, ${ips} img/s" >&2
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
f="$(median "${ferry_rss[@]}")"; p="$(median "${torch_rss[@]}")"
echo "$arch batch $batch threads $threads: peak RSS ferry $f MiB, PyTorch $p MiB, ratio $(awk -v f="$f" -v p="$p" 'BEGIN {printf "%.2f", f / p}')"
