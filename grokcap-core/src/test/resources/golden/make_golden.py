#!/usr/bin/python3
"""Golden values for GoldenModelTest: a tiny 2-layer GPT-2-style model in plain PyTorch that uses
exactly grokcap's math and parameter names (see org.grokcap.model.Transformer and ParamLayout).

Run from this directory (Debian's interpreter, which has python3-torch):
    /usr/bin/python3 make_golden.py        # writes tiny-gpt2*.json beside this script

It also writes the same model, batch and steps under the other training losses (LOSS_VARIANTS):
stablemax, label smoothing, and both, each to its own file with a "lossFunction" entry.

tiny-gpt2-orthograd.json is the same model, batch and AdamW run with ⊥Grad (Prieto et al. 2025's
orthograd.py, its dot products in double) applied to every gradient before the optimizer step.
"""
import fnmatch
import functools
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
torch.set_default_dtype(torch.float32)

CFG = dict(vocabSize=11, outputVocabSize=7, contextLength=5, layers=2, dModel=12, heads=3, dMlp=20,
           activation="gelu", layerNorm=True, attentionBias=True, mlpBias=True, unembedBias=True)
V, VOUT, T, L, C, H, M = 11, 7, 5, 2, 12, 3, 20
HS = C // H
SCALE = 1.0 / math.sqrt(HS)
B = 4
NO_DECAY = ["*.bias", "*ln*"]
LR, BETAS, EPS, WD, WARMUP, STEPS = 1e-2, (0.9, 0.98), 1e-8, 0.1, 2, 3
ORTHO_EPS = 1e-30


def shapes():
    """Parameter names and shapes in grokcap's ParamLayout order."""
    s = [("wte", (V, C)), ("wpe", (T, C))]
    for l in range(L):
        p = f"layers.{l}."
        s += [(p + "ln1.weight", (C,)), (p + "ln1.bias", (C,)),
              (p + "attn.qkv.weight", (3 * C, C)), (p + "attn.qkv.bias", (3 * C,)),
              (p + "attn.proj.weight", (C, C)), (p + "attn.proj.bias", (C,)),
              (p + "ln2.weight", (C,)), (p + "ln2.bias", (C,)),
              (p + "mlp.fc.weight", (M, C)), (p + "mlp.fc.bias", (M,)),
              (p + "mlp.proj.weight", (C, M)), (p + "mlp.proj.bias", (C,))]
    s += [("lnf.weight", (C,)), ("lnf.bias", (C,)), ("unembed.weight", (VOUT, C)), ("unembed.bias", (VOUT,))]
    return s


def init_params():
    params = {}
    for name, shape in shapes():
        if name.endswith(".bias"):
            t = 0.1 * torch.randn(shape)                 # small, non-zero: biases are tested too
        elif ".ln" in name or name.startswith("ln"):
            t = 1.0 + 0.1 * torch.randn(shape)           # LN gains near 1, not exactly 1
        else:
            t = 0.3 * torch.randn(shape)
        params[name] = t.requires_grad_(True)
    return params


def layer_norm(x, w, b):
    return F.layer_norm(x, (C,), w, b, eps=1e-5)


def attention(qkv):
    """Causal multi-head attention; qkv (B,T,3C) = q|k|v, heads contiguous within each."""
    q, k, v = qkv.split(C, dim=-1)
    q = q.view(B, T, H, HS).transpose(1, 2)              # (B,H,T,hs)
    k = k.view(B, T, H, HS).transpose(1, 2)
    v = v.view(B, T, H, HS).transpose(1, 2)
    att = (q @ k.transpose(-2, -1)) * SCALE              # (B,H,T,T)
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
    y = att @ v                                          # (B,H,T,hs)
    return y.transpose(1, 2).reshape(B, T, C)


# (file, train.loss, train.labelSmoothing): the same model and steps under the other training losses
LOSS_VARIANTS = [("tiny-gpt2-stablemax.json", "stablemax", 0.0),
                 ("tiny-gpt2-smoothing.json", "softmax", 0.1),
                 ("tiny-gpt2-stablemax-smoothing.json", "stablemax", 0.1)]


