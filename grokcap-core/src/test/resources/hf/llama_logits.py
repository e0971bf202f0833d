"""Rebuilds an exported grokcap Llama-style model in plain PyTorch and prints its logits.

usage: /usr/bin/python3 llama_logits.py EXPORT_DIR TOKENS_JSON
  EXPORT_DIR   model.safetensors + config.json as `grokcap export --format llama` writes them
               (Hugging Face LlamaForCausalLM names and LlamaConfig fields)
  TOKENS_JSON  {"tokens": [[t0, t1, ...], ...]}
prints one JSON line: {"logits": [[...], ...]}, the logits (all vocab_size of them) at the last
position of each sequence; with "transformers_logits" too when transformers is importable, from its
own LlamaForCausalLM loaded from EXPORT_DIR.

The forward pass follows transformers' modeling_llama.py, written out: embedding, per layer
RMSNorm -> q/k/v projections -> rotary positions (rotate_half, cos/sin of float32 angles as
LlamaRotaryEmbedding computes them) -> causal softmax attention scaled by 1/sqrt(head_dim) -> o_proj,
residual, RMSNorm -> down(silu(gate(x)) * up(x)), residual; final RMSNorm, lm_head. Needs only torch
and the standard library (Debian: python3-torch), and gpt2_logits.py beside it (its hand-written
safetensors reader).
"""
import json
import math
import sys

import torch

from gpt2_logits import load


def rms_norm(x, weight, eps):
    """LlamaRMSNorm: the weight multiplies after the normalisation."""
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(w, cfg, tokens):
    B, T = tokens.shape
    C, H, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
    assert cfg["num_key_value_heads"] == H and not cfg["tie_word_embeddings"]
    hd = C // H
    eps = cfg["rms_norm_eps"]

    inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    freqs = torch.arange(T, dtype=torch.float32)[:, None] * inv_freq[None, :]  # (T, hd/2)
    emb = torch.cat((freqs, freqs), dim=-1)                                      # (T, hd)
    cos, sin = emb.cos(), emb.sin()
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))

    def linear(x, name):  # nn.Linear without bias: weight (out, in)
        return x @ w[name + ".weight"].T

    x = w["model.embed_tokens.weight"][tokens]                                   # (B, T, C)
    for l in range(L):
        p = "model.layers.%d." % l
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q, k, v = [linear(h, p + "self_attn.%s_proj" % n).view(B, T, H, hd).transpose(1, 2) for n in "qkv"]
        q = q * cos + rotate_half(q) * sin                                       # (B, H, T, hd)
        k = k * cos + rotate_half(k) * sin
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        x = x + linear(y, p + "self_attn.o_proj")
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = linear(h, p + "mlp.gate_proj")
        x = x + linear(torch.nn.functional.silu(gate) * linear(h, p + "mlp.up_proj"), p + "mlp.down_proj")
    x = rms_norm(x, w["model.norm.weight"], eps)
    return x @ w["lm_head.weight"].T                                             # (B, T, vocab_size)


def main():
    export_dir = sys.argv[1]
    cfg, w, tokens = load(export_dir, sys.argv[2])
    out = {}
    with torch.no_grad():
        out["logits"] = forward(w, cfg, tokens)[:, -1, :].tolist()
        try:
            import transformers
        except ImportError:
            transformers = None
        if transformers is not None:
            model = transformers.LlamaForCausalLM.from_pretrained(export_dir, torch_dtype=torch.float32)
            model.eval()
            out["transformers_logits"] = model(tokens).logits[:, -1, :].tolist()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
