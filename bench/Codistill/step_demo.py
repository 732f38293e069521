#!/usr/bin/python3
"""PyTorch twin of bench/Codistill at the demo model's size (the anchor's steps/step_bench.py has no size flags).

Model as hocon/demo.conf and src/Workers/Models/LstmLanguageModel.cs: Embedding(2048,128) -> LSTM(128,256) ->
LayerNorm -> LSTM(256,256) -> LayerNorm -> Linear(256,2048); hidden state carried (detached) across batches;
batch 16 x 32 random tokens (pool of 8, seed 0), Adam(lr=3e-3), cross-entropy on next-token ids.
  lstm       baseline step: zero_grad, forward, loss, backward, step, loss.item()
  codistill  + frozen teacher (weights -> float16 -> float32, eval, no_grad) forward on the same batch in the
             critical path; loss += cross_entropy(logits, softmax(teacher_logits)) (soft targets)
Steps of the two are interleaved (lstm, codistill, lstm, ...) as in the C# side. Threads: --threads sets
torch.set_num_threads, --blas-threads openblas_set_num_threads (run with the same values as the C# side).
Use /usr/bin/python3 (Debian's python3-torch), not a pyenv shim.
"""
import argparse
import os
import statistics
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from benchutil import set_threads, timed_rounds  # noqa: E402

VOCAB, EMB, HIDDEN, BATCH, SEQ = 2048, 128, 256, 16, 32


class DemoLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, EMB)
        self.lstm = nn.ModuleList([nn.LSTM(EMB, HIDDEN, batch_first=True), nn.LSTM(HIDDEN, HIDDEN, batch_first=True)])
        self.norm = nn.ModuleList([nn.LayerNorm(HIDDEN), nn.LayerNorm(HIDDEN)])
        self.out = nn.Linear(HIDDEN, VOCAB)
        self.state = [None, None]

    def forward(self, x):
        x = self.emb(x)
        for i, (lstm, norm) in enumerate(zip(self.lstm, self.norm)):
            x, (h, c) = lstm(x, self.state[i])
            self.state[i] = (h.detach(), c.detach())
            x = norm(x)
        return self.out(x).reshape(-1, VOCAB)


def make_step(codistill, seed):
    torch.manual_seed(seed)
    model = DemoLM()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    teacher = None
    if codistill:
        torch.manual_seed(seed + 1000)
        teacher = DemoLM()
        with torch.no_grad():
            for p in teacher.parameters():
                p.copy_(p.half().float())
                p.requires_grad_(False)
        teacher.eval()
    gen = torch.Generator().manual_seed(0)
    data = [torch.randint(0, VOCAB, (BATCH, SEQ + 1), generator=gen) for _ in range(8)]
    state = {"i": 0}

    def step():
        d = data[state["i"] % 8]
        state["i"] += 1
        x, y = d[:, :-1], d[:, 1:].reshape(-1)
        opt.zero_grad()
        soft = None
        if teacher is not None:
            with torch.no_grad():
                soft = F.softmax(teacher(x), dim=-1)
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        if soft is not None:
            loss = loss + F.cross_entropy(logits, soft)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--blas-threads", type=int, default=1)
    ap.add_argument("--budget", type=float, default=10.0)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--min-steps", type=int, default=8)
    ap.add_argument("--max-steps", type=int, default=2000)
    a = ap.parse_args()
    blas = set_threads(a.threads, a.blas_threads)
    print(f"# python {sys.version.split()[0]} torch {torch.__version__} torch_threads={torch.get_num_threads()} "
          f"openblas_threads={blas}; demo model, batch {BATCH} x {SEQ}")
    steps = {"lstm": make_step(False, 1), "codistill": make_step(True, 1)}
    for _ in range(a.warmup):
        for s in steps.values():
            s()
    times, _ = timed_rounds(steps, a.budget, a.min_steps, a.max_steps)
    for k, ts in times.items():
        print(f"step,python-demo,{k},{torch.get_num_threads()},{blas},{len(ts)},{min(ts):.2f},"
              f"{statistics.median(ts):.2f},{max(ts):.2f}")
    print(f"ratio,python-demo,codistill/lstm,{statistics.median(times['codistill']) / statistics.median(times['lstm']):.3f}")


if __name__ == "__main__":
    main()
