#!/usr/bin/python3
"""ferry's transfer benchmark: training recipes across target tasks and source networks.

    tools/transfer_bench.py --fashion-mnist DIR [--work DIR] [--out DIR] [--seeds 0,1,2]
                            [--recipes R1 R2 ...] [--sources demo,r18w16] [--jobs 2] [--table-only]

A recipe is a strategy and its options, written as `fe:lr=0.05,ep=30` (feature-extract) or
`ft:lr=0.02,bf=1,bs=16` (fine-tune); every option a recipe leaves out takes the value in BASE below,
never ferry's current default, so that a table means the same after the defaults change. Keys:
lr (a rate or auto), bf (--backbone-lr-factor), bs, ep, ls, wd, views (--cached-views), sched, mixup,
cutmix, ema (on, or a horizon), balance. `auto` alone is `--strategy auto` with ferry's defaults;
`auto:trial=0.5` sets its --trial-fraction.
Named recipes (NAMED) stand for such strings. The two imbalanced tasks that measure --balance
(tools/make_transfer_tasks.py --imbalanced) go in another --work folder holding tasks/ and sources/.

(1) Writes the target tasks with tools/make_transfer_tasks.py into WORK/tasks when missing, and the
second source network (ResNet-18's topology at width 16 on 2,000 images per source class) with
`ferry pretrain-demo` into WORK/sources/r18w16. (2) For every source, task, recipe and seed not yet in
OUT/results.tsv: `ferry train --data TASK/train --weights SOURCE ... --seed S` as a user runs it
(20% of the training images held out for validation), then `ferry evaluate --json` on TASK/test;
the test accuracy is appended to OUT/results.tsv (source, task, recipe, seed, accuracy, seconds), so
an interrupted run continues where it stopped. (3) Prints, per source and task, each recipe's mean
test accuracy over the seeds (min-max), and per recipe its worst gap to the best recipe of each pair.
Needs Debian's /usr/bin/python3 with Pillow and the DejaVu fonts for the tasks. CI never runs it.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FERRY = os.path.join(HERE, "ferry")
DEMO_SOURCE = os.path.join(HERE, "ferry-cli/src/main/resources/dev/ferry/demo/pretrained")

# What a recipe leaves out. These are ferry's defaults before the benchmark chose new ones.
BASE = {
    "fe": {"lr": "0.05", "ep": "30", "bs": "32", "ls": "0.1", "wd": "5e-4", "views": "1", "sched": "cosine"},
    "ft": {"lr": "0.01", "bf": "0.1", "ep": "20", "bs": "32", "ls": "0.1", "wd": "5e-4", "sched": "onecycle"},
    # --strategy auto takes each candidate's defaults of the ferry that runs it: no options here.
    "auto": {},
}
FLAGS = {
    "lr": "--lr", "bf": "--backbone-lr-factor", "bs": "--batch-size", "ep": "--epochs",
    "ls": "--label-smoothing", "wd": "--weight-decay", "views": "--cached-views", "sched": "--schedule",
    "mixup": "--mixup", "cutmix": "--cutmix", "balance": "--balance", "trial": "--trial-fraction",
}
STRATEGY = {"fe": "feature-extract", "ft": "fine-tune", "auto": "auto"}
NAMED = {
    "fe-old": "fe",
    "ft-old": "ft",
    "fe-demo": "fe:views=16,ep=40,bs=20",
    "ft-demo": "ft:bf=1,lr=0.02,bs=20,ep=30",
    "ft-ref": "ft:bf=1,lr=0.02,bs=20,ep=30,ls=0",
}


# Per strategy: the recipe that was the default before the benchmark, and the one that is now (the
# recipe whose options ferry's defaults equal).
DEFAULTS = {"fe": ("fe-old", "fe:lr=0.1"), "ft": ("ft-old", "ft-ref")}


def recipe_args(recipe):
    """The `ferry train` options of a recipe."""
    spec = NAMED.get(recipe, recipe)
    kind, _, rest = spec.partition(":")
    if kind not in BASE:
        raise SystemExit(f"transfer_bench: recipe '{recipe}' must start with fe, ft or auto")
    values = dict(BASE[kind])
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if key == "ema" and kind != "auto":
            values["ema"] = value or "on"
            continue
        if (kind == "auto") != (key == "trial") or not eq or key not in FLAGS or (kind == "fe" and key == "bf") or (kind == "ft" and key == "views"):
            raise SystemExit(f"transfer_bench: recipe '{recipe}': unknown or misplaced option '{item}'")
        values[key] = value
    args = ["--strategy", STRATEGY[kind]]
    for key, value in values.items():
        if key == "ema":
            args += ["--ema"] if value == "on" else ["--ema-horizon", value]
        else:
            args += [FLAGS[key], value]
    return args


def prepare(work, fashion_mnist):
    tasks = os.path.join(work, "tasks")
    if not os.path.isdir(tasks):
        if not fashion_mnist:
            raise SystemExit("transfer_bench: --fashion-mnist DIR is needed to write the tasks")
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "tools/make_transfer_tasks.py"), fashion_mnist, tasks],
                       check=True, stdout=sys.stderr)
    r18 = os.path.join(work, "sources", "r18w16")
    if not os.path.isdir(r18):
        if not fashion_mnist:
            raise SystemExit("transfer_bench: --fashion-mnist DIR is needed to pretrain the second source")
        os.makedirs(os.path.dirname(r18), exist_ok=True)
        zip_path = os.path.join(work, "sources", "unused-target.zip")
        subprocess.run([FERRY, "pretrain-demo", "--fashion-mnist", fashion_mnist, "--arch", "resnet18",
                        "--width", "16", "--per-class", "2000", "--epochs", "4", "--batch-size", "64",
                        "--lr", "0.1", "--seed", "1", "--out", r18, "--target-zip", zip_path],
                       check=True, stdout=sys.stderr)
        os.remove(zip_path)
    return tasks, {"demo": DEMO_SOURCE, "r18w16": r18}


def read_results(path):
    rows = []
    if os.path.exists(path):
        for line in open(path):
            source, task, recipe, seed, acc, secs = line.rstrip("\n").split("\t")
            rows.append((source, task, recipe, int(seed), float(acc), float(secs)))
    return rows


def run_one(source_dir, task_dir, recipe, seed, threads, scratch):
    model = tempfile.mkdtemp(prefix="model-", dir=scratch)
    shutil.rmtree(model)
    start = time.time()
    train = subprocess.run([FERRY, "train", "--data", os.path.join(task_dir, "train"), "--weights", source_dir,
                            *recipe_args(recipe), "--seed", str(seed), "--threads", str(threads), "--out", model],
                           capture_output=True, text=True)
    secs = time.time() - start
    if train.returncode != 0:
        raise RuntimeError(f"training {task_dir} from {source_dir} {recipe} seed {seed} failed: {train.stderr.strip()[-400:]}")
    ev = subprocess.run([FERRY, "evaluate", "--model", model, "--data", os.path.join(task_dir, "test"), "--json",
                         "--threads", str(threads)], capture_output=True, text=True)
    shutil.rmtree(model, ignore_errors=True)
    if ev.returncode != 0:
        raise RuntimeError(f"evaluating {task_dir} {recipe} seed {seed} failed: {ev.stderr.strip()[-400:]}")
    return json.loads(ev.stdout)["accuracy"], secs


# Near the source's data first, far last.
TASK_ORDER = ["fm5-s5", "fm5-s20", "fm5-s50", "fmtops3-s20", "fm5inv-s20", "glyphs10-s20", "shapes5-s10"]


def pair_key(pair):
    source, task = pair
    return (source != "demo", source, TASK_ORDER.index(task) if task in TASK_ORDER else len(TASK_ORDER), task)


def collect(rows):
    runs = collections.defaultdict(list)
    for source, task, recipe, seed, acc, secs in rows:
        runs[(source, task, recipe)].append(100 * acc)
    return runs


def ranking(rows, kind, min_seeds):
    """The recipes of one strategy (fe or ft) run on every pair with at least min_seeds seeds, by
    their worst gap to the best of them on each pair: the first is the default the protocol picks."""
    runs = collect(rows)
    pairs = sorted({(s, t) for s, t, _ in runs}, key=pair_key)
    recipes = [r for r in dict.fromkeys(r for _, _, r in runs)
               if NAMED.get(r, r).split(":")[0] == kind
               and all(len(runs.get(p + (r,), [])) >= min_seeds for p in pairs)]
    if not recipes:
        return []
    mean = {(p, r): statistics.mean(runs[p + (r,)]) for p in pairs for r in recipes}
    best = {p: max(mean[(p, r)] for r in recipes) for p in pairs}
    scored = [(max(best[p] - mean[(p, r)] for p in pairs), -statistics.mean(mean[(p, r)] for p in pairs), r)
              for r in recipes]
    return [(r, gap, -neg) for gap, neg, r in sorted(scored)]


def summary(rows, kind, min_seeds):
    """Per pair: the old default, the new one, the best recipe of the grid (of this strategy, run
    with at least min_seeds seeds) and the PyTorch reference where there is one."""
    runs = collect(rows)
    pairs = sorted({(s, t) for s, t, _ in runs}, key=pair_key)
    old, new = DEFAULTS[kind]
    ranked = [r for r, _, _ in ranking(rows, kind, min_seeds)]
    mean = lambda p, r: statistics.mean(runs[p + (r,)]) if p + (r,) in runs else None
    fmt = lambda v: "-" if v is None else f"{v:.1f}"
    # The PyTorch reference is a fine-tune: it has a column in fine-tune's table only.
    with_ref = kind == "ft"
    lines = [f"| source | task | old default ({old}) | new default ({new}) | best of the grid | recipe | new - best | new - old |"
             + (" PyTorch reference |" if with_ref else ""), "|---|---|---|---|---|---|---|---|" + ("---|" if with_ref else "")]
    for p in pairs:
        best = max(ranked, key=lambda r: mean(p, r)) if ranked else None
        o, n, b, ref = mean(p, old), mean(p, new), mean(p, best) if best else None, mean(p, "pytorch-ref")
        n_ref = len(runs.get(p + ("pytorch-ref",), []))
        lines.append(f"| {p[0]} | {p[1]} | {fmt(o)} | {fmt(n)} | {fmt(b)} | {best} | "
                     f"{fmt(None if n is None or b is None else n - b)} | {fmt(None if n is None or o is None else n - o)} |"
                     + (f" {fmt(ref)}{f' (n={n_ref})' if ref is not None else ''} |" if with_ref else ""))
    return "\n".join(lines)


def table(rows, recipes=None):
    runs = collect(rows)
    pairs = sorted({(s, t) for s, t, _ in runs}, key=pair_key)
    recipes = recipes or list(dict.fromkeys(r for _, _, r in runs))
    recipes = [r for r in recipes if all((s, t, r) in runs for s, t in pairs)]
    best = {p: max(statistics.mean(runs[p + (r,)]) for r in recipes) for p in pairs}
    lines = ["| source | task | " + " | ".join(recipes) + " |", "|---|---" + "|---" * len(recipes) + "|"]
    for p in pairs:
        cells = []
        for r in recipes:
            v = runs[p + (r,)]
            cells.append(f"{statistics.mean(v):.1f}" + (f" ({min(v):.0f}-{max(v):.0f}, n={len(v)})" if len(v) > 1 else ""))
        lines.append(f"| {p[0]} | {p[1]} | " + " | ".join(cells) + " |")
    lines.append("| worst gap to the pair's best | | " + " | ".join(
        f"{max(best[p] - statistics.mean(runs[p + (r,)]) for p in pairs):.1f}" for r in recipes) + " |")
    lines.append("| mean over pairs | | " + " | ".join(
        f"{statistics.mean(statistics.mean(runs[p + (r,)]) for p in pairs):.1f}" for r in recipes) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fashion-mnist", default="")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "ferry-transfer"))
    ap.add_argument("--out", default="")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--recipes", nargs="*", default=["fe-old", "ft-old", "ft-ref"])
    ap.add_argument("--sources", default="demo,r18w16")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--table-only", action="store_true")
    ap.add_argument("--merge", nargs="*", default=[], help="more results files for the table (e.g. the PyTorch reference's)")
    ap.add_argument("--summary", action="store_true",
                    help="print per strategy the old default, the new one, the grid's best and the PyTorch reference")
    ap.add_argument("--rank", type=int, default=0, metavar="SEEDS",
                    help="also rank each strategy's recipes run with at least SEEDS seeds by their worst gap")
    a = ap.parse_args()
    # A recipe that spells another's options differently (e.g. the old default written out) is run once.
    seen = {}
    for r in a.recipes:
        key = tuple(recipe_args(r))
        if key in seen:
            raise SystemExit(f"transfer_bench: recipes '{seen[key]}' and '{r}' are the same options")
        seen[key] = r
    out = a.out or os.path.join(a.work, "results")
    os.makedirs(out, exist_ok=True)
    results = os.path.join(out, "results.tsv")
    if not a.table_only:
        tasks_dir, sources = prepare(a.work, a.fashion_mnist)
        chosen = a.sources.split(",")
        for s in chosen:
            if s not in sources:
                raise SystemExit(f"transfer_bench: unknown source '{s}' (known: {', '.join(sources)})")
        subprocess.run([FERRY, "--version"], check=True, capture_output=True)
        done = {(s, t, r, seed) for s, t, r, seed, _, _ in read_results(results)}
        failures = os.path.join(out, "failures.tsv")
        if os.path.exists(failures):
            done |= {(s, t, r, int(seed)) for s, t, r, seed, _ in (line.rstrip("\n").split("\t", 4) for line in open(failures))}
        # Recipe by recipe, so that an interrupted run leaves whole columns.
        todo = [(s, t, r, int(seed)) for r in a.recipes for seed in a.seeds.split(",") for s in chosen
                for t in sorted(os.listdir(tasks_dir)) if (s, t, r, int(seed)) not in done]
        threads = max(1, (os.cpu_count() or 2) // a.jobs)
        lock = threading.Lock()
        scratch = tempfile.mkdtemp(prefix="ferry-bench-models-")
        print(f"transfer_bench: {len(todo)} runs, {a.jobs} at a time, {threads} thread(s) each", file=sys.stderr)
        with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
            futures = {pool.submit(run_one, sources[s], os.path.join(tasks_dir, t), r, seed, threads, scratch):
                       (s, t, r, seed) for s, t, r, seed in todo}
            for f in concurrent.futures.as_completed(futures):
                s, t, r, seed = futures[f]
                try:
                    acc, secs = f.result()
                except RuntimeError as e:
                    # A run ferry refuses (e.g. --lr auto finding no rate) is a result too: it is
                    # listed in failures.tsv, and the recipe is left out of the tables.
                    with lock, open(os.path.join(out, "failures.tsv"), "a") as fh:
                        fh.write(f"{s}\t{t}\t{r}\t{seed}\t{str(e).splitlines()[-1]}\n")
                    print(f"transfer_bench: {e}", file=sys.stderr)
                    continue
                line = f"{s}\t{t}\t{r}\t{seed}\t{acc}\t{secs:.1f}"
                with lock, open(results, "a") as fh:
                    fh.write(line + "\n")
                print(line, file=sys.stderr)
        shutil.rmtree(scratch, ignore_errors=True)
    rows = read_results(results) + [row for m in a.merge for row in read_results(m)]
    print(table(rows, a.recipes))
    if a.summary:
        for kind in ("fe", "ft"):
            print(f"\n{STRATEGY[kind]}: defaults against the grid's best (recipes with >= {a.rank or 3} seeds)\n")
            print(summary(rows, kind, a.rank or 3))
    if a.rank:
        for kind in ("fe", "ft"):
            print(f"\n{kind}: recipes by worst gap to the best {kind} recipe of each pair (>= {a.rank} seeds)")
            for r, gap, mean in ranking(rows, kind, a.rank):
                print(f"  {gap:5.1f}  mean {mean:5.1f}  {r}")


if __name__ == "__main__":
    main()
