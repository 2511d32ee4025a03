#!/usr/bin/python3
"""PyTorch's side of ferry's performance comparison: the same cases `ferry bench` measures.

Run with Debian's torch / torchvision (python3-torch 1.13, python3-torchvision 0.14):

  /usr/bin/python3 tools/bench_pytorch.py [--arch resnet50] [--batch 16] [--threads 2]
      [--iters 10] [--warmup 3] [--passes 3] [--epochs 10] [--seed 0]
      [--images DIR] [--weights STATE_DICT.pth] [--cases a,b,...] [--json]

  For tcmalloc instead of glibc's malloc, preload it:
  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/bin/python3 tools/bench_pytorch.py ...

Cases (--cases picks a subset; the image cases need --images):
  gemm            torch.mm of two float32 2048x2048 matrices: GFLOP/s = 2*n^3 / median time.
  infer_eager     model.eval() under torch.inference_mode(), random Bx3x224x224 input: images/s.
  infer_jit       torch.jit.optimize_for_inference(torch.jit.script(model.eval())), which freezes
                  the module (BN folded into conv) and, where oneDNN is built in, switches to its
                  kernels: PyTorch's fastest CPU inference path. Same protocol as infer_eager.
  train           model.train(); forward, cross-entropy backward, SGD (momentum 0.9) step,
                  zero_grad(set_to_none=True), random input and labels: images/s.
  predict_folder  every image under DIR (recursive, sorted): PIL open + convert("RGB") + Resize(256)
                  + CenterCrop(224) + ToTensor + Normalize in a DataLoader (num_workers = threads,
                  0 when threads = 1) feeding batches of B to the infer_jit model. images/s over
                  a whole pass, decoding and worker start-up included; one untimed pass first
                  (JIT profiling, page cache), then the median of --passes passes.
  fe_nocache      feature-extraction transfer, the usual recipe: classes = DIR's sub-folders, a
                  seeded stratified 80/20 split, frozen backbone in eval mode, a new fc for the
                  classes, SGD momentum 0.9 lr 0.01 with cosine annealing over --epochs epochs,
                  batch B; every epoch runs the backbone on every training image
                  (RandomResizedCrop(224) + RandomHorizontalFlip).
  fe_cached       the same, but the backbone runs once per training image (eval transform) and the
                  head trains --epochs epochs on the cached features.
  Both fe cases time the training only (cache building included, model construction and the
  held-out evaluation excluded) and report the held-out accuracy (eval transform, full model),
  so that equal accuracy can be checked.

Timing protocol for gemm / infer_* / train: --warmup untimed iterations (at least 2 for infer_jit,
whose profiling executor optimises on the second call), then the median of --iters timed ones.

Each case runs in its own child process (this script re-invoked with --case NAME) so that one
case's memory, thread pools and JIT state cannot affect another, and so that each case's peak RSS
(getrusage ru_maxrss) is its own. The parent never imports torch: Linux carries the RSS high-water
mark across fork+exec, so a heavy parent would raise every child's figure.

Output: a table on stderr; with --json, ONE JSON object on stdout. Keys (null when skipped/failed):
  arch, batch, threads, iters, warmup, passes, epochs, seed, weights, images_dir, n_images,
  torch_version, torchvision_version, blas_info (torch's BLAS_INFO build setting), allocator
  ("tcmalloc" if LD_PRELOAD names tcmalloc, else "glibc"), cpu_model,
  gemm_gflops, inference_eager_ips, inference_jit_ips, train_step_ips, predict_folder_ips,
  peak_rss_train_mb (train case), peak_rss_infer_eager_mb, peak_rss_infer_jit_mb,
  peak_rss_infer_mb (the lower of the two inference peaks: the bar ferry has to meet),
  peak_rss_mb (the largest peak of any case process),
  fe_transfer_nocache_s, fe_transfer_cached_s, fe_acc_nocache, fe_acc_cached (held-out accuracy
  0..1), fe_train_images, fe_holdout_images, fe_classes,
  errors ({case: message} for cases that failed; empty when all ran).
Exit status: 0 when every requested case ran, 1 when one failed (the JSON is still printed),
2 on bad usage.

Weights are torchvision's random initialisation (weights=None; nothing can be downloaded here),
seeded, unless --weights gives a state_dict file: fine for timing. Random-weight features carry
some class information (on make_bench_images.py's folder both recipes beat chance), far less than
pretrained ones: the fe accuracies are for comparing the two recipes, and ferry with PyTorch, not
for judging the recipe itself.

Debian's torch is built with BLAS_INFO=generic, i.e. it calls whatever libblas.so.3 the system
has (the reference BLAS unless an optimised one is installed). The table then carries a note:
gemm_gflops and the fc layer are slow, the convolutions are not (oneDNN), except that torch 1.13
sends unstrided 1x1 convolutions to the BLAS with one thread and a batch under 16.
"""
import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
import traceback

