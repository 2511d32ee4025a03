#!/usr/bin/python3
"""Generate the weight-file test fixtures in ferry-core/src/test/resources/weights/.

Run with the Debian interpreter that has torch 1.13 and torchvision 0.14:

    /usr/bin/python3 tools/make_weight_fixtures.py

CI never runs this; the outputs are committed. The script is deterministic (fixed seeds, one
thread): re-running it reproduces every file byte for byte, except the legacy-format ones, whose
storage keys are memory addresses (torch's ``_legacy_save`` uses ``str(storage._cdata)``); their
tensors are still identical.

What it writes (all little-endian):

* ``resnet{18,34,50,101,152}_w8.pth``: state dicts of reduced-width ResNets built from
  torchvision's own ``ResNet._make_layer``/``BasicBlock``/``Bottleneck`` with stage widths
  8/16/32/64 (instead of 64/128/256/512) and 10 classes, saved by ``torch.save`` in the zip format.
  BatchNorm layers have random affine parameters and running statistics calibrated on random data,
  so they are far from the identity.
* ``resnet18_w8_legacy.pth`` (pre-1.6 format), ``resnet18_w8.safetensors`` (written by hand),
  ``resnet18_w8_f16.pth`` (every float tensor as float16), ``resnet18_w8_strided.pth`` (``fc.weight`` is a
  transposed, non-contiguous view and ``fc.bias`` an offset slice of one shared storage), ``resnet18_w8_checkpoint.pth`` (a training
  checkpoint dict that wraps the state dict).
* ``mixed_dtypes.pth``/``mixed_dtypes_legacy.pth``/``mixed_dtypes.safetensors``: every dtype plus
  scalar, empty, permuted, sliced and expanded (stride 0) tensors; ``tiny_proto4.pth``: saved with
  pickle protocol 4.
* ``input.bin``: a 2x3x64x64 float32 batch; ``resnet*_w8_logits.bin``: torchvision's eval-mode
  logits (2x10 float32) for that batch; ``parity.json`` describes them.
* ``manifest.json``: for every readable fixture, every tensor's dtype, shape, float64 sum, an
  order-sensitive checksum of its values and its first values.
* ``malicious_*.pth``: pickles that would run code when loaded with plain ``torch.load``;
  ``whole_module.pth``: ``torch.save(model)`` instead of its state dict.
* ``truncated_*.pth``, ``lying_*.safetensors``, ``zip_without_pickle.pth``: damaged files.
"""

import builtins
import collections
import json
import math
import os
import struct
import sys
import types
import zipfile

import numpy as np
import torch
import torch.nn as nn
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "ferry-core", "src", "test", "resources", "weights")

# The marker files the malicious pickles would create; the Java tests assert they never appear.
PWNED_ZIP = "/tmp/ferry-pwned-os-system"
PWNED_LEGACY = "/tmp/ferry-pwned-eval"
PWNED_PROTO4 = "/tmp/ferry-pwned-stack-global"

DEPTHS = {
    "resnet18": (BasicBlock, [2, 2, 2, 2]),
    "resnet34": (BasicBlock, [3, 4, 6, 3]),
    "resnet50": (Bottleneck, [3, 4, 6, 3]),
    "resnet101": (Bottleneck, [3, 4, 23, 3]),
    "resnet152": (Bottleneck, [3, 8, 36, 3]),
}
WIDTHS = [8, 16, 32, 64]
NUM_CLASSES = 10
INPUT_SHAPE = [2, 3, 64, 64]