def stablemax_s(x):
    """s(x) = x + 1 for x >= 0, 1/(1 - x) below. The clamp keeps the branch a logit does not take
    finite: torch.where differentiates both, and 1/(1 - x) at x = 1 would make the gradient NaN."""
    return torch.where(x >= 0, x + 1, 1 / (1 - torch.clamp(x, max=0)))


def cross_entropy(sel, target, loss="softmax", smoothing=0.0):
    """Mean float64 cross-entropy of the rows against (1 - smoothing)·onehot + smoothing/V:
    PyTorch's own for softmax, the same definition with stablemax's probabilities otherwise."""
    x = sel.double()
    if loss == "softmax":
        return F.cross_entropy(x, target, label_smoothing=smoothing)
    s = stablemax_s(x)
    logp = torch.log(s / s.sum(dim=-1, keepdim=True))
    q = F.one_hot(target, x.shape[-1]).double() * (1 - smoothing) + smoothing / x.shape[-1]
    return -(q * logp).sum(dim=-1).mean()


def forward(p, tokens, targets, loss="softmax", smoothing=0.0):
    """Logits at the target positions (row-major over (b,t)) and the mean float64 cross-entropy."""
    x = p["wte"][tokens] + p["wpe"][torch.arange(T)]
    for l in range(L):
        pre = f"layers.{l}."
        h = layer_norm(x, p[pre + "ln1.weight"], p[pre + "ln1.bias"])
        qkv = F.linear(h, p[pre + "attn.qkv.weight"], p[pre + "attn.qkv.bias"])
        y = attention(qkv)
        x = x + F.linear(y, p[pre + "attn.proj.weight"], p[pre + "attn.proj.bias"])
        h2 = layer_norm(x, p[pre + "ln2.weight"], p[pre + "ln2.bias"])
        a = F.gelu(F.linear(h2, p[pre + "mlp.fc.weight"], p[pre + "mlp.fc.bias"]), approximate="tanh")
        x = x + F.linear(a, p[pre + "mlp.proj.weight"], p[pre + "mlp.proj.bias"])
    x = layer_norm(x, p["lnf.weight"], p["lnf.bias"])
    logits = F.linear(x, p["unembed.weight"], p["unembed.bias"])   # (B,T,VOUT)
    has = targets >= 0
    sel = logits[has]                                    # boolean mask: row-major order of (b,t)
    return sel, cross_entropy(sel, targets[has], loss, smoothing)   # mean over positions with a target


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def dumps(obj, depth=0):
    """JSON with one line per leaf value or per tensor: small diffs when values are regenerated."""
    if isinstance(obj, dict):
        pad = " " * (depth + 1)
        items = [pad + json.dumps(k) + ": " + dumps(v, depth + 1) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}" + ("\n" if depth == 0 else "")
    return json.dumps(obj)  # floats keep full precision: repr round-trips every float32 value


def main():
    params = init_params()
    tokens = torch.randint(0, V, (B, T))
    # About half the positions have a target; every sequence has one, and not only at the last position.
    targets = torch.tensor([[-1, 3, -1, 0, 6],
                            [2, -1, 5, -1, -1],
                            [-1, -1, 1, -1, 4],
                            [-1, 6, -1, 2, -1]])
    assert ((targets >= 0).sum(dim=1) > 0).all() and (targets < VOUT).all()

    start = {n: t.detach().clone() for n, t in params.items()}
    write_golden("make_golden.py", CFG, SCALE, B, shapes(), params, tokens, targets, forward, NO_DECAY, "tiny-gpt2.json")
    fresh = {n: t.clone().requires_grad_(True) for n, t in start.items()}
    write_golden("make_golden.py", CFG, SCALE, B, shapes(), fresh, tokens, targets, forward, NO_DECAY,
                 "tiny-gpt2-orthograd.json", orthogonal=True)
    for file_name, loss, smoothing in LOSS_VARIANTS:
        fresh = {n: t.clone().requires_grad_(True) for n, t in start.items()}
        write_golden("make_golden.py", CFG, SCALE, B, shapes(), fresh, tokens, targets,
                     functools.partial(forward, loss=loss, smoothing=smoothing), NO_DECAY, file_name,
                     {"loss": loss, "labelSmoothing": smoothing})


