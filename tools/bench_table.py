#!/usr/bin/python3
"""Tabulates ferry's benchmark against PyTorch's (called by tools/bench_compare.sh).

  bench_table.py OUT_DIR ARCH BATCH THREADS REFERENCE_JSON

OUT_DIR holds one folder per round, round-1, round-2, ... (or, for a single recorded run, the files
directly), each with ferry.json, pytorch-glibc.json and pytorch-tcmalloc.json. Within a round every
case was measured for ferry and PyTorch within the same minute or two: the machine's speed drifts
by tens of percent over an hour (other virtual machines on the host), so only close measurements
make a fair ratio. The table shows the median over rounds of each figure and of each ratio; with
several rounds a column lists every round's ratio. Writes OUT_DIR/compare.json. Exit status 0 when
every target passes (on the median ratio), 3 otherwise.
"""
import json
import os
import statistics
import sys

out_dir, arch, batch, threads, reference = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]

round_dirs = sorted((os.path.join(out_dir, d) for d in os.listdir(out_dir) if d.startswith("round-")),
                    key=lambda d: int(d.rsplit("-", 1)[1]))
round_dirs = round_dirs or [out_dir]


def load(folder, name):
    path = os.path.join(folder, name)
    return json.load(open(path)) if os.path.exists(path) else None


ALLOC_SHORT = {"glibc": "glibc", "tcmalloc": "tcm"}


def num(d, key):
    v = d.get(key) if d else None
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


macs = None
try:
    macs = json.load(open(reference)).get(arch, {}).get("macs224")
except OSError:
    pass


def fmt(v, digits=1):
    return "n/a" if v is None else f"{v:.{digits}f}"


def ratio_of(a, b):
    return a / b if a is not None and b not in (None, 0) else None


ge = lambda t: (lambda r: r >= t)
le = lambda t: (lambda r: r <= t)


def table(folder):
    """The rows of one round: (case, ferry value, reference value, reference note, ratio, target, ok)."""
    ferry = load(folder, "ferry.json")
    runs = [r for r in (load(folder, "pytorch-glibc.json"), load(folder, "pytorch-tcmalloc.json")) if r is not None]
    m = macs or num(ferry, "macs")  # an arch without a fixture: whatever ferry reports
    rows = []

    def best(key, higher):
        """PyTorch's best value of key over the allocator runs, and the run it came from."""
        cands = [(num(r, key), r) for r in runs if num(r, key) is not None]
        if not cands:
            return None, None
        return (max if higher else min)(cands, key=lambda c: c[0])

    def row(case, f, p, p_note, ratio, target, ok, digits=1):
        rows.append(dict(case=case, ferry=f, ref=p, note=p_note, ratio=ratio, target=target, ok=ok, digits=digits))

    def vs_pytorch(case, fkey, pkey, higher, target, ok, inverse=False, digits=1):
        """A ferry value against PyTorch's best; inverse: ratio PyTorch/ferry (times)."""
        f = num(ferry, fkey)
        p, run = best(pkey, higher)
        r = ratio_of(p, f) if inverse else ratio_of(f, p)
        row(case, f, p, ALLOC_SHORT.get(run["allocator"], run["allocator"]) if run else "", r, target, ok, digits)

    vs_pytorch("inference img/s vs PyTorch jit", "inference_ips", "inference_jit_ips", True, ">= 1.00", ge(1.0))
    vs_pytorch("inference img/s vs PyTorch eager", "inference_ips", "inference_eager_ips", True, "info", None)
    f_ips, f_gemm = num(ferry, "inference_ips"), num(ferry, "gemm_gflops")
    f_gflops = f_ips * 2 * m / 1e9 if f_ips is not None and m else None
    row("inference GFLOP/s vs ferry GEMM", f_gflops, f_gemm, "ferry GEMM", ratio_of(f_gflops, f_gemm), ">= 0.85",
        ge(0.85))
    vs_pytorch("GEMM 2048 GFLOP/s", "gemm_gflops", "gemm_gflops", True, "info", None)
    vs_pytorch("train step img/s", "train_step_ips", "train_step_ips", True, ">= 1.00", ge(1.0))
    vs_pytorch("peak RSS inference MiB", "peak_rss_infer_mb", "peak_rss_infer_mb", False, "<= 1.20", le(1.2))
    vs_pytorch("peak RSS train MiB", "peak_rss_train_mb", "peak_rss_train_mb", False, "<= 1.20", le(1.2))
    # Times: the ratio is PyTorch / ferry, so > 1 means ferry is faster.
    vs_pytorch("fe cached (s) vs PyTorch usual", "fe_transfer_cached_s", "fe_transfer_nocache_s", False,
               ">= 8.00", ge(8.0), inverse=True, digits=2)
    vs_pytorch("fe usual (s)", "fe_transfer_nocache_s", "fe_transfer_nocache_s", False, "info", None,
               inverse=True, digits=2)
    vs_pytorch("fe cached (s)", "fe_transfer_cached_s", "fe_transfer_cached_s", False, "info", None,
               inverse=True, digits=2)
    f_nc, f_c = num(ferry, "fe_transfer_nocache_s"), num(ferry, "fe_transfer_cached_s")
    row("fe cached (s) vs ferry usual", f_c, f_nc, "ferry usual", ratio_of(f_nc, f_c), "info", None, digits=2)

    def acc_row(case, fkey, pkey):
        # The accuracy of the PyTorch run whose time was used; the ratio column is ferry - PyTorch.
        _, run = best(pkey.replace("fe_acc_", "fe_transfer_") + "_s", False)
        f, p = num(ferry, fkey), num(run, pkey)
        rows.append(dict(case=case, ferry=f, ref=p, note="", ratio=None if f is None or p is None else f - p,
                         target="info (diff)", ok=None, digits=3, diff=True))

    acc_row("fe held-out acc, cached vs usual", "fe_acc_cached", "fe_acc_nocache")
    acc_row("fe held-out acc, usual", "fe_acc_nocache", "fe_acc_nocache")
    acc_row("fe held-out acc, cached", "fe_acc_cached", "fe_acc_cached")
    f_pred = num(ferry, "predict_folder_ips")
    row("predict folder img/s vs ferry inference", f_pred, f_ips, "ferry inference", ratio_of(f_pred, f_ips),
        ">= 0.90", ge(0.9))
    vs_pytorch("predict folder img/s", "predict_folder_ips", "predict_folder_ips", True, "info", None)
    row("predict one image, whole process (s)", num(ferry, "predict_one_s"), None, "", num(ferry, "predict_one_s"),
        "<= 4 s", le(4.0), digits=2)
    return ferry, runs, rows