CASES = ["gemm", "infer_eager", "infer_jit", "train", "predict_folder", "fe_nocache", "fe_cached"]
IMAGE_CASES = {"predict_folder", "fe_nocache", "fe_cached"}
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
GEMM_N = 2048
HOLDOUT_FRACTION = 0.2
FE_LR = 0.01
MOMENTUM = 0.9


# ----------------------------------------------------------------------------------------------
# Shared helpers (parent and children)
# ----------------------------------------------------------------------------------------------

def list_images(root):
    """Every image file under root, recursively, in a stable order."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.lower().endswith(IMAGE_EXTS):
                found.append(os.path.join(dirpath, name))
    return found


def allocator_name():
    preload = os.environ.get("LD_PRELOAD", "")
    return "tcmalloc" if "tcmalloc" in preload else "glibc"


def tcmalloc_mapped():
    """Whether tcmalloc is really in this process (a missing LD_PRELOAD file only warns)."""
    try:
        with open("/proc/self/maps") as f:
            return "tcmalloc" in f.read()
    except OSError:
        return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def peak_rss_mb():
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def loader_workers(threads):
    return threads if threads > 1 else 0


# ----------------------------------------------------------------------------------------------
# Child: one case per process
# ----------------------------------------------------------------------------------------------

def timed(fn, warmup, iters):
    """Runs fn warmup times untimed, then iters times timed; returns the per-call seconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def seed_all(seed):
    import torch
    random.seed(seed)
    torch.manual_seed(seed)


def build_model(args, num_classes=1000):
    import torch
    import torchvision
    seed_all(args.seed)
    model = getattr(torchvision.models, args.arch)(weights=None, num_classes=1000)
    if args.weights:
        model.load_state_dict(torch.load(args.weights, map_location="cpu"))
    if num_classes != 1000:
        # Seed again so that the new head's initial weights do not depend on how many random
        # numbers the backbone consumed: both fe cases start from the identical head.
        torch.manual_seed(args.seed)
        model.fc = torch.nn.Linear(model.fc.in_features, num_classes)
    return model


def jit_model(model):
    import torch
    scripted = torch.jit.script(model.eval())
    return torch.jit.optimize_for_inference(scripted)


def case_gemm(args):
    import torch
    a = torch.randn(GEMM_N, GEMM_N)
    b = torch.randn(GEMM_N, GEMM_N)
    out = torch.empty(GEMM_N, GEMM_N)
    mm = lambda: torch.mm(a, b, out=out)  # noqa: E731
    mm()  # first call: page faults on out, BLAS thread start-up
    # --iters calls, but at least 3 and, past 3, no more than ~10 s of them: on a reference BLAS
    # (see the note above) one call takes seconds, on an optimised one milliseconds.
    times, t_end = [], time.perf_counter() + 10.0
    while len(times) < 3 or (len(times) < args.iters and time.perf_counter() < t_end):
        t0 = time.perf_counter()
        mm()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return {"gemm_gflops": 2.0 * GEMM_N ** 3 / med / 1e9, "times": times}


def case_infer(args, jit):
    import torch
    model = build_model(args).eval()
    if jit:
        model = jit_model(model)
    x = torch.randn(args.batch, 3, 224, 224)

    def step():
        with torch.inference_mode():
            model(x)

    warmup = max(args.warmup, 2) if jit else args.warmup
    times = timed(step, warmup, args.iters)
    key = "inference_jit_ips" if jit else "inference_eager_ips"
    return {key: args.batch / statistics.median(times), "times": times}


