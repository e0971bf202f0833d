# The hyper-parameter search behind conf/composition-small.json and conf/comparison-small.json
# (README, "Implicit reasoning"): the same GPT-2 (pre-LN, GELU, learned positions), AdamW with
# warm-up, clipping and no decay on biases/norms, trained in PyTorch on a dataset that
# `grokcap generate CONFIG --out DIR` wrote. Exact match per split every 250 steps.
#   python3 scripts/reasoning_sweep.py '[{"d": "DIR", "L": 2, "C": 128, "M": 512, "wd": 0.1, "label": "x"}]'
# Needs PyTorch (CUDA if present: set dev below). Not part of the build.
import json, sys, time, math, os, itertools
import torch, torch.nn as nn, torch.nn.functional as F
dev = 'cuda' if torch.cuda.is_available() else 'cpu'

def load(d):
    meta = json.load(open(d + '/dataset.json'))
    vocab = {}
    splits = {}
    for s in meta['splits']:
        rows = [json.loads(l) for l in open(f'{d}/{s}.jsonl')]
        splits[s] = rows
    # vocab order is not in the files: rebuild from tokens (answers first)
    toks = set()
    for rows in splits.values():
        for r in rows:
            toks.update(r['input']); toks.update(r['target'])
    ans = sorted({t for rows in splits.values() for r in rows for t in r['target']})
    rest = sorted(toks - set(ans)) + ['<pad>']
    itos = ans + rest
    stoi = {t: i for i, t in enumerate(itos)}
    T = max(len(r['input']) + len(r['target']) - 1 for rows in splits.values() for r in rows)
    enc = {}
    for s, rows in splits.items():
        X = torch.full((len(rows), T), stoi['<pad>'], dtype=torch.long)
        Y = torch.full((len(rows), T), -1, dtype=torch.long)
        for i, r in enumerate(rows):
            seq = [stoi[t] for t in r['input']] + [stoi[t] for t in r['target'][:-1]]
            X[i, :len(seq)] = torch.tensor(seq)
            q = len(r['input'])
            for j, t in enumerate(r['target']):
                Y[i, q - 1 + j] = stoi[t]
        enc[s] = (X.to(dev), Y.to(dev))
    return enc, len(itos), len(ans), T, meta['trainedSplits']

class Block(nn.Module):
    def __init__(s, C, H, M):
        super().__init__()
        s.ln1 = nn.LayerNorm(C); s.qkv = nn.Linear(C, 3 * C); s.proj = nn.Linear(C, C)
        s.ln2 = nn.LayerNorm(C); s.fc = nn.Linear(C, M); s.fp = nn.Linear(M, C); s.H = H
    def forward(s, x):
        B, T, C = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(C, 2)
        q, k, v = [t.view(B, T, s.H, C // s.H).transpose(1, 2) for t in (q, k, v)]
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C)
        x = x + s.proj(y)
        return x + s.fp(F.gelu(s.fc(s.ln2(x)), approximate='tanh'))

class GPT(nn.Module):
    def __init__(s, V, Vo, T, L, C, H, M, repeats=1):
        super().__init__()
        s.wte = nn.Embedding(V, C); s.wpe = nn.Embedding(T, C)
        s.blocks = nn.ModuleList([Block(C, H, M) for _ in range(L)]); s.lnf = nn.LayerNorm(C); s.un = nn.Linear(C, Vo)
        s.repeats = repeats
        for n, p in s.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * L) if n.endswith('proj.weight') or n.endswith('fp.weight') else 0.02
                nn.init.normal_(p, 0, std)
    def forward(s, X):
        x = s.wte(X) + s.wpe.weight[:X.shape[1]]
        for _ in range(s.repeats):
            for b in s.blocks:
                x = b(x)
        return s.un(s.lnf(x))

def evaluate(m, X, Y, maxn=2000):
    X, Y = X[:maxn], Y[:maxn]
    with torch.no_grad():
        lg = m(X)
        mask = Y >= 0
        ok = (lg.argmax(-1) == Y) | ~mask
        return ok.all(1).float().mean().item()

def run(d, L=2, C=64, H=4, M=256, lr=1e-3, wd=0.1, bs=512, steps=20000, warm=200, repeats=1, seed=0, label=''):
    torch.manual_seed(seed)
    enc, V, Vo, T, trained = load(d)
    X = torch.cat([enc[s][0] for s in trained]); Y = torch.cat([enc[s][1] for s in trained])
    m = GPT(V, Vo, T, L, C, H, M, repeats).to(dev)
    dec = [p for n, p in m.named_parameters() if p.dim() == 2 and 'ln' not in n]
    nod = [p for n, p in m.named_parameters() if not (p.dim() == 2 and 'ln' not in n)]
    opt = torch.optim.AdamW([{'params': dec, 'weight_decay': wd}, {'params': nod, 'weight_decay': 0}], lr=lr, betas=(0.9, 0.999))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / warm))
    n = X.shape[0]; perm = torch.randperm(n, device=dev); cur = 0
    hist = []
    for step in range(steps + 1):
        if step % 250 == 0:
            row = {'step': step}
            for s, (xs, ys) in enc.items():
                row[s] = round(evaluate(m, xs, ys), 3)
            hist.append(row)
            print(label, json.dumps(row), flush=True)
            # stop once the held-out ID facts (and, for comparisons, the OOD ones) are learned
            if step > 0 and row['test_inferred_id'] > 0.98 and row['train_inferred'] > 0.98 and (
                    'comparison' not in d or row['test_inferred_ood'] > 0.95):
                break
        if cur + bs > n:
            perm = torch.randperm(n, device=dev); cur = 0
        idx = perm[cur:cur + bs]; cur += bs
        lg = m(X[idx])
        loss = F.cross_entropy(lg.view(-1, Vo), Y[idx].view(-1), ignore_index=-1)
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step(); sched.step()
    return hist

if __name__ == '__main__':
    jobs = json.loads(sys.argv[1])
    for j in jobs:
        t0 = time.time()
        h = run(**j)
        print('DONE', json.dumps(j), 'secs', round(time.time() - t0), 'last', json.dumps(h[-1]), flush=True)