rounds = [table(d) for d in round_dirs]
ferry, runs, _ = rounds[0]
if ferry is None:
    sys.exit(f"bench_table: no ferry.json in {round_dirs[0]}")


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


rows = []  # (case, ferry, reference, ratio, rounds, target, result)
for i, first in enumerate(rounds[0][2]):
    per_round = [r[2][i] for r in rounds]
    f, p, ratio = (median([x[k] for x in per_round]) for k in ("ferry", "ref", "ratio"))
    d = first["digits"]
    notes = sorted({x["note"] for x in per_round if x["note"]})
    p_text = fmt(p, d) + (f" ({'/'.join(notes)})" if p is not None and notes else "")
    if first.get("diff"):
        r_text = "n/a" if ratio is None else f"{ratio:+.3f}"
        each = " ".join("n/a" if x["ratio"] is None else f"{x['ratio']:+.2f}" for x in per_round)
    else:
        r_text = "n/a" if ratio is None else f"{ratio:.3f}"
        each = " ".join("n/a" if x["ratio"] is None else f"{x['ratio']:.2f}" for x in per_round)
    if first["target"].startswith("info"):
        result = "-"
    elif ratio is None:
        result = "n/a"
    else:
        result = "PASS" if first["ok"](ratio) else "FAIL"
    rows.append((first["case"], fmt(f, d), p_text, r_text, each, first["target"], result))

meta = runs[0] if runs else {}
print(f"ferry vs PyTorch {meta.get('torch_version')}: {arch}, batch {batch}, {threads} threads; "
      f"CPU {meta.get('cpu_model')}; {len(rounds)} round(s)")
print(f"PyTorch(best) = the better of the {'/'.join(r['allocator'] for r in runs)} runs per case; "
      f"ratio = ferry/PyTorch for rates and RSS, PyTorch/ferry for times (> 1: ferry faster); "
      f"figures and ratios are medians over rounds")
for key, want in (("arch", arch), ("batch", batch), ("threads", threads)):
    if ferry.get(key) is not None and str(ferry.get(key)) != str(want):
        print(f"WARNING: the ferry result has {key}={ferry.get(key)}, this comparison is for {want}")
if meta.get("blas_info") == "generic":
    print("NOTE: this torch uses the system's generic libblas (BLAS_INFO=generic): PyTorch's GEMM figure is"
          " not its best; its convolutions use oneDNN" +
          (" except 1x1 ones at 1 thread and batch < 16" if threads == 1 and batch < 16 else ""))
for _, rs, _ in rounds:
    for r in rs:
        if r.get("errors"):
            print(f"WARNING: PyTorch cases failed under {r['allocator']} malloc: {', '.join(r['errors'])}")
header = ("case", "ferry", "PyTorch(best) / ref", "ratio", "per round", "target", "result")
if len(rounds) == 1:
    rows = [x[:4] + x[5:] for x in rows]
    header = header[:4] + header[5:]
left = {0, len(header) - 2, len(header) - 1}
widths = [max(len(str(x[i])) for x in rows + [header]) for i in range(len(header))]
line = lambda x: "  ".join(str(c).ljust(w) if i in left else str(c).rjust(w)
                           for i, (c, w) in enumerate(zip(x, widths))).rstrip()
print(line(header))
print(line(["-" * w for w in widths]))
for x in rows:
    print(line(x))
judged = [x for x in rows if not x[-2].startswith("info")]
n_pass = sum(x[-1] == "PASS" for x in judged)
print(f"{n_pass}/{len(judged)} targets PASS" +
      ("" if n_pass == len(judged) else
       f" ({', '.join(x[0] + ': ' + x[-1] for x in judged if x[-1] != 'PASS')})"))
with open(os.path.join(out_dir, "compare.json"), "w") as f:
    json.dump([dict(zip(header, x)) for x in rows], f, indent=1)
sys.exit(0 if n_pass == len(judged) else 3)
