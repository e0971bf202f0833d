#!/usr/bin/python3
"""The modular-addition epoch of conf/modular-addition in plain PyTorch, for BENCHMARKS.md.

One full-batch training step on the 2,822 training pairs (forward at every position, float64
cross-entropy at the last, backward, AdamW) plus one evaluation of the 6,587 test pairs, the way
the reference notebook does it. Prints the median over the timed epochs as one JSON line.

    /usr/bin/python3 scripts/pytorch_modular_epoch.py [--threads 2] [--epochs 100] [--warmup 30]
        [--device cpu|cuda] [--cuda-graph] [--models K] [--check]
(Debian's python3-torch is importable only by /usr/bin/python3.)

--device cuda times each epoch between two torch.cuda.synchronize() calls.
--cuda-graph captures the whole epoch (forward, loss, backward, evaluation, AdamW with capturable=True)
  in one CUDA graph after three eager warm-up epochs on a side stream, and replays it once per epoch.
--models K trains K copies of the model (each initialised by the next draws of the same generator, so
  copy 0 is the model the plain script trains) in one batched pass: every parameter stacked as
  [K, ...], every product batched over the model dimension, the K losses summed, one AdamW over the
  stacked parameters (AdamW and its weight decay are elementwise, so each copy sees its own update).
--check trains each of the K copies alone, eagerly, and then all K batched (with --cuda-graph: also
  copy 0 alone in a graph), for warm-up + timed epochs, and compares the train and test losses of
  every epoch; prints one JSON line and exits 1 when they differ by more than float32 rounding.
Works on PyTorch 1.13 and 2.x.
"""
import argparse
import copy
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

p, d, heads, d_mlp, frac = 97, 128, 4, 512, 0.3
hs = d // heads
# Eager warm-up epochs on a side stream before a capture (PyTorch's CUDA-graphs notes use 3).
GRAPH_WARMUP = 3
# --check: largest relative difference of a loss allowed between a copy trained alone and batched;
# float32 products summed in another order drift by ~1e-6 per epoch.
CHECK_RTOL = 1e-4


class OneLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Parameter(torch.randn(p + 1, d) / d ** 0.5)
        self.wpe = nn.Parameter(torch.randn(3, d) / d ** 0.5)
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.proj = nn.Linear(d, d, bias=False)
        self.fc = nn.Linear(d, d_mlp)
        self.fc_proj = nn.Linear(d_mlp, d)
        self.unembed = nn.Linear(d, p, bias=False)
        self.register_buffer("mask", torch.tril(torch.ones(3, 3, dtype=torch.bool)))

    def forward(self, tokens):
        B, T = tokens.shape
        x = self.wte[tokens] + self.wpe
        q, k, v = self.qkv(x).split(d, dim=-1)
        q, k, v = (t.view(B, T, heads, hs).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-1, -2)) / hs ** 0.5
        att = att.masked_fill(~self.mask[:T, :T], float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, d)
        x = x + self.proj(y)
        x = x + self.fc_proj(F.relu(self.fc(x)))
        return self.unembed(x)


class Stacked(nn.Module):
    """K OneLayer models as one: parameter [k] is models[k]'s, every product batched over k."""

    def __init__(self, models):
        super().__init__()

        def stack(get):
            return nn.Parameter(torch.stack([get(m).detach() for m in models]))

        self.wte = stack(lambda m: m.wte)                      # [K, p+1, d]
        self.wpe = stack(lambda m: m.wpe)                      # [K, 3, d]
        self.qkv = stack(lambda m: m.qkv.weight)               # [K, 3d, d]
        self.proj = stack(lambda m: m.proj.weight)             # [K, d, d]
        self.fc = stack(lambda m: m.fc.weight)                 # [K, d_mlp, d]
        self.fc_bias = stack(lambda m: m.fc.bias)              # [K, d_mlp]
        self.fc_proj = stack(lambda m: m.fc_proj.weight)       # [K, d, d_mlp]
        self.fc_proj_bias = stack(lambda m: m.fc_proj.bias)    # [K, d]
        self.unembed = stack(lambda m: m.unembed.weight)       # [K, p, d]
        self.register_buffer("mask", torch.tril(torch.ones(3, 3, dtype=torch.bool)))

    def forward(self, tokens):
        # tokens [B, T], the same for every model
        K = self.wte.shape[0]
        B, T = tokens.shape
        x = (self.wte[:, tokens] + self.wpe[:, None, :T]).reshape(K, B * T, d)   # [K, B*T, d]
        q, k, v = torch.bmm(x, self.qkv.transpose(1, 2)).split(d, dim=-1)      # [K, B*T, d] each
        q, k, v = (t.view(K, B, T, heads, hs).transpose(2, 3) for t in (q, k, v))  # [K, B, heads, T, hs]
        att = (q @ k.transpose(-1, -2)) / hs ** 0.5                             # [K, B, heads, T, T]
        att = att.masked_fill(~self.mask[:T, :T], float("-inf")).softmax(-1)
        y = (att @ v).transpose(2, 3).reshape(K, B * T, d)                      # [K, B*T, d]
        x = x + torch.bmm(y, self.proj.transpose(1, 2))                         # [K, B*T, d]
        h = F.relu(torch.baddbmm(self.fc_bias[:, None], x, self.fc.transpose(1, 2)))  # [K, B*T, d_mlp]
        x = x + torch.baddbmm(self.fc_proj_bias[:, None], h, self.fc_proj.transpose(1, 2))  # [K, B*T, d]
        return torch.bmm(x, self.unembed.transpose(1, 2)).view(K, B, T, p)     # [K, B, T, p]