def case_train(args):
    import torch
    import torch.nn.functional as F
    model = build_model(args).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=MOMENTUM)
    x = torch.randn(args.batch, 3, 224, 224)
    y = torch.randint(0, 1000, (args.batch,))

    def step():
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    times = timed(step, args.warmup, args.iters)
    return {"train_step_ips": args.batch / statistics.median(times), "times": times}


class ImageFiles:
    """A map-style dataset of (path, label) pairs: PIL decode + convert RGB + a transform."""

    def __init__(self, samples, transform):
        self.samples = samples
        self.transform = transform

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        from PIL import Image
        path, label = self.samples[i]
        with open(path, "rb") as f:
            img = Image.open(f).convert("RGB")
        return self.transform(img), label


def eval_transform():
    from torchvision import transforms as T
    return T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)])


def train_transform():
    from torchvision import transforms as T
    return T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(),
                      T.Normalize(IMAGENET_MEAN, IMAGENET_STD)])


def case_predict_folder(args):
    import torch
    from torch.utils.data import DataLoader
    files = list_images(args.images)
    if not files:
        raise RuntimeError(f"no images under {args.images}")
    model = jit_model(build_model(args))
    dataset = ImageFiles([(p, 0) for p in files], eval_transform())

    def one_pass():
        # A fresh loader per pass: a one-shot prediction pays for starting its workers.
        loader = DataLoader(dataset, batch_size=args.batch, shuffle=False,
                            num_workers=loader_workers(args.threads))
        n = 0
        with torch.inference_mode():
            for x, _ in loader:
                model(x).argmax(1)
                n += x.shape[0]
        return n

    # Untimed pass: JIT profiling runs (including the partial last batch's shape) and the page cache.
    one_pass()
    times = timed(one_pass, 0, max(args.passes, 1))
    return {"predict_folder_ips": len(files) / statistics.median(times), "times": times, "n_images": len(files)}


def split_dataset(root, seed):
    """Classes = sorted sub-folders; per class a seeded shuffle, the first 20% held out."""
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    train, holdout = [], []
    rng = random.Random(seed)
    for label, cls in enumerate(classes):
        files = list_images(os.path.join(root, cls))
        rng.shuffle(files)
        # Stratified: every class with 2+ images keeps at least one in each part.
        n_hold = min(max(round(len(files) * HOLDOUT_FRACTION), 1), len(files) - 1) if len(files) >= 2 else 0
        holdout += [(p, label) for p in files[:n_hold]]
        train += [(p, label) for p in files[n_hold:]]
    if len(classes) < 2 or not holdout:
        raise RuntimeError(f"{root}: the transfer cases need 2+ class sub-folders with 2+ images each")
    return classes, train, holdout


