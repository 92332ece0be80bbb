"""Distribution helpers; the one place in kzoo that branches on the backend.

How a loss sees a batch under each backend's own data-parallel engine:

- JAX (`keras.distribution.DataParallel`): the train step is jitted with
  shardings and the loss sees the *global* batch; XLA inserts the
  collectives. `all_gather` is the identity and the offset is 0.
- TensorFlow (`tf.distribute` strategies): the loss runs per replica on the
  local batch. `all_gather` is `ReplicaContext.all_gather`, whose gradient
  all-reduces the upstream gradient and keeps this replica's rows.
- torch (`torch.distributed`, e.g. DDP): the loss runs per process on the
  local batch. `all_gather` is an autograd-aware all-gather, whose backward
  sums the gradient of every rank's copy.
"""

import keras

# Feature-detected in this order (torch 2.13 deprecates the second).
_AUTOGRAD_GATHERS = (
    ("torch.distributed._functional_collectives", "all_gather_single_autograd"),
    ("torch.distributed._functional_collectives", "all_gather_tensor_autograd"),
)


def num_replicas_in_sync():
    """Number of replicas a loss value is averaged over.

    On TensorFlow this is `tf.distribute.get_strategy().num_replicas_in_sync`
    (Keras scales mean-reduced losses by its inverse). JAX's
    `keras.distribution` hands a loss the global batch, and torch has no
    strategy object, so both count one replica.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.distribute.get_strategy().num_replicas_in_sync
    return 1


def _tf_replica_context():
    import tensorflow as tf

    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync <= 1:
        return None
    return ctx


def _torch_world():
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return None
    if dist.get_world_size() <= 1:
        return None
    return dist


def world_size():
    """Number of data-parallel replicas whose local batches `all_gather`
    concatenates (1 on JAX, where the loss already sees the global batch)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        ctx = _tf_replica_context()
        return 1 if ctx is None else ctx.num_replicas_in_sync
    if backend == "torch":
        dist = _torch_world()
        return 1 if dist is None else dist.get_world_size()
    return 1


def replica_id():
    """This replica's position in `all_gather`'s output (0 on JAX)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        ctx = _tf_replica_context()
        if ctx is None:
            return 0
        return ctx.replica_id_in_sync_group
    if backend == "torch":
        dist = _torch_world()
        return 0 if dist is None else dist.get_rank()
    return 0


def _torch_all_gather(x):
    import torch
    import torch.distributed as dist

    if not torch.is_floating_point(x) or not x.requires_grad:
        parts = [torch.empty_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, x.contiguous())
        return torch.cat(parts, dim=0)
    import importlib

    for module_name, fn_name in _AUTOGRAD_GATHERS:
        try:
            fn = getattr(importlib.import_module(module_name), fn_name)
        except (ImportError, AttributeError):
            continue
        out = fn(x.contiguous(), 0, dist.group.WORLD)
        wait = getattr(out, "wait", None)
        return wait() if callable(wait) else out
    from torch.distributed.nn.functional import all_gather

    return torch.cat(all_gather(x.contiguous()), dim=0)


def all_gather(x):
    """Concatenate every replica's `x` along axis 0, with gradients.

    Args:
        x: a tensor whose first axis is the local batch (same size on every
            replica).

    Returns:
        `(gathered, offset)`: the `[R·B, ...]` concatenation in replica order,
        and the row where this replica's own `x` starts in it
        (`replica_id() * B`). On JAX, and outside any distribution, `(x, 0)`.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        ctx = _tf_replica_context()
        if ctx is None:
            return x, 0
        import tensorflow as tf

        gathered = ctx.all_gather(x, axis=0)
        offset = ctx.replica_id_in_sync_group * tf.shape(x)[0]
        return gathered, offset
    if backend == "torch":
        dist = _torch_world()
        if dist is None:
            return x, 0
        return _torch_all_gather(x), dist.get_rank() * x.shape[0]
    return x, 0