def plain_loss(model, tokens, labels):
    """The mean float64 cross-entropy at the last position: a scalar."""
    return F.cross_entropy(model(tokens)[:, -1].double(), labels)


def stacked_loss(model, tokens, labels):
    """Each model's mean float64 cross-entropy at the last position: [K]."""
    logits = model(tokens)[:, :, -1].double()                                   # [K, B, p]
    K, B, _ = logits.shape
    per_pair = F.cross_entropy(logits.reshape(K * B, p), labels.repeat(K), reduction="none")  # [K*B]
    return per_pair.view(K, B).mean(dim=1)                                      # [K]


def setup(models, device):
    """Seed 0, the shuffled pairs split 30/70, then `models` fresh models from the same generator."""
    torch.manual_seed(0)
    pairs = torch.cartesian_prod(torch.arange(p), torch.arange(p))
    pairs = pairs[torch.randperm(len(pairs))]
    data = torch.cat([pairs, torch.full((len(pairs), 1), p)], dim=1)
    labels = (pairs[:, 0] + pairs[:, 1]) % p
    n = int(frac * len(pairs))
    train = (data[:n].to(device), labels[:n].to(device))
    test = (data[n:].to(device), labels[n:].to(device))
    return train, test, [OneLayer() for _ in range(models)]


def adamw(model, graph):
    # capturable keeps AdamW's step count and bias corrections on the device, as a graph needs
    kw = {"capturable": True} if graph else {}
    return torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98), **kw)


def train(model, loss_fn, train_set, test_set, device, graph, warmup, epochs, record):
    """Trains warmup + epochs epochs; returns the timed epochs' milliseconds and, when record is set,
    every epoch's (train loss, test loss) as CPU tensors."""
    opt = adamw(model, graph)
    cuda = device.type == "cuda"
    losses = []

    def body(no_grad):
        # forward at every position, loss at the last, backward, evaluation before the update, AdamW
        loss = loss_fn(model, *train_set)
        (loss if loss.dim() == 0 else loss.sum()).backward()
        with (torch.no_grad() if no_grad else torch.inference_mode()):
            test_loss = loss_fn(model, *test_set)
        opt.step()
        return loss.detach(), test_loss

    times = []
    if not graph:
        for epoch in range(warmup + epochs):
            if cuda:
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            result = body(no_grad=False)
            opt.zero_grad()
            if cuda:
                torch.cuda.synchronize()
            if epoch >= warmup:
                times.append((time.perf_counter() - t0) * 1e3)
            if record:
                losses.append(tuple(t.detach().cpu().clone() for t in result))
        return times, losses

    # Warm up on a side stream (the optimizer's state is created here), then capture one epoch.
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(GRAPH_WARMUP):
            opt.zero_grad(set_to_none=True)
            result = body(no_grad=True)
            if record:
                losses.append(tuple(t.detach().cpu().clone() for t in result))
    torch.cuda.current_stream().wait_stream(side)
    g = torch.cuda.CUDAGraph()
    # gradients allocated inside the capture come from the graph's pool; each replay rewrites them
    opt.zero_grad(set_to_none=True)
    with torch.cuda.graph(g):
        static_loss, static_test_loss = body(no_grad=True)
    for epoch in range(GRAPH_WARMUP, warmup + epochs):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        g.replay()
        torch.cuda.synchronize()
        if epoch >= warmup:
            times.append((time.perf_counter() - t0) * 1e3)
        if record:
            losses.append((static_loss.cpu().clone(), static_test_loss.cpu().clone()))
    return times, losses


