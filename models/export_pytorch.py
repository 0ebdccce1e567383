#!/usr/bin/python3
"""Export a few small, freshly initialised PyTorch models to ONNX, with reference data.

Run from the repository root with Debian's Python and packages only
(python3-torch, python3-onnx, python3-numpy); no network, no pretrained weights:

    /usr/bin/python3 models/export_pytorch.py

For every model it writes models/pytorch/fresh-<name>/:

    model.onnx                  torch.onnx.export at ONNX opset OPSET
    test_data_set_0/input_N.pb  seeded random inputs (onnx TensorProto, named after the graph input)
    test_data_set_0/output_N.pb torch's own forward pass on those inputs (model(x) under no_grad),
                                never onnxruntime's
    manifest.json               the onnx-workbench manifest (src/models/manifest.ts)
    provenance.json             versions, opset, seed, command, date

Weights come from torch.manual_seed(SEED) right before each model is built, so the models do not
depend on one another. The export is deterministic: re-running gives the same bytes for model.onnx
and the test data (provenance.json keeps its date while the model bytes are unchanged).

As a self-check only (nothing from it is stored), each exported model is run with the ONNX
reference evaluator (onnx >= 1.13) and/or the onnxruntime Python package when either is
importable, and the largest absolute difference to torch's output is printed; otherwise the
check is reported as skipped.
"""
import datetime
import hashlib
import json
import os
import platform
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper
import torch
from torch import nn

SEED = 0
WANTED_OPSET = 17
TOLERANCE = {"atol": 1e-4, "rtol": 1e-3}

HERE = os.path.dirname(os.path.abspath(__file__))  # models/
REPO = os.path.dirname(HERE)
OUT_ROOT = os.path.join(HERE, "pytorch")
SCRIPT_REL = "models/export_pytorch.py"
COMMAND = "cd <repository root> && /usr/bin/python3 models/export_pytorch.py"


def max_supported_opset():
    try:
        from torch.onnx import _constants
        return int(_constants.ONNX_MAX_OPSET)
    except (ImportError, AttributeError):
        from torch.onnx import symbolic_helper
        return int(symbolic_helper._onnx_main_opset)


OPSET = min(WANTED_OPSET, max_supported_opset())


def debian_torch_version():
    """The apt package version (torch.__version__ of Debian's build reads 1.13.0a0)."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip() or None
    except (OSError, subprocess.CalledProcessError):
        return None


# --------------------------------------------------------------------------------------------
# Models


class SmallCnnBn(nn.Module):
    """Conv-BN-ReLU-MaxPool x2, then Linear-BN1d-ReLU-Linear. Input [N,3,32,32] -> [N,10]."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, kernel_size=3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 8 * 8, 32),
            nn.BatchNorm1d(32),  # not adjacent to a Conv, so it stays a BatchNormalization node
            nn.ReLU(),
            nn.Linear(32, 10),
        )

    def forward(self, x):
        return self.head(self.features(x))


def build_cnn_bn():
    model = SmallCnnBn()
    # Non-trivial BatchNorm: random affine parameters, and running statistics gathered from a few
    # training-mode forward passes over shifted/scaled data (no optimiser step, weights unchanged).
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
        model.train()
        for _ in range(5):
            model(torch.randn(16, 3, 32, 32) * 2.0 + 0.5)
    model.eval()
    return model


