#!/usr/bin/python3
"""Training step time in PyTorch: the Python half of bench/run-steps.sh (bench/Torch is the C# half).

Same models, same step, same timing and output as bench/Torch/Program.cs:
  lstm  Embedding(8192,256) -> LSTM(256,512, 2 layers, batch_first) -> Linear(512,8192); batch 32 x 32 tokens;
        Adam(lr 1e-3); cross_entropy on next-token ids.
  ctr   13 dense + 26 hashed ids -> one shared Embedding(100000,16) -> concat(429) -> 512-256-128 ReLU -> 1;
        batch 512; Adagrad(lr 0.01); binary_cross_entropy_with_logits. Dense embedding gradient (the anchor's model).
  ctr_sparse  the same with nn.Embedding(..., sparse=True): PyTorch's sparse Adagrad updates only the touched rows
        (the like-for-like reference for the binding's ctr, which is sparse).
One step = zero_grad + forward + loss + backward + optimizer.step + loss.item(); a pool of 8 batches made
beforehand (seed 0); warm-up (ctr 5x), then timed steps until the budget (ctr: half) with at least --min-steps.
Prints the loss at a fixed step (warm-up + min-steps) as check_loss: equal on both sides = same math.

Threads: --threads sets torch's intra-op pool, --blas-threads OpenBLAS's own pool (via ctypes; torch's setting
does not reach it). Run with Debian's /usr/bin/python3 (the pyenv python3 on PATH has no torch).
"""
import argparse
import os
import statistics
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from benchutil import set_threads, timed_rounds


class LstmLm(nn.Module):
    def __init__(self, vocab=8192, emb=256, hidden=512, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, layers, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, tokens):
        return self.out(self.lstm(self.emb(tokens))[0])


class CtrMlp(nn.Module):
    def __init__(self, buckets=100_000, dim=16, dense=13, categorical=26, sparse=False):
        super().__init__()
        self.emb = nn.Embedding(buckets, dim, sparse=sparse)
        self.mlp = nn.Sequential(nn.Linear(dense + categorical * dim, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                                 nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 1))

    def forward(self, dense, ids):
        return self.mlp(torch.cat([dense, self.emb(ids).flatten(1)], 1)).squeeze(1)


def lstm_step(vocab=8192, batch=32, seq=32, pool=8):
    model = LstmLm(vocab)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = []
    for _ in range(pool):
        d = torch.randint(0, vocab, (batch, seq + 1))
        data.append((d[:, :seq], d[:, 1:].reshape(-1)))
    i = [0]

    def step():
        x, y = data[i[0] % pool]
        i[0] += 1
        opt.zero_grad()
        loss = F.cross_entropy(model(x).reshape(-1, vocab), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def ctr_step(batch=512, buckets=100_000, pool=8, sparse=False):
    model = CtrMlp(buckets, sparse=sparse)
    opt = torch.optim.Adagrad(model.parameters(), lr=0.01)
    data = [(torch.randn(batch, 13), torch.randint(0, buckets, (batch, 26)), torch.randint(0, 2, (batch,)).float())
            for _ in range(pool)]
    i = [0]

    def step():
        dense, ids, y = data[i[0] % pool]
        i[0] += 1
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(dense, ids), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="lstm,ctr")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--blas-threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--budget", type=float, default=12.0)
    ap.add_argument("--min-steps", type=int, default=8)
    ap.add_argument("--max-steps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    blas = set_threads(a.threads, a.blas_threads)
    print(f"# python {sys.version.split()[0]}; torch {torch.__version__}; torch threads {torch.get_num_threads()}; "
          f"BLAS threads {blas} (OpenBLAS); "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}; cpus {os.cpu_count()}")
    print("bench,impl,model,torch_threads,blas_threads,steps,min_ms,median_ms,max_ms,first_loss,last_loss,check_step,check_loss")
    for name in a.models.split(","):
        torch.manual_seed(a.seed)
        step = {"lstm": lstm_step, "ctr": ctr_step, "ctr_sparse": lambda: ctr_step(sparse=True)}[name]()
        warmup = 5 * a.warmup if name.startswith("ctr") else a.warmup
        budget = a.budget / 2 if name.startswith("ctr") else a.budget
        losses = [step() for _ in range(warmup)]
        times, values = timed_rounds({name: step}, budget, a.min_steps, a.max_steps)
        times, losses = times[name], losses + values[name]
        print(f"step,python,{name},{torch.get_num_threads()},{blas},{len(times)},"
              f"{min(times):.2f},{statistics.median(times):.2f},{max(times):.2f},{losses[0]:.4f},{losses[-1]:.4f},"
              f"{warmup + a.min_steps},{losses[warmup + a.min_steps - 1]:.4f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
