"""Sorting numbers with Read-Process-Write (Set2Set) vs a Pointer Network.

Vinyals, Bengio & Kudlur (ICLR 2016), Table 1: sort N numbers drawn from
U(0, 1) by pointing at them in increasing order. A Pointer Network, whose
LSTM encoder reads the numbers in the (random) input order, is compared with
Read-Process-Write: a per-element Read MLP, a Process block of P attention
steps (`kzoo.layers.Set2Set`), and the same pointer decoder (Write), which
attends over the Read memories. The Read-Process-Write encoding does not
depend on the input order. Accuracy = fraction of test sets whose whole
output permutation is correct (greedy decoding).

    KERAS_BACKEND=jax python tools/reproduce/set2set_sorting.py

Writes docs/results/set2set_sorting.md.
"""

import argparse
import os
import time

import keras
import numpy as np
from keras import ops

import kzoo


class PointerDecoder(keras.layers.Layer):
    """LSTM decoder pointing at set elements (Vinyals et al., 2015).

    Inputs: memories `[B, N, D]`, initial state `[B, 2D]` (h and c), and the
    previously chosen element at each step `[B, N]` (index `N` is the start
    symbol): teacher forcing in training, greedy feedback at test time.
    Output: logits `[B, N, N]`. Already-chosen elements are not masked: with
    a mask, pointing at the smallest remaining element needs no set context
    at all (a monotone score per element sorts perfectly), which would hide
    what the encoders contribute.
    """

    def build(self, shapes):
        d = shapes[0][-1]
        self.d = d
        add = self.add_weight
        self.kernel = add(shape=(d, 4 * d), initializer="glorot_uniform")
        self.recurrent = add(shape=(d, 4 * d), initializer="orthogonal")
        self.bias = add(shape=(4 * d,), initializer="zeros")
        self.start = add(shape=(d,), initializer="random_normal")
        self.w1 = add(shape=(d, d), initializer="glorot_uniform")
        self.w2 = add(shape=(d, d), initializer="glorot_uniform")
        self.v = add(shape=(d,), initializer="random_normal")

    def call(self, inputs):
        m, state, prev = inputs
        b, n = ops.shape(m)[0], m.shape[1]
        h, c = state[:, : self.d], state[:, self.d :]
        start = ops.broadcast_to(self.start, (b, 1, self.d))
        m_ext = ops.concatenate([m, start], axis=1)
        keys = ops.matmul(m, self.w1)
        prev = ops.cast(prev, "int32")
        logits = []
        for t in range(n):
            step_in = ops.take_along_axis(
                m_ext, prev[:, t][:, None, None], axis=1
            )[:, 0]
            z = ops.matmul(step_in, self.kernel)
            z = z + ops.matmul(h, self.recurrent) + self.bias
            i, f, g, o = ops.split(z, 4, axis=-1)
            c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
            h = ops.sigmoid(o) * ops.tanh(c)
            q = ops.matmul(h, self.w2)[:, None, :]
            score = ops.sum(ops.tanh(keys + q) * self.v, axis=-1)
            logits.append(score)
        return ops.stack(logits, axis=1)


def build(kind, n, d=32, steps=5):
    x = keras.Input((n, 1))
    prev = keras.Input((n,), dtype="int32")
    if kind == "ptrnet":
        mem, h, c = keras.layers.LSTM(
            d, return_sequences=True, return_state=True
        )(x)
        state = keras.layers.Concatenate()([h, c])
    else:
        mem = keras.layers.Dense(d, activation="relu")(x)
        mem = keras.layers.Dense(d)(mem)
        state = kzoo.layers.Set2Set(processing_steps=steps)(mem)
    logits = PointerDecoder()([mem, state, prev])
    return keras.Model([x, prev], logits)


def data(count, n, rng):
    x = rng.random((count, n)).astype(np.float32)
    y = np.argsort(x, axis=1).astype(np.int32)
    prev = np.concatenate([np.full((count, 1), n), y[:, :-1]], axis=1)
    return x[..., None], prev.astype(np.int32), y


def greedy_accuracy(model, x, y, n):
    prev = np.full((len(x), n), n, np.int32)
    out = np.zeros((len(x), n), np.int32)
    for t in range(n):
        logits = model.predict([x, prev], batch_size=1024, verbose=0)
        out[:, t] = logits[:, t].argmax(-1)
        if t + 1 < n:
            prev[:, t + 1] = out[:, t]
    return float(np.mean(np.all(out == y, axis=1)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--train", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.time()
    rng = np.random.default_rng(args.seed)
    xtr, ptr, ytr = data(args.train, args.n, rng)
    xte, _, yte = data(2000, args.n, rng)
    results = []
    arms = [
        ("Ptr-Net (LSTM encoder)", "ptrnet", 0),
        ("Read-Process-Write, P = 1", "rpw", 1),
        ("Read-Process-Write, P = 5", "rpw", 5),
    ]
    for name, kind, steps in arms:
        keras.utils.set_random_seed(args.seed)
        model = build(kind, args.n, steps=steps)
        model.compile(
            optimizer=keras.optimizers.Adam(3e-3),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        t0 = time.time()
        model.fit(
            [xtr, ptr], ytr, batch_size=128, epochs=args.epochs, verbose=0
        )
        acc = greedy_accuracy(model, xte, yte, args.n)
        results.append((name, acc, time.time() - t0))
        print(f"{name}: accuracy {acc:.3f} ({time.time() - t0:.0f} s)")
    elapsed = time.time() - start
    table = "\n".join(
        ["| model | sets sorted exactly (N = %d) |" % args.n, "|---|---|"]
        + [f"| {name} | {acc:.3f} |" for name, acc, _ in results]
    )
    ptr_acc, best = results[0][1], results[-1][1]
    if best > ptr_acc:
        verdict = (
            "reproduced (direction): Read-Process-Write with Set2Set sorts "
            f"more sets exactly than the Pointer Network ({best:.3f} vs "
            f"{ptr_acc:.3f}); the paper reports 94 % vs 81 % at N = 5 with "
            f"much longer training. One seed; P = 1 gives {results[1][1]:.3f}"
            + (
                ", so more processing steps did not help at this scale."
                if results[1][1] >= best
                else "."
            )
        )
    else:
        verdict = (
            "not reproduced at this scale: the Pointer Network sorts "
            f"{ptr_acc:.3f} of the sets, Read-Process-Write (P = 5) "
            f"{best:.3f} (paper: 81 % vs 94 % at N = 5)."
        )
    print(verdict)
    command = "KERAS_BACKEND=jax python tools/reproduce/set2set_sorting.py"
    fragment = f"""### Order Matters / Set2Set (Vinyals et al., 2016)

Command: `{command}` (backend: {keras.backend.backend()}, {elapsed:.0f} s on
a shared 2-core CPU).

Sorting N = {args.n} numbers from U(0, 1): {args.train} training sets,
{args.epochs} epochs (Adam 3e-3, batch 128, teacher forcing), 2000 test sets,
greedy decoding; accuracy = whole permutation correct. All models share the
pointer decoder (LSTM, hidden size 32, fed the previously pointed element;
already-chosen elements are not masked, as masking makes the task solvable
by a per-element monotone score).
Ptr-Net: LSTM encoder over the numbers in their random input order.
Read-Process-Write: per-element MLP, then `kzoo.layers.Set2Set` with P
steps initializing the decoder.

{table}

Verdict: {verdict}
"""
    os.makedirs("docs/results", exist_ok=True)
    with open("docs/results/set2set_sorting.md", "w") as f:
        f.write(fragment)


if __name__ == "__main__":
    main()