class NarrowResNet(ResNet):
    """torchvision's ResNet with stage widths 8/16/32/64 instead of 64/128/256/512.

    torchvision hard-codes 64 in ``ResNet.__init__``, so this re-states that constructor with the
    narrower widths but builds every stage with torchvision's own ``_make_layer`` and blocks.
    Attribute names are identical, so state-dict keys are exactly torchvision's.
    """

    def __init__(self, block, layers, num_classes):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = WIDTHS[0]
        self.dilation = 1
        self.groups = 1
        # Bottleneck's inner width is planes * base_width / 64; 64 keeps it equal to planes.
        self.base_width = 64
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, WIDTHS[0], layers[0])
        self.layer2 = self._make_layer(block, WIDTHS[1], layers[1], stride=2)
        self.layer3 = self._make_layer(block, WIDTHS[2], layers[2], stride=2)
        self.layer4 = self._make_layer(block, WIDTHS[3], layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(WIDTHS[3] * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")


def build_model(depth):
    block, layers = DEPTHS[depth]
    return randomize_batch_norms(NarrowResNet(block, layers, NUM_CLASSES))


def randomize_batch_norms(model):
    """Random BatchNorm affine parameters and calibrated, perturbed running statistics; eval mode."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0.0, 0.2)
        # Calibrate the running statistics on random data (cumulative average), so eval-mode
        # activations stay in a sane range even 50 blocks deep, then perturb them so they are
        # visibly not what a fresh BatchNorm holds.
        for bn in bns:
            bn.momentum = None
            bn.reset_running_stats()
        model.train()
        for _ in range(3):
            model(torch.randn(4, 3, 64, 64))
        for bn in bns:
            bn.momentum = 0.1
            bn.running_mean.mul_(1.0 + 0.1 * torch.rand_like(bn.running_mean))
            bn.running_var.mul_(1.0 + 0.2 * torch.rand_like(bn.running_var))
            bn.num_batches_tracked.fill_(1234)
    model.eval()
    return model


# ---------------------------------------------------------------------------------------------
# checksums shared with the Java tests


def as_row_major_f32(t):
    """Values in row-major order as float32 (half/bfloat16 widen exactly, like the Java reader)."""
    return t.detach().contiguous().to(torch.float32).numpy().reshape(-1)


def checksum(t):
    """Order-sensitive checksum: sum over i of (i+1)*bits(v_i) modulo 2^64, as 16 hex digits.

    bits() is the float32 bit pattern for floating tensors (after widening to float32) and the
    two's-complement int64 value for integer/bool tensors. Exact, so it catches a single wrong bit
    as well as a permutation (for example a stride bug).
    """
    if t.dtype.is_floating_point:
        bits = as_row_major_f32(t).view(np.uint32).astype(np.uint64)
    else:
        bits = t.detach().contiguous().to(torch.int64).numpy().reshape(-1).view(np.uint64)
    weights = np.arange(1, bits.size + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        total = int((bits * weights).sum(dtype=np.uint64))
    return "%016x" % total


def describe(t, dtype_name):
    if t.dtype.is_floating_point:
        values = as_row_major_f32(t)
        first = [float(v) for v in values[:4]]
        total = math.fsum(float(v) for v in values)
    else:
        values = t.detach().contiguous().to(torch.int64).numpy().reshape(-1)
        first = [int(v) for v in values[:4]]
        total = float(sum(int(v) for v in values))
    return {
        "dtype": dtype_name,
        "shape": list(t.shape),
        "sum": total,
        "checksum": checksum(t),
        "first": first,
    }


TORCH_TO_ST = {
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def manifest_entry(fmt, sd, note=None, nested_key=None):
    entry = {
        "format": fmt,
        "tensors": collections.OrderedDict((k, describe(v, TORCH_TO_ST[v.dtype])) for k, v in sd.items()),
    }
    if nested_key is not None:
        entry["nested_key"] = nested_key
    if note is not None:
        entry["note"] = note
    return entry


def manifest_json(manifest):
    """JSON with one line per tensor: readable in a diff, a fraction of the size of indent=1."""
    compact = dict(separators=(",", ":"))
    files = []
    for name, entry in manifest.items():
        head = ",".join("%s:%s" % (json.dumps(k), json.dumps(v, **compact)) for k, v in entry.items() if k != "tensors")
        rows = ",\n".join("  %s:%s" % (json.dumps(k), json.dumps(v, **compact)) for k, v in entry["tensors"].items())
        files.append(' %s:{%s,"tensors":{\n%s\n }}' % (json.dumps(name), head, rows))
    return "{\n" + ",\n".join(files) + "\n}\n"


# ---------------------------------------------------------------------------------------------
# safetensors, written by hand (the safetensors package is not installed here)


def write_safetensors(path, sd, metadata):
    """Layout of the reference implementation: tensors sorted by (dtype size desc, name),
    header JSON padded with spaces to a multiple of 8 bytes."""
    items = sorted(sd.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))
    header = collections.OrderedDict()
    header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, t in items:
        raw = t.detach().contiguous().view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": TORCH_TO_ST[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)
    return collections.OrderedDict(items)


ST_TO_TORCH = {v: k for k, v in TORCH_TO_ST.items()}


def read_safetensors(path):
    """Minimal reader, only for the self-check at the end of main()."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    header.pop("__metadata__", None)
    out = collections.OrderedDict()
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = ST_TO_TORCH[info["dtype"]]
        raw = bytearray(data[8 + n + begin : 8 + n + end])
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.zeros(0, dtype=dtype)
        out[name] = flat.reshape(info["shape"])
    return out


# ---------------------------------------------------------------------------------------------
# malicious payloads


class OsSystemPayload:
    def __reduce__(self):
        return (os.system, ("touch " + PWNED_ZIP,))


class EvalPayload:
    def __reduce__(self):
        return (builtins.eval, ("__import__('os').system('touch %s')" % PWNED_LEGACY,))


class StackGlobalPayload:
    def __reduce__(self):
        return (os.system, ("touch " + PWNED_PROTO4,))


def unknown_global_payload():
    # A global that resolves at save time but names a module nobody has: the reader must refuse it
    # because it is not on the allow-list, not because it cannot import it.
    module = types.ModuleType("ferry_fixture_plugins")

    class Gadget:
        def __init__(self, value):
            self.value = value

    Gadget.__module__ = "ferry_fixture_plugins"
    Gadget.__qualname__ = "Gadget"
    module.Gadget = Gadget
    sys.modules["ferry_fixture_plugins"] = module
    return Gadget(42)


def save(obj, name, **kwargs):
    path = os.path.join(OUT, name)
    torch.save(obj, path, **kwargs)
    return path


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    for stale in os.listdir(OUT):
        os.remove(os.path.join(OUT, stale))
    manifest = collections.OrderedDict()

    torch.manual_seed(20240611)
    x = torch.randn(*INPUT_SHAPE, dtype=torch.float32)
    with open(os.path.join(OUT, "input.bin"), "wb") as f:
        f.write(x.numpy().astype("<f4").tobytes())
    parity = collections.OrderedDict()
    parity["input"] = {"file": "input.bin", "dtype": "float32", "shape": INPUT_SHAPE}
    parity["stem_channels"] = WIDTHS[0]
    parity["widths"] = WIDTHS
    parity["num_classes"] = NUM_CLASSES
    parity["mode"] = "eval"
    parity["models"] = collections.OrderedDict()

    state_dicts = {}
    for i, depth in enumerate(DEPTHS):
        torch.manual_seed(1000 + i)
        model = build_model(depth)
        sd = model.state_dict()
        state_dicts[depth] = sd
        weights = "%s_w8.pth" % depth
        save(sd, weights)
        with torch.no_grad():
            logits = model(x)
        logits_file = "%s_w8_logits.bin" % depth
        with open(os.path.join(OUT, logits_file), "wb") as f:
            f.write(logits.numpy().astype("<f4").tobytes())
        block, layers = DEPTHS[depth]
        parity["models"][depth] = collections.OrderedDict(
            [
                ("weights", weights),
                ("block", block.__name__),
                ("expansion", block.expansion),
                ("layers", layers),
                ("fc_in_features", WIDTHS[3] * block.expansion),
                ("logits", logits_file),
                ("logits_shape", list(logits.shape)),
                ("first_logits", [float(v) for v in logits.reshape(-1)[:4]]),
            ]
        )
        manifest[weights] = manifest_entry("TORCH_ZIP", sd)

    sd18 = state_dicts["resnet18"]
    save(sd18, "resnet18_w8_legacy.pth", _use_new_zipfile_serialization=False)
    manifest["resnet18_w8_legacy.pth"] = manifest_entry("TORCH_LEGACY", sd18)

    st18 = write_safetensors(os.path.join(OUT, "resnet18_w8.safetensors"), sd18, {"format": "pt", "source": "make_weight_fixtures.py"})
    manifest["resnet18_w8.safetensors"] = manifest_entry("SAFETENSORS", st18)

    sd16 = collections.OrderedDict((k, v.half() if v.dtype.is_floating_point else v) for k, v in sd18.items())
    save(sd16, "resnet18_w8_f16.pth")
    manifest["resnet18_w8_f16.pth"] = manifest_entry("TORCH_ZIP", sd16)

    # Two tensors that view one storage: fc.weight is the transpose of a contiguous 64x10 buffer
    # (strides (1, 10)), and fc.bias is a strided slice of that same buffer with a storage offset.
    sd_strided = collections.OrderedDict(sd18)
    base = sd18["fc.weight"].t().contiguous().clone()  # 64x10, contiguous
    sd_strided["fc.weight"] = base.t()  # 10x64 view, strides (1, 10)
    assert not sd_strided["fc.weight"].is_contiguous()
    sd_strided["fc.bias"] = base[3, :]  # 10 values at storage offset 30
    assert sd_strided["fc.bias"].storage_offset() == 30
    save(sd_strided, "resnet18_w8_strided.pth")
    manifest["resnet18_w8_strided.pth"] = manifest_entry("TORCH_ZIP", sd_strided)

    checkpoint = collections.OrderedDict()
    checkpoint["epoch"] = 3
    checkpoint["arch"] = "resnet18"
    checkpoint["best_acc1"] = 0.4375
    checkpoint["state_dict"] = sd18
    checkpoint["optimizer"] = {
        "state": {},
        "param_groups": [{"lr": 0.1, "momentum": 0.9, "nesterov": False, "params": list(range(len(sd18)))}],
    }
    save(checkpoint, "resnet18_w8_checkpoint.pth")
    manifest["resnet18_w8_checkpoint.pth"] = manifest_entry("TORCH_ZIP", sd18, nested_key="state_dict")

    torch.manual_seed(7)
    big = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) / 8.0 - 1.0
    mixed = collections.OrderedDict()
    mixed["f32"] = torch.randn(3, 5)
    mixed["f16"] = torch.randn(4, 3).half()
    mixed["bf16"] = torch.randn(2, 7).bfloat16()
    mixed["f64"] = torch.randn(5).double()
    mixed["i64"] = torch.tensor([[-3, 0, 7], [2**40, -(2**50), 1]], dtype=torch.int64)
    mixed["i32"] = torch.tensor([-2**31, 5, 2**31 - 1], dtype=torch.int32)
    mixed["u8"] = torch.tensor([0, 17, 255], dtype=torch.uint8)
    mixed["bool"] = torch.tensor([True, False, True])
    mixed["scalar"] = torch.tensor(2.5)
    mixed["empty"] = torch.zeros(0, 4)
    mixed["permuted"] = big.permute(2, 0, 1)  # 4x2x3, strides (1, 12, 4)
    mixed["sliced"] = big[:, 1:, ::2]  # 2x2x2 at offset 4, strides (12, 4, 2)
    mixed["expanded"] = torch.tensor([1.5, -2.0, 0.25]).expand(2, 3)  # stride 0 on dim 0
    save(mixed, "mixed_dtypes.pth")
    manifest["mixed_dtypes.pth"] = manifest_entry("TORCH_ZIP", mixed)
    save(mixed, "mixed_dtypes_legacy.pth", _use_new_zipfile_serialization=False)
    manifest["mixed_dtypes_legacy.pth"] = manifest_entry("TORCH_LEGACY", mixed)
    mixed_st = collections.OrderedDict((k, v.contiguous()) for k, v in mixed.items())
    mixed_st = write_safetensors(os.path.join(OUT, "mixed_dtypes.safetensors"), mixed_st, {"format": "pt"})
    manifest["mixed_dtypes.safetensors"] = manifest_entry("SAFETENSORS", mixed_st)

    tiny = collections.OrderedDict([("weight", torch.randn(2, 3)), ("steps", torch.tensor(9))])
    save(tiny, "tiny_proto4.pth", pickle_protocol=4)
    manifest["tiny_proto4.pth"] = manifest_entry("TORCH_ZIP", tiny)

    # Code-execution attempts. Plain torch.load would run them; the reader must refuse at GLOBAL.
    save(collections.OrderedDict([("conv.weight", torch.ones(2, 2)), ("evil", OsSystemPayload())]), "malicious_os_system.pth")
    save(collections.OrderedDict([("conv.weight", torch.ones(2, 2)), ("evil", EvalPayload())]), "malicious_eval_legacy.pth", _use_new_zipfile_serialization=False)
    save(collections.OrderedDict([("conv.weight", torch.ones(2, 2)), ("evil", StackGlobalPayload())]), "malicious_stack_global.pth", pickle_protocol=4)
    save(collections.OrderedDict([("conv.weight", torch.ones(2, 2)), ("gadget", unknown_global_payload())]), "malicious_unknown_global.pth")
    # A whole pickled model (torch.save(model)) instead of its state dict.
    torch.manual_seed(3)
    save(nn.Linear(2, 2), "whole_module.pth")

    # Damaged files.
    for source, target in (("resnet18_w8.pth", "truncated_zip.pth"), ("resnet18_w8_legacy.pth", "truncated_legacy.pth")):
        with open(os.path.join(OUT, source), "rb") as f:
            data = f.read()
        with open(os.path.join(OUT, target), "wb") as f:
            f.write(data[: len(data) // 2])
    # Header length says 1 MiB, the file is much smaller.
    small = collections.OrderedDict([("w", torch.arange(6, dtype=torch.float32).reshape(2, 3))])
    lying = os.path.join(OUT, "lying_header_length.safetensors")
    write_safetensors(lying, small, {})
    with open(lying, "r+b") as f:
        f.write(struct.pack("<Q", 1 << 20))
    # Offsets claim 2x3 float32 (24 bytes) but point past the end of the data.
    header = json.dumps({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [16, 40]}}).encode()
    header += b" " * ((8 - len(header) % 8) % 8)
    with open(os.path.join(OUT, "lying_offsets.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + bytes(24))
    # A zip archive without data.pkl.
    with zipfile.ZipFile(os.path.join(OUT, "zip_without_pickle.pth"), "w") as z:
        # Fixed timestamps keep the archive byte-identical between runs.
        z.writestr(zipfile.ZipInfo("archive/version", date_time=(1980, 1, 1, 0, 0, 0)), "3\n")
        z.writestr(zipfile.ZipInfo("archive/data/0", date_time=(1980, 1, 1, 0, 0, 0)), bytes(16))

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        f.write(manifest_json(manifest))
    with open(os.path.join(OUT, "parity.json"), "w") as f:
        json.dump(parity, f, indent=1)
        f.write("\n")

    # Sanity: every readable fixture loads back with torch and matches the manifest.
    for name, entry in manifest.items():
        if entry["format"] == "SAFETENSORS":
            loaded = read_safetensors(os.path.join(OUT, name))
        else:
            loaded = torch.load(os.path.join(OUT, name))
        if "nested_key" in entry:
            loaded = loaded[entry["nested_key"]]
        assert list(loaded.keys()) == list(entry["tensors"].keys()), name
        for key, want in entry["tensors"].items():
            assert describe(loaded[key], want["dtype"])["checksum"] == want["checksum"], (name, key)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print("wrote %d files, %.1f MB, to %s" % (len(os.listdir(OUT)), total / 1e6, OUT))


if __name__ == "__main__":
    main()
