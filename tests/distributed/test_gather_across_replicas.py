"""One update on N replicas equals one update of a single replica on the
whole batch, with `gather_across_replicas=True`, on each backend's own
data-parallel engine (a subprocess each: device counts and process groups
must be set up before the backend starts).

- JAX: 4 CPU devices (`--xla_force_host_platform_device_count=4`),
  `keras.distribution.DataParallel`, `model.fit`.
- TensorFlow: `MirroredStrategy` over 4 logical CPUs, `model.fit`.
- torch: 2 gloo processes on 127.0.0.1, DDP-style gradient averaging.

Each script also checks that the local-only loss (no gathering) gives a
different update, so the equality is not vacuous.
"""

import os
import subprocess
import sys
import textwrap

import keras
import pytest

BACKEND = keras.backend.backend()
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))

_DATA = """
import numpy as np
rng = np.random.default_rng(0)
X = rng.normal(size=(16, 6)).astype("float32")
# Uneven classes: replicas hold different numbers of positive pairs, so the
# global pair count matters, and many positives sit on other replicas.
Y = np.array([0, 1, 2, 3, 0, 1, 4, 4, 0, 2, 2, 5, 1, 5, 5, 3], "int32")
"""

_KERAS_STEP = """
import keras, kzoo
def make_model():
    keras.utils.set_random_seed(1)
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(4)])
def one_step(model, gather, chunk_size=None):
    model.compile(
        optimizer=keras.optimizers.SGD(1.0),
        loss=kzoo.losses.NTXentLoss(
            0.5, gather_across_replicas=gather, chunk_size=chunk_size),
    )
    model.fit(X, Y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    return [np.asarray(w) for w in model.get_weights()]
def max_diff(a, b):
    return max(float(np.abs(u - v).max()) for u, v in zip(a, b))
"""

_JAX = (
    _DATA
    + _KERAS_STEP
    + """
reference = one_step(make_model(), gather=False)
devices = keras.distribution.list_devices("cpu")
assert len(devices) == 4, devices
keras.distribution.set_distribution(
    keras.distribution.DataParallel(devices=devices))
got = one_step(make_model(), gather=True)
streamed = one_step(make_model(), gather=True, chunk_size=5)
moved = max_diff(reference, [np.asarray(w) for w in make_model().get_weights()])
assert moved > 1e-3, moved
err = max(max_diff(got, reference), max_diff(streamed, reference))
assert err < 1e-5, err
print("ok", err)
"""
)

_TF = (
    """
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 4)
"""
    + _DATA
    + _KERAS_STEP
    + """
reference = one_step(make_model(), gather=False)
strategy = tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(4)])
results = {}
for name, gather, chunk in [("gathered", True, None), ("streamed", True, 3),
                            ("local", False, None)]:
    with strategy.scope():
        results[name] = one_step(make_model(), gather, chunk)
err = max(max_diff(results["gathered"], reference),
          max_diff(results["streamed"], reference))
local = max_diff(results["local"], reference)
assert err < 1e-5, err
assert local > 1e-3, local
print("ok", err, local)
"""
)

_TORCH = (
    _DATA
    + """
import sys, torch, torch.distributed as dist, torch.multiprocessing as mp
import kzoo

def grad(x, y, gather, chunk_size=None):
    torch.manual_seed(1)
    w = torch.randn(6, 4, dtype=torch.float32, requires_grad=True)
    loss = kzoo.losses.NTXentLoss(
        0.5, gather_across_replicas=gather, chunk_size=chunk_size)
    loss(torch.from_numpy(y), torch.from_numpy(x) @ w).backward()
    return w.grad

def worker(rank, port, out):
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
        world_size=2)
    lo, hi = 8 * rank, 8 * rank + 8
    results = []
    for gather, chunk in [(True, None), (True, 3), (False, None)]:
        g = grad(X[lo:hi], Y[lo:hi], gather, chunk)
        dist.all_reduce(g)  # what DDP does: average over ranks
        results.append((g / 2).numpy())
    if rank == 0:
        np.save(out, np.stack(results))
    dist.destroy_process_group()

if __name__ == "__main__":
    import socket, tempfile, os
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    s.close()
    out = os.path.join(tempfile.mkdtemp(), "g.npy")
    mp.spawn(worker, args=(port, out), nprocs=2, join=True)
    gathered, streamed, local = np.load(out)
    reference = grad(X, Y, gather=False).numpy()
    err = max(np.abs(gathered - reference).max(),
              np.abs(streamed - reference).max())
    off = np.abs(local - reference).max()
    assert err < 1e-5, err
    assert off > 1e-3, off
    print("ok", err, off)
"""
)


def _run(script, backend, extra_env=None, tmp_path=None):
    env = dict(
        os.environ,
        KERAS_BACKEND=backend,
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONPATH=ROOT,
        **(extra_env or {}),
    )
    path = os.path.join(tmp_path, "script.py")
    with open(path, "w") as f:
        f.write(textwrap.dedent(script))
    result = subprocess.run(
        [sys.executable, path],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # ~20 s on a quiet 2-core machine
    )
    assert result.returncode == 0 and "ok" in result.stdout, (
        result.stdout[-2000:] + result.stderr[-4000:]
    )


@pytest.mark.skipif(BACKEND != "jax", reason="keras.distribution on JAX")
def test_jax_data_parallel_equals_one_replica(tmp_path):
    flags = "--xla_force_host_platform_device_count=4"
    _run(_JAX, "jax", {"XLA_FLAGS": flags}, tmp_path)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.distribute")
def test_tf_mirrored_strategy_equals_one_replica(tmp_path):
    _run(_TF, "tensorflow", tmp_path=tmp_path)


@pytest.mark.skipif(BACKEND != "torch", reason="torch.distributed (gloo)")
def test_torch_gloo_ddp_equals_one_replica(tmp_path):
    _run(_TORCH, "torch", tmp_path=tmp_path)
