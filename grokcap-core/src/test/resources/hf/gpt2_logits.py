"""Rebuilds an exported grokcap model in plain PyTorch and prints its logits.

usage: /usr/bin/python3 gpt2_logits.py EXPORT_DIR TOKENS_JSON
  EXPORT_DIR   model.safetensors + config.json as `grokcap export` writes them (Hugging Face GPT-2
               names; Conv1D weights stored (in, out); grokcap_* fields for what GPT-2 lacks)
  TOKENS_JSON  {"tokens": [[t0, t1, ...], ...]}
prints one JSON line: {"logits": [[...], ...]}, the logits at the last position of each sequence.

Needs only torch and the standard library (Debian: python3-torch); safetensors is read by hand:
8-byte little-endian header length, JSON header, little-endian data.
"""
import json
import math
import struct
import sys

import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", (name, entry["dtype"])
        begin, end = entry["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32)
        tensors[name] = t.reshape(entry["shape"]) if entry["shape"] else t.reshape(())
    return tensors


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def forward(w, cfg, tokens):
    """GPT-2's forward pass, with grokcap's switches (no LayerNorm, ReLU, attention scale, lm_head bias)."""
    B, T = tokens.shape
    C, H, L = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
    ln = cfg.get("grokcap_layer_norm", True)
    eps = cfg["layer_norm_epsilon"]
    scale = cfg.get("grokcap_attention_scale", 1.0 / math.sqrt(C // H))
    act = {"relu": torch.relu, "gelu_new": gelu_new}[cfg["activation_function"]]

    def norm(x, name):
        if not ln:
            return x
        return torch.nn.functional.layer_norm(x, (C,), w[name + ".weight"], w[name + ".bias"], eps)

    def conv1d(x, name):  # Hugging Face Conv1D: weight (in, out)
        return x @ w[name + ".weight"] + w[name + ".bias"]

    x = w["transformer.wte.weight"][tokens] + w["transformer.wpe.weight"][:T]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for l in range(L):
        p = "transformer.h.%d." % l
        qkv = conv1d(norm(x, p + "ln_1"), p + "attn.c_attn")
        q, k, v = qkv.split(C, dim=2)
        q, k, v = [t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v)]
        att = (q @ k.transpose(-2, -1)) * scale
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        x = x + conv1d(y, p + "attn.c_proj")
        x = x + conv1d(act(conv1d(norm(x, p + "ln_2"), p + "mlp.c_fc")), p + "mlp.c_proj")
    x = norm(x, "transformer.ln_f")
    logits = x @ w["lm_head.weight"].T
    if "lm_head.bias" in w:
        logits = logits + w["lm_head.bias"]
    return logits


def load(export_dir, tokens_file):
    """config.json, the tensors of model.safetensors, and the token sequences (B, T)."""
    with open(export_dir + "/config.json") as f:
        cfg = json.load(f)
    w = read_safetensors(export_dir + "/model.safetensors")
    with open(tokens_file) as f:
        tokens = torch.tensor(json.load(f)["tokens"], dtype=torch.long)
    return cfg, w, tokens


def main():
    cfg, w, tokens = load(sys.argv[1], sys.argv[2])
    with torch.no_grad():
        logits = forward(w, cfg, tokens)[:, -1, :]
    print(json.dumps({"logits": logits.tolist()}))


if __name__ == "__main__":
    main()