def fail(message):
    print("error: " + message, file=sys.stderr)
    sys.exit(2)


def max_rel_diff(a, b):
    return ((a - b).abs() / b.abs()).max().item()


def check(a, device):
    """Each copy alone and eager against all copies batched (and copy 0 alone in a graph)."""
    K = a.models or 1
    train_set, test_set, models = setup(K, device)
    alone = []  # per copy: [epochs, 2] (train, test)
    for m in models:
        _, losses = train(copy.deepcopy(m).to(device), plain_loss, train_set, test_set, device, False,
                          a.warmup, a.epochs, record=True)
        alone.append(torch.stack([torch.stack(e) for e in losses]))
    alone = torch.stack(alone, dim=1)                                           # [epochs, K, 2]
    _, losses = train(Stacked(models).to(device), stacked_loss, train_set, test_set, device, a.cuda_graph,
                      a.warmup, a.epochs, record=True)
    batched = torch.stack([torch.stack(e, dim=-1) for e in losses])             # [epochs, K, 2]
    out = {"check": "batched-vs-alone", "framework": "pytorch " + torch.__version__, "device": device.type,
           "graph": a.cuda_graph, "models": K, "epochs": a.warmup + a.epochs,
           "train_loss_first": alone[0, :, 0].tolist(), "train_loss_last_alone": alone[-1, :, 0].tolist(),
           "train_loss_last_batched": batched[-1, :, 0].tolist(),
           "max_rel_diff_train": max_rel_diff(batched[..., 0], alone[..., 0]),
           "max_rel_diff_test": max_rel_diff(batched[..., 1], alone[..., 1]), "rtol": CHECK_RTOL}
    worst = max(out["max_rel_diff_train"], out["max_rel_diff_test"])
    if a.cuda_graph:
        _, losses = train(copy.deepcopy(models[0]).to(device), plain_loss, train_set, test_set, device, True,
                          a.warmup, a.epochs, record=True)
        graphed = torch.stack([torch.stack(e) for e in losses])                 # [epochs, 2]
        out["max_rel_diff_graph_alone"] = max_rel_diff(graphed, alone[:, 0])
        worst = max(worst, out["max_rel_diff_graph_alone"])
    # the losses must also move, or equal trajectories prove nothing
    out["ok"] = worst <= CHECK_RTOL and bool((alone[-1, :, 0] < alone[0, :, 0]).all())
    print(json.dumps(out))
    return 0 if out["ok"] else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--cuda-graph", action="store_true")
    ap.add_argument("--models", type=int, default=None, help="K models trained together, batched")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if (a.device == "cuda" or a.cuda_graph) and not torch.cuda.is_available():
        fail("--%s needs CUDA, and this PyTorch %s has none (torch.cuda.is_available() is false)"
             % ("cuda-graph" if a.cuda_graph else "device cuda", torch.__version__))
    if a.cuda_graph and a.device != "cuda":
        fail("--cuda-graph needs --device cuda")
    if a.cuda_graph and a.warmup < GRAPH_WARMUP:
        fail("--warmup: --cuda-graph needs at least %d warm-up epochs, got %d" % (GRAPH_WARMUP, a.warmup))
    if a.models is not None and a.models < 1:
        fail("--models: must be at least 1, got %d" % a.models)
    if a.epochs < 1 or a.warmup < 0:
        fail("--epochs must be at least 1 and --warmup at least 0")
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    if a.check:
        sys.exit(check(a, device))
    K = a.models or 1
    train_set, test_set, models = setup(K, device)
    if a.models is None:
        model, loss_fn = models[0].to(device), plain_loss
    else:
        model, loss_fn = Stacked(models).to(device), stacked_loss
    times, _ = train(model, loss_fn, train_set, test_set, device, a.cuda_graph, a.warmup, a.epochs, record=False)
    ms = statistics.median(times)
    out = {"bench": "modular-addition", "framework": "pytorch " + torch.__version__,
           "threads": a.threads, "epochs": a.epochs, "ms_per_epoch": ms,
           "ms_min": min(times), "ms_max": max(times),
           "device": a.device, "graph": a.cuda_graph, "models": K, "batched": a.models is not None,
           "ms_per_model_epoch": ms / K}
    if a.device == "cuda":
        out["gpu"] = torch.cuda.get_device_name()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
