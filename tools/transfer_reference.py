#!/usr/bin/python3
"""The PyTorch reference column of ferry's transfer benchmark: a plain PyTorch fine-tune.

    tools/transfer_reference.py --work DIR [--seeds 0,1,2] [--sources demo,r18w16] [--out FILE]

For each source network (a ferry model directory: model.json + model.safetensors under torchvision's
keys) and each task in WORK/tasks (written by tools/transfer_bench.py), builds the same network in
PyTorch from torchvision's own BasicBlock/Bottleneck (base width and small stem as model.json says),
loads every backbone weight by name (strict, fc replaced by a new K-class layer), and fine-tunes it
the usual PyTorch way: SGD momentum 0.9, every layer at one rate, lr 0.02 one-cycle
(torch.optim.lr_scheduler.OneCycleLR), weight decay 5e-4, batch 20, 30 epochs, no label smoothing;
augmentation RandomCrop(28, padding=2) and RandomHorizontalFlip. 20% of each class's training images
(seeded) are held out; the epoch with the best validation accuracy is evaluated on TASK/test.
Appends `source task pytorch-ref seed accuracy seconds` lines to --out (default
WORK/reference/results.tsv) and skips pairs already there. Needs Debian's python3-torch and
python3-torchvision; CI never runs it.
"""
import argparse
import json
import os
import random
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from PIL import Image
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = {"resnet18": (BasicBlock, [2, 2, 2, 2]), "resnet34": (BasicBlock, [3, 4, 6, 3]),
          "resnet50": (Bottleneck, [3, 4, 6, 3]), "resnet101": (Bottleneck, [3, 4, 23, 3]),
          "resnet152": (Bottleneck, [3, 8, 36, 3])}


class WidthResNet(ResNet):
    """torchvision's ResNet at another base width, with the small stem when asked; same keys."""

    def __init__(self, arch, width, small_stem, num_classes):
        block, layers = LAYERS[arch]
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes, self.dilation, self.groups, self.base_width = width, 1, 1, 64
        if small_stem:
            self.conv1 = nn.Conv2d(3, width, 3, 1, 1, bias=False)
            self.maxpool = nn.Identity()
        else:
            self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, 2 * width, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 4 * width, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 8 * width, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8 * width * block.expansion, num_classes)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F32": np.float32, "I64": np.int64, "F64": np.float64}
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=dtypes[meta["dtype"]]).reshape(meta["shape"]).copy())
    return out


def load_source(model_dir, num_classes):
    info = json.load(open(os.path.join(model_dir, "model.json")))
    net = WidthResNet(info["arch"], info["width"], info["stem"] == "small", num_classes)
    state = {k: v for k, v in read_safetensors(os.path.join(model_dir, "model.safetensors")).items()
             if not k.startswith("fc.")}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if unexpected or sorted(missing) != ["fc.bias", "fc.weight"]:
        raise SystemExit(f"{model_dir}: keys do not match (missing {missing}, unexpected {unexpected})")
    return net, info["preset"]


def read_folder(root, preset):
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    xs, ys = [], []
    mean, std = np.array(preset["mean"], np.float32), np.array(preset["std"], np.float32)
    for k, c in enumerate(classes):
        for name in sorted(os.listdir(os.path.join(root, c))):
            img = np.asarray(Image.open(os.path.join(root, c, name)).convert("RGB"), np.float32) / 255.0
            xs.append(((img - mean) / std).transpose(2, 0, 1))
            ys.append(k)
    return torch.from_numpy(np.stack(xs)), torch.tensor(ys), classes


def augment(x, gen):
    """RandomCrop(28, padding=2) and RandomHorizontalFlip per image (zero padding after Normalize
    here, i.e. padding with the mean's negative: a deliberate, tiny difference from padding pixels)."""
    n, _, h, w = x.shape
    padded = nn.functional.pad(x, (2, 2, 2, 2))
    out = torch.empty_like(x)
    for i in range(n):
        dy, dx = torch.randint(0, 5, (2,), generator=gen).tolist()
        img = padded[i, :, dy:dy + h, dx:dx + w]
        out[i] = img.flip(2) if torch.rand(1, generator=gen).item() < 0.5 else img
    return out


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        return sum((net(x[i:i + 256]).argmax(1) == y[i:i + 256]).sum().item() for i in range(0, len(x), 256)) / len(x)


def run(source_dir, task_dir, seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x, y, classes = read_folder(os.path.join(task_dir, "train"), json.load(open(os.path.join(source_dir, "model.json")))["preset"])
    net, preset = load_source(source_dir, len(classes))
    xt, yt, _ = read_folder(os.path.join(task_dir, "test"), preset)
    val = []
    for k in range(len(classes)):
        idx = (y == k).nonzero().flatten()
        idx = idx[torch.randperm(len(idx), generator=gen)]
        val += idx[:max(1, round(0.2 * len(idx)))].tolist()
    train = sorted(set(range(len(y))) - set(val))
    xtr, ytr, xv, yv = x[train], y[train], x[val], y[val]
    epochs, batch = 30, 20
    steps = (len(train) + batch - 1) // batch
    decay = [p for n, p in net.named_parameters() if p.ndim > 1]
    rest = [p for n, p in net.named_parameters() if p.ndim <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": rest, "weight_decay": 0}],
                          lr=0.02, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.02, total_steps=epochs * steps)
    loss_fn = nn.CrossEntropyLoss()
    best, best_state = -1.0, None
    for _ in range(epochs):
        net.train()
        order = torch.randperm(len(train), generator=gen)
        for s in range(steps):
            idx = order[s * batch:(s + 1) * batch]
            opt.zero_grad()
            loss_fn(net(augment(xtr[idx], gen)), ytr[idx]).backward()
            opt.step()
            sched.step()
        acc = accuracy(net, xv, yv)
        if acc > best:
            best, best_state = acc, {k: v.clone() for k, v in net.state_dict().items()}
    net.load_state_dict(best_state)
    return accuracy(net, xt, yt)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--sources", default="demo,r18w16")
    ap.add_argument("--out", default="")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    sources = {"demo": os.path.join(HERE, "ferry-cli/src/main/resources/dev/ferry/demo/pretrained"),
               "r18w16": os.path.join(a.work, "sources", "r18w16")}
    out = a.out or os.path.join(a.work, "reference", "results.tsv")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    done = set()
    if os.path.exists(out):
        done = {tuple(line.split("\t")[:4]) for line in open(out)}
    tasks = os.path.join(a.work, "tasks")
    for s in a.sources.split(","):
        for t in sorted(os.listdir(tasks)):
            for seed in a.seeds.split(","):
                if (s, t, "pytorch-ref", seed) in done:
                    continue
                start = time.time()
                acc = run(sources[s], os.path.join(tasks, t), int(seed))
                line = f"{s}\t{t}\tpytorch-ref\t{seed}\t{acc}\t{time.time() - start:.1f}"
                with open(out, "a") as f:
                    f.write(line + "\n")
                print(line, file=sys.stderr)


if __name__ == "__main__":
    main()
