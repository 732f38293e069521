#!/usr/bin/python3
"""Writes lstm_lm.bin: a reference dump of a tiny LSTM language model from PyTorch (Debian
python3-torch 1.13). tests/Workers.Tests/Reference/LstmLmReferenceTests loads the weights into
TorchSharp modules by state-dict name, runs the same forward/loss/backward and compares.

Run with Debian's interpreter (the pyenv python3 on PATH has no torch):
    /usr/bin/python3 tests/Workers.Tests/Reference/Fixtures/make_lstm_lm_fixture.py

Model: Embedding(50, 16) -> LSTM(16, 24, num_layers=2, batch_first) -> Linear(24, 50).
Batch 3 x 7 tokens, non-zero initial (h0, c0), loss = cross_entropy(logits, targets) (mean).

File format (little-endian): u64 header length N, N bytes of UTF-8 JSON
{"tensors": [{"name", "dtype": "f32"|"i64", "shape", "offset"}...]}, then the raw data; offsets
are byte offsets from the start of the data section. float32 keeps the file under 100 KB; the
values are exactly what PyTorch computed in float32.
"""
import json
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, EMB, HIDDEN, LAYERS, BATCH, SEQ, SEED = 50, 16, 24, 2, 3, 7, 1234


class LstmLm(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, EMB)
        self.lstm = nn.LSTM(EMB, HIDDEN, num_layers=LAYERS, batch_first=True)
        self.decoder = nn.Linear(HIDDEN, VOCAB)

    def forward(self, tokens, state):
        out, (hn, cn) = self.lstm(self.embedding(tokens), state)
        return self.decoder(out), hn, cn


def main():
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    model = LstmLm()
    tokens = torch.randint(0, VOCAB, (BATCH, SEQ))
    targets = torch.randint(0, VOCAB, (BATCH, SEQ))
    h0 = 0.5 * torch.randn(LAYERS, BATCH, HIDDEN)
    c0 = 0.5 * torch.randn(LAYERS, BATCH, HIDDEN)

    logits, hn, cn = model(tokens, (h0, c0))
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1))
    loss.backward()

    entries = [("input.tokens", tokens), ("input.targets", targets), ("input.h0", h0), ("input.c0", c0),
               ("output.loss", loss.detach().reshape(1)), ("output.hn", hn.detach()), ("output.cn", cn.detach()),
               ("output.logits", logits.detach())]
    for name, p in model.named_parameters():
        entries.append(("param." + name, p.detach()))
    for name, p in model.named_parameters():
        entries.append(("grad." + name, p.grad))

    header, blobs, offset = [], [], 0
    for name, t in entries:
        t = t.contiguous()
        dtype = {torch.float32: "f32", torch.int64: "i64"}[t.dtype]
        data = t.numpy().tobytes()
        header.append({"name": name, "dtype": dtype, "shape": list(t.shape), "offset": offset})
        blobs.append(data)
        offset += len(data)
    head = json.dumps({"torch": torch.__version__, "tensors": header}).encode("utf-8")
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lstm_lm.bin")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    print(f"wrote {path}: {8 + len(head) + offset} bytes, loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
