#!/usr/bin/python3
"""The modular-addition epoch of conf/modular-addition in plain PyTorch, for BENCHMARKS.md.

One full-batch training step on the 2,822 training pairs (forward at every position, float64
cross-entropy at the last, backward, AdamW) plus one evaluation of the 6,587 test pairs, the way
the reference notebook does it. Prints the median over the timed epochs as one JSON line.

    /usr/bin/python3 scripts/pytorch_modular_epoch.py [--threads 2] [--epochs 100] [--warmup 30]
(Debian's python3-torch is importable only by /usr/bin/python3.)
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

p, d, heads, d_mlp, frac = 97, 128, 4, 512, 0.3


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
        hs = d // heads
        q, k, v = (t.view(B, T, heads, hs).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-1, -2)) / hs ** 0.5
        att = att.masked_fill(~self.mask[:T, :T], float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, d)
        x = x + self.proj(y)
        x = x + self.fc_proj(F.relu(self.fc(x)))
        return self.unembed(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=30)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    pairs = torch.cartesian_prod(torch.arange(p), torch.arange(p))
    pairs = pairs[torch.randperm(len(pairs))]
    data = torch.cat([pairs, torch.full((len(pairs), 1), p)], dim=1)
    labels = (pairs[:, 0] + pairs[:, 1]) % p
    n = int(frac * len(pairs))
    train, test = (data[:n], labels[:n]), (data[n:], labels[n:])
    model = OneLayer()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98))
    times = []
    for epoch in range(a.warmup + a.epochs):
        t0 = time.perf_counter()
        logits = model(train[0])[:, -1].double()
        loss = F.cross_entropy(logits, train[1])
        loss.backward()
        with torch.inference_mode():
            F.cross_entropy(model(test[0])[:, -1].double(), test[1])
        opt.step()
        opt.zero_grad()
        if epoch >= a.warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"bench": "modular-addition", "framework": "pytorch " + torch.__version__,
                      "threads": a.threads, "epochs": a.epochs, "ms_per_epoch": statistics.median(times),
                      "ms_min": min(times), "ms_max": max(times)}))


if __name__ == "__main__":
    main()
