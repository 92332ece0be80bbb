"""Pairwise similarity and distance matrices between two sets of rows."""

from keras import ops

from kzoo.api_export import kzoo_export
from kzoo.backend import custom_vjp
from kzoo.backend import is_compiling
from kzoo.ops.norms import l2_normalize
from kzoo.ops.norms import safe_sqrt


def _check_rank2(name, x):
    if len(x.shape) != 2:
        raise ValueError(
            f"`{name}` must be a rank-2 tensor of shape (num_rows, dim). "
            f"Received: {name}.shape={tuple(x.shape)}"
        )


def _inputs(a, b):
    a = ops.convert_to_tensor(a)
    _check_rank2("a", a)
    if b is None:
        return a, a, True
    b = ops.convert_to_tensor(b)
    _check_rank2("b", b)
    if a.shape[-1] is not None and b.shape[-1] is not None:
        if a.shape[-1] != b.shape[-1]:
            raise ValueError(
                "`a` and `b` must have the same last dimension. Received: "
                f"a.shape={tuple(a.shape)}, b.shape={tuple(b.shape)}"
            )
    return a, b, False


def _gram_forward(a):
    return ops.matmul(a, ops.transpose(a)), (a,)


def _gram_backward(res, upstream):
    (a,) = res
    return (ops.matmul(upstream + ops.transpose(upstream), a),)


_GRAM = custom_vjp(_gram_forward, _gram_backward)


def _gram(a):
    """`a @ a.T` whose backward is one matrix product.

    Autodiff of `matmul(a, transpose(a))` treats the two operands as
    unrelated and spends two `[N, N] x [N, D]` products on the gradient;
    since `a` is shared, `dA = (G + Gᵀ) a` needs one.
    """
    if is_compiling():  # torch.compile: inductor plans its own backward
        return ops.matmul(a, ops.transpose(a))
    return _GRAM(a)


@kzoo_export("kzoo.ops.pairwise_dot")
def pairwise_dot(a, b=None):
    """All inner products between the rows of `a` and the rows of `b`.

    Formula:

    ```
    M_ij = a_i · b_j
    ```

    Args:
        a: tensor `[N, D]`.
        b: tensor `[M, D]`, or `None` to compare `a` with itself. Defaults to
            `None`.

    Returns:
        Tensor `[N, M]`.
    """
    a, b, same = _inputs(a, b)
    if same:
        return _gram(a)
    return ops.matmul(a, ops.transpose(b))


@kzoo_export("kzoo.ops.pairwise_cosine_similarity")
def pairwise_cosine_similarity(a, b=None):
    """Cosine similarity between every row of `a` and every row of `b`.

    Formula:

    ```
    M_ij = (a_i · b_j) / (max(‖a_i‖, ε) · max(‖b_j‖, ε)),   ε = 1e-12
    ```

    Args:
        a: tensor `[N, D]`.
        b: tensor `[M, D]`, or `None` to compare `a` with itself. Defaults to
            `None`.

    Returns:
        Tensor `[N, M]` with values in `[-1, 1]`.
    """
    a, b, same = _inputs(a, b)
    a = l2_normalize(a)
    if same:
        return _gram(a)
    return ops.matmul(a, ops.transpose(l2_normalize(b)))


@kzoo_export("kzoo.ops.pairwise_squared_distance")
def pairwise_squared_distance(a, b=None):
    """Squared Euclidean distances between the rows of `a` and of `b`.

    Computed through one matrix product, clamped at 0 against rounding. When
    `b` is `None` the diagonal is exactly 0.

    Formula:

    ```
    M_ij = max(‖a_i‖² + ‖b_j‖² − 2 a_i · b_j, 0)
    ```

    Args:
        a: tensor `[N, D]`.
        b: tensor `[M, D]`, or `None` to compare `a` with itself. Defaults to
            `None`.

    Returns:
        Tensor `[N, M]`.
    """
    a, b, same = _inputs(a, b)
    sq_a = ops.sum(ops.square(a), axis=1)
    sq_b = sq_a if same else ops.sum(ops.square(b), axis=1)
    dot = _gram(a) if same else ops.matmul(a, ops.transpose(b))
    d2 = sq_a[:, None] + sq_b[None, :] - 2.0 * dot
    d2 = ops.maximum(d2, 0.0)
    if same:
        n = ops.shape(a)[0]
        d2 = ops.where(ops.eye(n, dtype="bool"), ops.zeros_like(d2), d2)
    return d2


@kzoo_export("kzoo.ops.pairwise_distance")
def pairwise_distance(a, b=None):
    """Euclidean distances between the rows of `a` and of `b`.

    The square root has a zero (not NaN) gradient at zero distance, so
    duplicated embeddings train safely.

    Formula:

    ```
    M_ij = ‖a_i − b_j‖₂
    ```

    Args:
        a: tensor `[N, D]`.
        b: tensor `[M, D]`, or `None` to compare `a` with itself. Defaults to
            `None`.

    Returns:
        Tensor `[N, M]`.
    """
    return safe_sqrt(pairwise_squared_distance(a, b))
