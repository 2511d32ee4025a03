#!/usr/bin/env bash
# ferry's transfer benchmark: training recipes across target tasks, as a user runs them.
#
#   tools/transfer_bench.sh --fashion-mnist DIR [--tasks DIR] [--out DIR] [--seeds "0 1"]
#                           [--recipes "fe-default ft-default ..."] [--weights MODEL_DIR|FILE]
#
# (1) Writes the target tasks with tools/make_transfer_tasks.py when --tasks DIR does not exist yet
# (default $TMPDIR/ferry-transfer-tasks). (2) For every task, recipe and seed: `./ferry train` on the
# task's train/ folder from --weights (default: the demo's shipped source network), then
# `./ferry evaluate --json` on its test/ folder. (3) Prints, per task and recipe, the mean test
# accuracy over the seeds and its spread (min-max), and per recipe its worst gap to the best recipe
# of each task. Raw results: OUT/results.tsv (task, recipe, seed, accuracy, seconds).
# Needs Debian's /usr/bin/python3 with Pillow and the DejaVu fonts for the tasks. CI never runs it.
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
py=/usr/bin/python3
fmnist=""
tasks="${TMPDIR:-/tmp}/ferry-transfer-tasks"
out=""
seeds="0 1"
recipes="fe-default fe-demo ft-default ft-demo ft-ref"
weights="$here/ferry-cli/src/main/resources/dev/ferry/demo/pretrained"
while [ $# -gt 0 ]; do
  case "$1" in
    --fashion-mnist) fmnist="$2"; shift 2 ;;
    --tasks) tasks="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --recipes) recipes="$2"; shift 2 ;;
    --weights) weights="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "transfer_bench: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

# The recipes: ferry's options after --strategy. *-default is what ships; *-demo the demo's recipe;
# ft-ref a plain PyTorch-style fine-tune (every layer at one rate, batch 20, no label smoothing).
recipe_args() {
  case "$1" in
    fe-default) echo "--strategy feature-extract" ;;
    fe-demo)    echo "--strategy feature-extract --cached-views 16 --epochs 40 --batch-size 20 --lr 0.05" ;;
    ft-default) echo "--strategy fine-tune" ;;
    ft-demo)    echo "--strategy fine-tune --backbone-lr-factor 1.0 --lr 0.02 --batch-size 20 --epochs 30" ;;
    ft-ref)     echo "--strategy fine-tune --backbone-lr-factor 1.0 --lr 0.02 --batch-size 20 --epochs 30 --label-smoothing 0" ;;
    *) echo "transfer_bench: unknown recipe '$1'" >&2; exit 2 ;;
  esac
}
for r in $recipes; do recipe_args "$r" >/dev/null; done

if [ ! -d "$tasks" ]; then
  [ -n "$fmnist" ] || { echo "transfer_bench: --fashion-mnist DIR is needed to write the tasks" >&2; exit 2; }
  "$py" "$here/tools/make_transfer_tasks.py" "$fmnist" "$tasks" >&2
fi
[ -n "$out" ] || out="$(mktemp -d "${TMPDIR:-/tmp}/ferry-transfer-bench.XXXXXX")"
mkdir -p "$out"
results="$out/results.tsv"
: > "$results"
"$here/ferry" --version >/dev/null

for task in $(ls "$tasks"); do
  for r in $recipes; do
    for seed in $seeds; do
      model="$out/models/$task-$r-$seed"
      rm -rf "$model"
      start=$(date +%s.%N)
      # shellcheck disable=SC2046
      "$here/ferry" train --data "$tasks/$task/train" --weights "$weights" $(recipe_args "$r") --seed "$seed" \
          --threads 2 --out "$model" > "$out/train.log" 2>&1 \
        || { echo "transfer_bench: training $task $r seed $seed failed:" >&2; tail -5 "$out/train.log" >&2; exit 1; }
      secs=$(echo "$(date +%s.%N) - $start" | bc)
      acc=$("$here/ferry" evaluate --model "$model" --data "$tasks/$task/test" --json 2>/dev/null \
            | "$py" -c 'import json, sys; print(json.load(sys.stdin)["accuracy"])')
      printf '%s\t%s\t%s\t%s\t%.1f\n' "$task" "$r" "$seed" "$acc" "$secs" | tee -a "$results" >&2
      rm -rf "$model"
    done
  done
done

"$py" - "$results" <<'PYEOF'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    task, recipe, seed, acc, secs = line.rstrip("\n").split("\t")
    runs[(task, recipe)].append(100 * float(acc))
tasks = sorted({t for t, _ in runs})
recipes = list(dict.fromkeys(r for _, r in runs))
print("| task | " + " | ".join(recipes) + " |")
print("|---" * (len(recipes) + 1) + "|")
best = {t: max(statistics.mean(runs[(t, r)]) for r in recipes) for t in tasks}
for t in tasks:
    cells = []
    for r in recipes:
        v = runs[(t, r)]
        cells.append(f"{statistics.mean(v):.1f} ({min(v):.1f}-{max(v):.1f})")
    print(f"| {t} | " + " | ".join(cells) + " |")
print("| worst gap to the task's best | " + " | ".join(
    f"{max(best[t] - statistics.mean(runs[(t, r)]) for t in tasks):.1f}" for r in recipes) + " |")
PYEOF
