#!/usr/bin/env bash
# Feature extraction with the feature cache against the usual recipe, on a real transfer task with
# real pretrained weights: the accuracy half of the feature-cache target ("much faster at equal
# accuracy"), which `ferry bench`'s random-weight ResNet-50 cannot judge.
#
#   tools/fe_accuracy.sh [--seeds "0 1 2"] [--epochs 10] [--work DIR]
#
# Task: the demo's (see README): the shipped Fashion-MNIST network pretrained on five classes, the
# other five classes as target, 20 training images per class (100, as the benchmark's transfer
# case). Of the 1,000 test images per class, the first 100 (by file name) are the validation set
# that picks the best epoch and the other 900 the held-out set that is reported. Per seed it trains
# the head for --epochs epochs (SGD 0.05 cosine, batch 20) twice, once with --no-cache (the backbone
# runs on every image every epoch, freshly augmented) and once with one cached view per image
# (--cached-views 1), and prints both held-out accuracies and wall times. Needs only ./ferry.
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
seeds="0 1 2"
epochs=10
work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "fe_accuracy: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
command -v unzip >/dev/null || { echo "fe_accuracy: error: unzip is needed" >&2; exit 1; }
[ -n "$work" ] || work="$(mktemp -d "${TMPDIR:-/tmp}/ferry-fe-accuracy.XXXXXX")"
mkdir -p "$work"
work="$(readlink -f "$work")"
pretrained="$here/ferry-cli/src/main/resources/dev/ferry/demo/pretrained"

# The data: training folder as shipped; validation / held-out split of the test folder by links.
if [ ! -d "$work/hold" ]; then
  unzip -qo "$here/ferry-cli/src/main/resources/dev/ferry/demo/fashion-target.zip" -d "$work/data"
  for dir in "$work/data/test"/*/; do
    class="$(basename "$dir")"
    mkdir -p "$work/val.tmp/$class" "$work/hold.tmp/$class"
    n=0
    while IFS= read -r f; do
      n=$((n + 1))
      if [ "$n" -le 100 ]; then dest="$work/val.tmp/$class"; else dest="$work/hold.tmp/$class"; fi
      ln -s "$dir$f" "$dest/$f"
    done < <(ls "$dir" | LC_ALL=C sort)
  done
  mv "$work/val.tmp" "$work/val" && mv "$work/hold.tmp" "$work/hold"
fi

accuracy() {  # $1 = model folder: held-out accuracy
  "$here/ferry" evaluate --model "$1" --data "$work/hold" --json 2>/dev/null \
    | grep -o '"accuracy" *: *[0-9.eE-]*' | head -1 | sed 's/.*: *//'
}

rm -f "$work/summary.txt"
printf '%-6s %-10s %10s %8s\n' seed recipe "held-out" "wall s"
for seed in $seeds; do
  for recipe in usual cached; do
    if [ "$recipe" = usual ]; then opt=(--no-cache); else opt=(--cached-views 1); fi
    out="$work/model-$recipe-$seed"
    rm -rf "$out"
    start=$(date +%s.%N)
    "$here/ferry" train --data "$work/data/train" --val "$work/val" --weights "$pretrained" \
      --strategy feature-extract --epochs "$epochs" --batch-size 20 --lr 0.05 --seed "$seed" \
      "${opt[@]}" --out "$out" > "$work/train-$recipe-$seed.log" 2>&1 \
      || { echo "fe_accuracy: ferry train failed (see $work/train-$recipe-$seed.log)" >&2; exit 1; }
    end=$(date +%s.%N)
    acc="$(accuracy "$out")"
    secs="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')"
    printf '%-6s %-10s %9.2f%% %8s\n' "$seed" "$recipe" "$(awk -v a="$acc" 'BEGIN { print a * 100 }')" "$secs"
    echo "$recipe $acc $secs" >> "$work/summary.txt"
  done
done
awk '{ n[$1]++; acc[$1] += $2; t[$1] += $3 }
     END { for (r in n) printf "mean   %-10s %9.2f%% %8.1f\n", r, 100 * acc[r] / n[r], t[r] / n[r] }' "$work/summary.txt" | sort -k2
echo "(work folder: $work)"
