#!/usr/bin/python3
"""Golden values for GoldenLlamaTest: a tiny 2-layer Llama-style model in plain PyTorch with grokcap's
math and parameter names (see org.grokcap.model.Transformer's Llama path and ParamLayout.llama):
RMSNorm (eps 1e-5), rotary positions in the rotate-half convention (base 10000), a SwiGLU MLP whose
gate and up projections are one (2M,C) matrix (gate rows first), no biases, untied embeddings.

Run from the repository root with Debian's interpreter (it has python3-torch):
    /usr/bin/python3 grokcap-core/src/test/resources/golden/make_golden_llama.py   # writes tiny-llama.json
"""
import torch
import torch.nn.functional as F

from make_golden import write_golden

torch.manual_seed(4321)
torch.set_default_dtype(torch.float32)

V, VOUT, T, L, C, H, M = 11, 7, 6, 2, 16, 2, 24
CFG = dict(architecture="llama", vocabSize=V, outputVocabSize=VOUT, contextLength=T, layers=L, dModel=C,
           heads=H, dMlp=M, headSizeAttentionScale=False)
HS = C // H
SCALE = 1.0 / HS ** 0.5
B = 3
NO_DECAY = ["*ln*"]


def shapes():
    s = [("wte", (V, C))]
    for l in range(L):
        p = f"layers.{l}."
        s += [(p + "ln1.weight", (C,)), (p + "attn.qkv.weight", (3 * C, C)), (p + "attn.proj.weight", (C, C)),
              (p + "ln2.weight", (C,)), (p + "mlp.fc.weight", (2 * M, C)), (p + "mlp.proj.weight", (C, M))]
    s += [("lnf.weight", (C,)), ("unembed.weight", (VOUT, C))]
    return s


def init_params():
    params = {}
    for name, shape in shapes():
        if ".ln" in name or name.startswith("ln"):
            t = 1.0 + 0.1 * torch.randn(shape)           # gains near 1, not exactly 1
        else:
            t = 0.3 * torch.randn(shape)
        params[name] = t.requires_grad_(True)
    return params


def rms_norm(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w


def rope_tables():
    """cos, sin (T, HS/2), computed in double and rounded once, as grokcap's Rotary.table does."""
    inv = 1.0 / (10000.0 ** (torch.arange(0, HS, 2, dtype=torch.float64) / HS))
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    return ang.cos().float(), ang.sin().float()


def rope(x, cos, sin):
    """x (B,H,T,HS): pairs (i, i+HS/2) turned by angle t·inv_freq_i (Hugging Face's rotate_half)."""
    x1, x2 = x[..., : HS // 2], x[..., HS // 2:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def attention(qkv, cos, sin):
    q, k, v = qkv.split(C, dim=-1)
    q = rope(q.view(B, T, H, HS).transpose(1, 2), cos, sin)
    k = rope(k.view(B, T, H, HS).transpose(1, 2), cos, sin)
    v = v.view(B, T, H, HS).transpose(1, 2)
    att = (q @ k.transpose(-2, -1)) * SCALE
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
    return (att @ v).transpose(1, 2).reshape(B, T, C)


def forward(p, tokens, targets):
    cos, sin = rope_tables()
    x = p["wte"][tokens]
    for l in range(L):
        pre = f"layers.{l}."
        qkv = F.linear(rms_norm(x, p[pre + "ln1.weight"]), p[pre + "attn.qkv.weight"])
        x = x + F.linear(attention(qkv, cos, sin), p[pre + "attn.proj.weight"])
        gate, up = F.linear(rms_norm(x, p[pre + "ln2.weight"]), p[pre + "mlp.fc.weight"]).split(M, dim=-1)
        x = x + F.linear(F.silu(gate) * up, p[pre + "mlp.proj.weight"])
    logits = F.linear(rms_norm(x, p["lnf.weight"]), p["unembed.weight"])
    has = targets >= 0
    sel = logits[has]
    return sel, F.cross_entropy(sel.double(), targets[has])


def main():
    params = init_params()
    tokens = torch.randint(0, V, (B, T))
    targets = torch.tensor([[-1, 3, -1, 0, 6, -1],
                            [2, -1, 5, -1, -1, 1],
                            [-1, -1, 1, -1, 4, 5]])
    assert ((targets >= 0).sum(dim=1) > 0).all() and (targets < VOUT).all()

    write_golden("make_golden_llama.py", CFG, SCALE, B, shapes(), params, tokens, targets, forward, NO_DECAY,
                 "tiny-llama.json")

if __name__ == "__main__":
    main()