@torch.no_grad()
def orthogonalize(params):
    """⊥Grad on every tensor, as orthograd.py: g⊥ = g − (w·g / (w·w + ε))·w, rescaled to ‖g‖. The dot
    products and norms are accumulated in double (as grokcap does), the update made in float32."""
    for p in params:
        w = p.view(-1)
        g = p.grad.view(-1)
        wd, gd = w.double(), g.double()
        proj = (torch.dot(wd, gd) / (torch.dot(wd, wd) + ORTHO_EPS)).float()
        g_orth = g - proj * w
        scale = (gd.norm(2) / (g_orth.double().norm(2) + ORTHO_EPS)).float()
        p.grad.copy_((g_orth * scale).view_as(p.grad))


def write_golden(generator, cfg, scale, batch, shape_list, params, tokens, targets, forward, no_decay, file_name,
                 loss_function=None, orthogonal=False):
    """Logits, loss and gradients of forward at params, then STEPS AdamW steps on the same batch (with
    orthogonal, ⊥Grad before each), as JSON beside this script: the record GoldenModelTest reads.
    loss_function (train.loss and train.labelSmoothing), when given, is recorded for the test to train with."""
    initial = {n: flat(t) for n, t in params.items()}
    logits, loss = forward(params, tokens, targets)
    loss.backward()
    grads = {n: flat(t.grad) for n, t in params.items()}

    # 3 AdamW steps on the same batch, starting from the same initial parameters.
    names = [n for n, _ in shape_list]
    exempt = [n for n in names if any(fnmatch.fnmatchcase(n, g) for g in no_decay)]
    decayed = [n for n in names if n not in exempt]
    for t in params.values():
        t.grad = None
    opt = torch.optim.AdamW([{"params": [params[n] for n in decayed], "weight_decay": WD},
                             {"params": [params[n] for n in exempt], "weight_decay": 0.0}],
                            lr=LR, betas=BETAS, eps=EPS, weight_decay=WD)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / WARMUP))
    step_losses = []
    for _ in range(STEPS):
        opt.zero_grad(set_to_none=True)
        _, step_loss = forward(params, tokens, targets)
        step_losses.append(float(step_loss))
        step_loss.backward()
        if orthogonal:
            orthogonalize(params.values())
        opt.step()
        sched.step()
    after = {n: flat(t) for n, t in params.items()}

    out = {
        "generator": generator + ", torch " + torch.__version__,
        "config": cfg,
        "attentionScale": scale,
        "batch": batch,
        "optimizer": {"lr": LR, "beta1": BETAS[0], "beta2": BETAS[1], "eps": EPS, "weightDecay": WD,
                      "noDecay": no_decay, "warmupSteps": WARMUP, "steps": STEPS,
                      **({"orthogonalGradient": True, "orthogonalEps": ORTHO_EPS} if orthogonal else {})},
        "noDecayParams": exempt,
        "shapes": {n: list(s) for n, s in shape_list},
        "params": initial,
        "tokens": tokens.tolist(),
        "targets": targets.tolist(),
        "logits": flat(logits),
        "loss": float(loss),
        "grads": grads,
        "stepLosses": step_losses,
        "paramsAfter": after,
    }
    if loss_function is not None:
        out["lossFunction"] = loss_function
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), file_name)
    with open(path, "w") as f:
        f.write(dumps(out))
    print(f"wrote {path}: loss {float(loss):.6f}, step losses {step_losses}")


if __name__ == "__main__":
    main()