class GruHead(nn.Module):
    """2-layer GRU over [batch, seq, feat] with a Linear on every step. [2,10,16] -> [2,10,8]."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(input_size=16, hidden_size=32, num_layers=2, batch_first=True)
        self.proj = nn.Linear(32, 8)

    def forward(self, x):
        y, _ = self.gru(x)
        return self.proj(y)


def build_gru():
    return GruHead().eval()


class TransformerBlock(nn.Module):
    """One pre-norm transformer encoder block (MHA + LayerNorm + GELU MLP), [batch, 12, 32]."""

    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(
            d_model=32, nhead=4, dim_feedforward=64, dropout=0.0,
            activation="gelu", batch_first=True, norm_first=True)

    def forward(self, x):
        return self.layer(x)


def build_transformer_block():
    model = TransformerBlock()
    with torch.no_grad():  # LayerNorm defaults to weight 1 / bias 0; make it non-trivial
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return model.eval()


MODELS = [
    {
        "name": "cnn-bn",
        "build": build_cnn_bn,
        "shape": (2, 3, 32, 32),
        "dynamic_axes": None,
        "description": "small CNN: Conv2d+BatchNorm2d+ReLU+MaxPool2d x2, Linear+BatchNorm1d+ReLU+Linear; "
                       "BatchNorm in eval mode with running statistics from 5 training-mode batches; fixed batch 2",
    },
    {
        "name": "gru",
        "build": build_gru,
        "shape": (2, 10, 16),
        "dynamic_axes": None,
        "description": "2-layer GRU (input 16, hidden 32, batch_first) + Linear(32, 8) on every step; fixed shape",
    },
    {
        "name": "transformer-block",
        "build": build_transformer_block,
        "shape": (2, 12, 32),
        "dynamic_axes": {"input": {0: "batch"}, "output": {0: "batch"}},
        "description": "nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, dropout=0, gelu, "
                       "batch_first, norm_first); dynamic batch axis 'batch', reference data at batch 2",
        "referenceNote": "; in no_grad eval mode torch runs its fused CPU kernel aten::_transformer_encoder_layer_fwd, "
                         "while the export traces the unfused layer",
    },
]


# --------------------------------------------------------------------------------------------
# Helpers


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def dims_of(value_info):
    dims = []
    for d in value_info.type.tensor_type.shape.dim:
        dims.append(d.dim_param if d.HasField("dim_param") else d.dim_value)
    return dims


def self_check(model_path, feeds, expected):
    """Run the exported model with whatever ONNX runtimes Python has; print the max abs diff."""
    ran = False
    try:
        from onnx.reference import ReferenceEvaluator  # onnx >= 1.13
    except ImportError:
        ReferenceEvaluator = None
    if ReferenceEvaluator is not None:
        got = ReferenceEvaluator(model_path).run(None, feeds)
        for name, want, have in zip(expected.keys(), expected.values(), got):
            print(f"    self-check onnx.reference: {name} max|diff| = {np.max(np.abs(have - want)):.3e}")
        ran = True
    try:
        import onnxruntime  # not a Debian package; used only when present
    except ImportError:
        onnxruntime = None
    if onnxruntime is not None:
        sess = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        got = sess.run(None, feeds)
        for name, want, have in zip(expected.keys(), expected.values(), got):
            print(f"    self-check onnxruntime {onnxruntime.__version__}: {name} max|diff| = "
                  f"{np.max(np.abs(have - want)):.3e}")
        ran = True
    if not ran:
        print(f"    self-check skipped: onnx {onnx.__version__} has no onnx.reference.ReferenceEvaluator "
              "and the onnxruntime Python package is not installed")


# --------------------------------------------------------------------------------------------
# Export


def export_one(spec, versions):
    name = spec["name"]
    folder = os.path.join(OUT_ROOT, f"fresh-{name}")
    data_dir = os.path.join(folder, "test_data_set_0")
    os.makedirs(data_dir, exist_ok=True)
    model_path = os.path.join(folder, "model.onnx")

    torch.manual_seed(SEED)
    model = spec["build"]()
    model.eval()

    # Inputs from their own generator so they do not depend on how many numbers the build drew.
    gen = torch.Generator().manual_seed(SEED + 1)
    x = torch.randn(*spec["shape"], generator=gen, dtype=torch.float32)

    with torch.no_grad():
        y = model(x)

    # Not under no_grad: with grad enabled nn.TransformerEncoderLayer skips its fused inference
    # kernel (aten::_transformer_encoder_layer_fwd), which torch 1.13 cannot export.
    torch.onnx.export(
        model, (x,), model_path,
        export_params=True,
        opset_version=OPSET,
        do_constant_folding=True,
        input_names=["input"],
        output_names=["output"],
        dynamic_axes=spec["dynamic_axes"],
    )

    proto = onnx.load(model_path)
    onnx.checker.check_model(proto, full_check=True)
    if proto.producer_name != "pytorch":
        raise SystemExit(f"{model_path}: producer_name is {proto.producer_name!r}, expected 'pytorch'")
    opsets = {o.domain or "ai.onnx": o.version for o in proto.opset_import}
    graph_inputs = [i for i in proto.graph.input if i.name not in {t.name for t in proto.graph.initializer}]
    graph_outputs = list(proto.graph.output)
    assert [i.name for i in graph_inputs] == ["input"], [i.name for i in graph_inputs]
    assert [o.name for o in graph_outputs] == ["output"], [o.name for o in graph_outputs]

    inputs = {"input": x.numpy().astype(np.float32)}
    outputs = {"output": y.numpy().astype(np.float32)}
    written = [model_path]
    for i, (n, arr) in enumerate(inputs.items()):
        p = os.path.join(data_dir, f"input_{i}.pb")
        write_bytes(p, numpy_helper.from_array(arr, name=n).SerializeToString())
        written.append(p)
    for i, (n, arr) in enumerate(outputs.items()):
        p = os.path.join(data_dir, f"output_{i}.pb")
        write_bytes(p, numpy_helper.from_array(arr, name=n).SerializeToString())
        written.append(p)

    sha = sha256_file(model_path)
    size = os.path.getsize(model_path)
    if size >= 2 * 1024 * 1024:
        raise SystemExit(f"{model_path}: {size} bytes, over the 2 MB budget")
    op_types = sorted({n.op_type for n in proto.graph.node})

    torch_desc = f"PyTorch {versions['torchRelease']}"
    if versions["torchDebianPackage"]:
        torch_desc += (f" (Debian python3-torch {versions['torchDebianPackage']}, "
                       f"torch.__version__ {versions['torch']})")
    exporter = f"torch.onnx.export (PyTorch {versions['torchRelease']}, opset {OPSET})"
    manifest = {
        "id": f"pytorch/fresh-{name}",
        "framework": "pytorch",
        "exporter": exporter,
        "expectedProducer": "pytorch",
        "file": "model.onnx",
        "sha256": sha,
        "source": {
            "repository": "onnx-workbench (this repository)",
            "commit": "generated",
            "path": SCRIPT_REL,
        },
        "licence": "MIT",
        "reference": {
            "kind": "exporter",
            "format": "test_data_set",
            "path": "test_data_set_0",
            "note": f"outputs from torch {versions['torchRelease']} forward pass (model(x) under torch.no_grad(), "
                    "eval mode)" + spec.get("referenceNote", ""),
        },
        "tolerance": dict(TOLERANCE),
        "expected": {"status": "pass"},
        "notes": (
            f"{spec['description']}. Randomly initialised with torch.manual_seed({SEED}); inputs from "
            f"torch.Generator().manual_seed({SEED + 1}). Exported with {torch_desc}, ONNX opset {OPSET}, "
            f"onnx {versions['onnx']}, numpy {versions['numpy']}, Python {versions['python']}. "
            f"Regenerate: {COMMAND}"
        ),
    }
    write_json(os.path.join(folder, "manifest.json"), manifest)
    written.append(os.path.join(folder, "manifest.json"))

    data_hashes = {os.path.relpath(p, folder): sha256_file(p) for p in written[1:] if p.endswith(".pb")}
    prov_path = os.path.join(folder, "provenance.json")
    date = os.environ.get("SOURCE_DATE_EPOCH")
    date = (datetime.datetime.fromtimestamp(int(date), datetime.timezone.utc) if date
            else datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%d")
    try:  # keep the old date while nothing it describes changed, so re-runs are byte-identical
        with open(prov_path, encoding="utf-8") as f:
            old = json.load(f)
        if old.get("modelSha256") == sha and old.get("testDataSha256") == data_hashes:
            date = old.get("date", date)
    except (OSError, ValueError):
        pass
    # The manifest says which exporter version made the file and when (refresh shows both).
    manifest = {k: v for item in manifest.items() for k, v in
                ([item, ("provenance", {"exporterVersion": versions["torchRelease"], "exported": date})]
                 if item[0] == "source" else [item])}
    write_json(os.path.join(folder, "manifest.json"), manifest)
    provenance = {
        "id": manifest["id"],
        "script": SCRIPT_REL,
        "command": COMMAND,
        "date": date,
        "torch": versions["torch"],
        "torchDebianPackage": versions["torchDebianPackage"],
        "torchRelease": versions["torchRelease"],
        "onnx": versions["onnx"],
        "numpy": versions["numpy"],
        "python": versions["python"],
        "pythonExecutable": sys.executable,
        "platform": versions["platform"],
        "opset": OPSET,
        "opsetImport": opsets,
        "seed": {"weights": f"torch.manual_seed({SEED})", "inputs": f"torch.Generator().manual_seed({SEED + 1})"},
        "torchThreads": torch.get_num_threads(),
        "description": spec["description"],
        "exportArgs": {
            "opset_version": OPSET,
            "do_constant_folding": True,
            "input_names": ["input"],
            "output_names": ["output"],
            "dynamic_axes": spec["dynamic_axes"],
        },
        "producer": {"name": proto.producer_name, "version": proto.producer_version},
        "inputs": {i.name: dims_of(i) for i in graph_inputs},
        "outputs": {o.name: dims_of(o) for o in graph_outputs},
        "referenceShapes": {**{k: list(v.shape) for k, v in inputs.items()},
                            **{k: list(v.shape) for k, v in outputs.items()}},
        "opTypes": op_types,
        "modelBytes": size,
        "modelSha256": sha,
        "testDataSha256": data_hashes,
    }
    write_json(prov_path, provenance)
    written.append(prov_path)

    print(f"{manifest['id']}: producer {proto.producer_name} {proto.producer_version}, opset {opsets}, "
          f"{size} bytes, sha256 {sha}")
    print(f"    input  {[(i.name, dims_of(i)) for i in graph_inputs]} reference {list(x.shape)}")
    print(f"    output {[(o.name, dims_of(o)) for o in graph_outputs]} reference {list(y.shape)}")
    print(f"    ops    {', '.join(op_types)}")
    for p in written:
        print(f"    wrote  {os.path.relpath(p, REPO)}")
    self_check(model_path, inputs, outputs)


def main():
    torch.set_num_threads(1)  # single-threaded CPU kernels: reproducible float results
    torch.use_deterministic_algorithms(True)
    versions = {
        "torch": torch.__version__,
        "torchDebianPackage": debian_torch_version(),
        "torchRelease": None,
        "onnx": onnx.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
    }
    # Debian's build reports torch.__version__ 1.13.0a0 for the 1.13.1 release; name the release.
    deb = versions["torchDebianPackage"]
    versions["torchRelease"] = deb.split(":")[-1].split("+")[0].split("-")[0] if deb else versions["torch"]
    print(f"torch {versions['torch']} (Debian python3-torch {versions['torchDebianPackage']}), "
          f"onnx {versions['onnx']}, numpy {versions['numpy']}, Python {versions['python']}; "
          f"opset {OPSET} (torch supports up to {max_supported_opset()})")
    os.makedirs(OUT_ROOT, exist_ok=True)
    for spec in MODELS:
        export_one(spec, versions)


if __name__ == "__main__":
    main()