def case_fe(args, cached):
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader
    classes, train, holdout = split_dataset(args.images, args.seed)
    model = build_model(args, num_classes=len(classes))
    for p in model.parameters():
        p.requires_grad_(False)
    head = model.fc
    for p in head.parameters():
        p.requires_grad_(True)
    # The whole model stays in eval mode: a frozen backbone keeps its BN running statistics.
    model.eval()
    opt = torch.optim.SGD(head.parameters(), lr=FE_LR, momentum=MOMENTUM)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    workers = loader_workers(args.threads)
    seed_all(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    t0 = time.perf_counter()
    if cached:
        model.fc = torch.nn.Identity()
        loader = DataLoader(ImageFiles(train, eval_transform()), batch_size=args.batch, shuffle=False,
                            num_workers=workers)
        feats, labels = [], []
        # no_grad, not inference_mode: inference tensors cannot be saved for the head's backward.
        with torch.no_grad():
            for x, y in loader:
                feats.append(model(x))
                labels.append(y)
        feats, labels = torch.cat(feats), torch.cat(labels)
        model.fc = head
        for _ in range(args.epochs):
            perm = torch.randperm(len(labels), generator=gen)
            for i in range(0, len(perm), args.batch):
                idx = perm[i:i + args.batch]
                loss = F.cross_entropy(head(feats[idx]), labels[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            sched.step()
    else:
        # persistent_workers: the usual recipe at its best does not restart workers every epoch.
        loader = DataLoader(ImageFiles(train, train_transform()), batch_size=args.batch, shuffle=True,
                            generator=gen, num_workers=workers, persistent_workers=workers > 0)
        for _ in range(args.epochs):
            for x, y in loader:
                # No parameter before fc requires grad, so autograd records only the head.
                loss = F.cross_entropy(model(x), y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            sched.step()
        del loader
    seconds = time.perf_counter() - t0

    correct = 0
    with torch.inference_mode():
        for x, y in DataLoader(ImageFiles(holdout, eval_transform()), batch_size=args.batch, num_workers=workers):
            correct += (model(x).argmax(1) == y).sum().item()
    kind = "cached" if cached else "nocache"
    return {f"fe_transfer_{kind}_s": seconds, f"fe_acc_{kind}": correct / len(holdout),
            "fe_train_images": len(train), "fe_holdout_images": len(holdout), "fe_classes": len(classes)}


def run_case(args):
    import torch
    import torchvision
    torch.set_num_threads(args.threads)
    dispatch = {
        "gemm": lambda: case_gemm(args),
        "infer_eager": lambda: case_infer(args, jit=False),
        "infer_jit": lambda: case_infer(args, jit=True),
        "train": lambda: case_train(args),
        "predict_folder": lambda: case_predict_folder(args),
        "fe_nocache": lambda: case_fe(args, cached=False),
        "fe_cached": lambda: case_fe(args, cached=True),
    }
    try:
        result = dispatch[args.case]()
    except Exception as e:  # noqa: BLE001 - any failure becomes this case's error, the others still run
        traceback.print_exc()
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
        return 1
    result["peak_rss_mb"] = peak_rss_mb()
    result["torch_version"] = torch.__version__
    result["torchvision_version"] = torchvision.__version__
    blas = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    result["blas_info"] = blas.group(1) if blas else None
    result["tcmalloc_mapped"] = tcmalloc_mapped()
    # The parent reads the last stdout line; anything a library printed before it is ignored.
    print(json.dumps(result), flush=True)
    return 0


# ----------------------------------------------------------------------------------------------
# Parent: run the cases, gather, report
# ----------------------------------------------------------------------------------------------

def child_argv(args, case):
    argv = [sys.executable, os.path.abspath(__file__), "--case", case,
            "--arch", args.arch, "--batch", str(args.batch), "--threads", str(args.threads),
            "--iters", str(args.iters), "--warmup", str(args.warmup), "--passes", str(args.passes),
            "--epochs", str(args.epochs), "--seed", str(args.seed)]
    if args.images:
        argv += ["--images", args.images]
    if args.weights:
        argv += ["--weights", args.weights]
    return argv


def run_child(args, case):
    env = dict(os.environ)
    # OpenMP sizes its pool from this when torch starts; set_num_threads alone can leave a larger
    # pool behind in some builds. DataLoader workers still drop to one thread each.
    env["OMP_NUM_THREADS"] = str(args.threads)
    proc = subprocess.run(child_argv(args, case), stdout=subprocess.PIPE, env=env, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    try:
        result = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        result = None
    if isinstance(result, dict) and "error" in result:
        raise RuntimeError(result["error"])
    if proc.returncode != 0 or not isinstance(result, dict):
        # Killed (e.g. out of memory) or crashed in native code: no message of its own.
        raise RuntimeError(f"exit status {proc.returncode}, no result")
    return result


def spread(times, per):
    """'median s (min..max)' of per-call seconds, to show how noisy a figure is."""
    if not times:
        return ""
    return f"{per} {statistics.median(times):.3f} s ({min(times):.3f}..{max(times):.3f}, n={len(times)})"


def fmt(value, unit, digits=1):
    return "skipped" if value is None else f"{value:.{digits}f} {unit}"


def generic_blas_note(threads, batch):
    note = ("note: this torch calls the system libblas (BLAS_INFO=generic; on Debian the reference BLAS unless\n"
            "  an optimised one is installed): torch.mm, and so gemm_gflops and the fc layer, are slow; the\n"
            "  convolutions run on oneDNN")
    if threads == 1 and batch < 16:
        # torch 1.13 sends an unstrided 1x1 convolution to im2col + BLAS instead of oneDNN when it has
        # one thread and a batch under 16: the eager and training cases then pay for the slow BLAS too.
        note += (",\n  except, with 1 thread and a batch under 16, the 1x1 ones in eager inference and training,\n"
                 "  which go through the BLAS (use --threads 2+ or --batch 16+ for a representative figure)")
    return note + "."


def print_table(out, notes):
    err = sys.stderr
    print(f"\nPyTorch {out['torch_version']} / torchvision {out['torchvision_version']}: {out['arch']}, "
          f"batch {out['batch']}, {out['threads']} threads, {out['allocator']} malloc", file=err)
    print(f"CPU: {out['cpu_model']}", file=err)
    if out["blas_info"] == "generic":
        print(generic_blas_note(out["threads"], out["batch"]), file=err)
    rows = [
        ("GEMM 2048^3 fp32", fmt(out["gemm_gflops"], "GFLOP/s"), notes.get("gemm", "")),
        ("inference eager", fmt(out["inference_eager_ips"], "img/s"), notes.get("infer_eager", "")),
        ("inference jit (frozen)", fmt(out["inference_jit_ips"], "img/s"), notes.get("infer_jit", "")),
        ("train step", fmt(out["train_step_ips"], "img/s"), notes.get("train", "")),
        ("peak RSS inference", fmt(out["peak_rss_infer_mb"], "MiB", 0),
         "eager %s, jit %s" % (fmt(out["peak_rss_infer_eager_mb"], "MiB", 0), fmt(out["peak_rss_infer_jit_mb"], "MiB", 0))),
        ("peak RSS train", fmt(out["peak_rss_train_mb"], "MiB", 0), ""),
        ("predict folder (jit)", fmt(out["predict_folder_ips"], "img/s"), notes.get("predict_folder", "")),
        ("fe transfer, usual", fmt(out["fe_transfer_nocache_s"], "s", 2),
         "" if out["fe_acc_nocache"] is None else f"held-out acc {out['fe_acc_nocache']:.3f}"),
        ("fe transfer, cached", fmt(out["fe_transfer_cached_s"], "s", 2),
         "" if out["fe_acc_cached"] is None else f"held-out acc {out['fe_acc_cached']:.3f}"),
    ]
    if out["fe_holdout_images"]:
        rows.append(("fe data", "", f"{out['fe_classes']} classes, {out['fe_train_images']} train / "
                                    f"{out['fe_holdout_images']} held out, {out['epochs']} epochs"))
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    for name, value, note in rows:
        print(f"  {name:<{w0}}  {value:>{w1}}  {note}".rstrip(), file=err)
    for case, msg in out["errors"].items():
        print(f"  FAILED {case}: {msg}", file=err)


def main():
    ap = argparse.ArgumentParser(description="PyTorch side of ferry's benchmark (see the file's docstring).")
    ap.add_argument("--arch", default="resnet50", help="torchvision ResNet name (default resnet50)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads and DataLoader workers")
    ap.add_argument("--iters", type=int, default=10, help="timed iterations per case (median reported)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed iterations before timing")
    ap.add_argument("--passes", type=int, default=3, help="timed passes over the folder for predict_folder")
    ap.add_argument("--epochs", type=int, default=10, help="epochs for the fe transfer cases")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--images", help="folder of images: <class>/*.jpg (tools/make_bench_images.py)")
    ap.add_argument("--weights", help="a state_dict .pth for the arch instead of random weights")
    ap.add_argument("--cases", help="comma-separated subset of: " + ",".join(CASES))
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)  # internal: run one case, child mode
    args = ap.parse_args()

    for name in ("batch", "threads", "iters", "passes", "epochs"):
        if getattr(args, name) < 1:
            ap.error(f"--{name} must be >= 1")
    if args.warmup < 0:
        ap.error("--warmup must be >= 0")
    if not args.arch.startswith("resnet") and not args.arch.startswith("wide_resnet"):
        ap.error(f"--arch {args.arch}: expected a torchvision ResNet (resnet18 ... resnet152)")
    if args.images:
        if not os.path.isdir(args.images):
            ap.error(f"--images {args.images}: not a directory")
        args.images = os.path.abspath(args.images)
    if args.weights and not os.path.isfile(args.weights):
        ap.error(f"--weights {args.weights}: no such file")

    if args.case:
        return run_case(args)

    if args.cases:
        selected = [c.strip() for c in args.cases.split(",") if c.strip()]
        unknown = [c for c in selected if c not in CASES]
        if unknown:
            ap.error(f"unknown case(s) {unknown}; known: {','.join(CASES)}")
    else:
        selected = list(CASES)
    if not args.images:
        skipped = [c for c in selected if c in IMAGE_CASES]
        if skipped and args.cases:
            ap.error(f"cases {skipped} need --images DIR")
        selected = [c for c in selected if c not in IMAGE_CASES]

    n_images = len(list_images(args.images)) if args.images else None
    out = {
        "arch": args.arch, "batch": args.batch, "threads": args.threads, "iters": args.iters,
        "warmup": args.warmup, "passes": args.passes, "epochs": args.epochs, "seed": args.seed,
        "weights": os.path.abspath(args.weights) if args.weights else None,
        "images_dir": args.images, "n_images": n_images,
        "torch_version": None, "torchvision_version": None, "blas_info": None,
        "allocator": allocator_name(), "cpu_model": cpu_model(),
        "gemm_gflops": None, "inference_eager_ips": None, "inference_jit_ips": None, "train_step_ips": None,
        "predict_folder_ips": None,
        "peak_rss_train_mb": None, "peak_rss_infer_mb": None,
        "peak_rss_infer_eager_mb": None, "peak_rss_infer_jit_mb": None, "peak_rss_mb": None,
        "fe_transfer_nocache_s": None, "fe_transfer_cached_s": None, "fe_acc_nocache": None, "fe_acc_cached": None,
        "fe_train_images": None, "fe_holdout_images": None, "fe_classes": None,
        "errors": {},
    }
    rss_key = {"infer_eager": "peak_rss_infer_eager_mb", "infer_jit": "peak_rss_infer_jit_mb",
               "train": "peak_rss_train_mb"}
    notes, peaks = {}, []
    for case in selected:
        print(f"bench_pytorch: {case} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            res = run_child(args, case)
        except RuntimeError as e:
            out["errors"][case] = str(e)
            print(f"bench_pytorch: {case} FAILED: {e}", file=sys.stderr, flush=True)
            continue
        times = res.pop("times", None)
        if case == "predict_folder":
            notes[case] = spread(times, "per pass") + f", {res.pop('n_images')} images, {loader_workers(args.threads)} workers"
        elif times:
            notes[case] = spread(times, "per call" if case == "gemm" else "per batch")
        rss = res.pop("peak_rss_mb")
        peaks.append(rss)
        if case in rss_key:
            out[rss_key[case]] = rss
        mapped = res.pop("tcmalloc_mapped")
        if out["allocator"] == "tcmalloc" and mapped is False:
            # LD_PRELOAD of a missing library only prints a warning; do not report a run as tcmalloc's.
            out["errors"][case] = "LD_PRELOAD names tcmalloc but it was not loaded"
        for k, v in res.items():
            if k in ("torch_version", "torchvision_version", "blas_info"):
                out[k] = out[k] or v
            else:
                out[k] = v
        print(f"bench_pytorch: {case} done in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)

    infer_peaks = [v for v in (out["peak_rss_infer_eager_mb"], out["peak_rss_infer_jit_mb"]) if v is not None]
    out["peak_rss_infer_mb"] = min(infer_peaks) if infer_peaks else None
    out["peak_rss_mb"] = max(peaks) if peaks else None
    for k, v in out.items():
        if isinstance(v, float):
            out[k] = round(v, 4)

    print_table(out, notes)
    if args.json:
        print(json.dumps(out, sort_keys=False), flush=True)
    return 1 if out["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
