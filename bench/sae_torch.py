"""PyTorch's side of `npm run bench:sae-cpu`: the lab's TopK SAE training step (src/sae/train/cpu-step.ts) in
plain PyTorch on the CPU, timed the same way, so the bench can print the lab's CPU tokens/s next to PyTorch's.

Benchmark only: the product never runs Python. Uses Debian's python3-torch (with libopenblas0-pthread) and
all cores (torch.set_num_threads(os.cpu_count())).

The step, as the lab defines it:
  pre = (x - b_dec) @ W_enc + b_enc;  top-k per row, ReLU;  x_hat = sum_j val_j W_dec[idx_j] + b_dec
  AuxK over the dead latents (top-k_aux of pre among them, ReLU): e_hat = sum aval W_dec[aidx]
  loss = ||x - x_hat||^2 / B + aux_coef ||e - e_hat||^2 / ||e - mean(e)||^2  (e = x - x_hat, detached)
  backward (autograd), remove from each dW_dec row its component along the row, Adam, renormalise W_dec rows.
Two decoders, both common in PyTorch SAE trainers, each timed:
  sparse  F.embedding_bag(idx, W_dec, per_sample_weights=val)  (sparsify's CPU path)
  dense   zeros(B, d_sae).scatter(idx, val) @ W_dec             (SAELens' TopK training SAE)
Dead latents: before every step, latent l is held dead iff l % dead_every == 0 (dead_every 0: none), as the
JS side does, so AuxK costs the same on both.

Usage: python3 bench/sae_torch.py '{"dIn":256,"dSae":2048,"k":32,"kAux":128,"auxCoef":0.03125,"batch":4096,
"steps":3,"deadEvery":4}'  -> prints one JSON line {"torch": version, "threads": n, "sparse": {...}, "dense": {...}}
"""

import json
import os
import sys
import time

import torch
import torch.nn.functional as F

FLT_MAX = 3.4028234663852886e38


def make_params(d_in, d_sae, gen):
    w_dec = torch.randn(d_sae, d_in, generator=gen)
    w_dec /= w_dec.norm(dim=1, keepdim=True)
    params = {
        "W_enc": w_dec.t().contiguous(),  # [d_in, d_sae]
        "b_enc": torch.zeros(d_sae),
        "W_dec": w_dec,  # [d_sae, d_in]
        "b_dec": torch.zeros(d_in),
    }
    for p in params.values():
        p.requires_grad_(True)
    return params


def decode(idx, val, w_dec, dense):
    """sum_j val[:, j] W_dec[idx[:, j]]  -> [B, d_in]"""
    if dense:
        acts = torch.zeros(idx.shape[0], w_dec.shape[0]).scatter(1, idx, val)  # [B, d_sae]
        return acts @ w_dec
    return F.embedding_bag(idx, w_dec, per_sample_weights=val, mode="sum")


def train_step(p, opt, x, dead, c, dense):
    B = x.shape[0]
    pre = (x - p["b_dec"]) @ p["W_enc"] + p["b_enc"]  # [B, d_sae]
    val, idx = pre.topk(c["k"], dim=1)  # [B, k]
    val = F.relu(val)
    x_hat = decode(idx, val, p["W_dec"], dense) + p["b_dec"]  # [B, d_in]
    e = x - x_hat
    loss = e.pow(2).sum() / B
    if c["auxCoef"] > 0 and bool(dead.any()):
        masked = torch.where(dead, pre, torch.tensor(-FLT_MAX))  # [B, d_sae]
        aval, aidx = masked.topk(c["kAux"], dim=1)
        e_hat = decode(aidx, F.relu(aval), p["W_dec"], dense)
        ed = e.detach()
        var_e = (ed - ed.mean(0)).pow(2).sum()
        loss = loss + c["auxCoef"] * (ed - e_hat).pow(2).sum() / var_e
    opt.zero_grad(set_to_none=False)
    loss.backward()
    with torch.no_grad():
        w, g = p["W_dec"], p["W_dec"].grad
        g -= ((g * w).sum(1, keepdim=True) / (w * w).sum(1, keepdim=True)) * w
        opt.step()
        w /= w.norm(dim=1, keepdim=True)
        fired = torch.zeros(pre.shape[1], dtype=torch.bool)
        fired[idx[val > 0]] = True  # the dead counters' input, as the lab's step computes it
    return float(loss)


def bench(c, dense, gen):
    torch.manual_seed(0)
    p = make_params(c["dIn"], c["dSae"], gen)
    opt = torch.optim.Adam(p.values(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    B = c["batch"]
    every = c["deadEvery"]
    dead = torch.tensor([every > 0 and l % every == 0 for l in range(c["dSae"])])
    xs = [torch.randn(B, c["dIn"], generator=gen) for _ in range(2)]
    train_step(p, opt, xs[0], dead, c, dense)  # warm-up
    ms = []
    for s in range(c["steps"]):
        t0 = time.perf_counter()
        train_step(p, opt, xs[s % 2], dead, c, dense)
        ms.append((time.perf_counter() - t0) * 1e3)
    med = sorted(ms)[len(ms) // 2]
    return {"msPerStep": ms, "tokensPerSecond": B / (med / 1e3)}


def main():
    c = json.loads(sys.argv[1])
    torch.set_num_threads(os.cpu_count() or 1)
    gen = torch.Generator().manual_seed(1)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for name in c.get("decoders", ["sparse", "dense"]):
        out[name] = bench(c, name == "dense", gen)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
