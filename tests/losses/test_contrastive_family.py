"""PairingNetLoss, WeightedInfoNCELoss, ProtoNCELoss, PamCLoss,
GraphMatchingLoss.

Parity references: the float64 loops of tests/reference/contrastive_family.py
(written from the papers' formulas) for value and gradient, the fixtures of
research/PAPERS_METRIC.md §9, §14, §16 (produced there by running each
paper's official function on the literal inputs below: PAMC `train.py`
NcontrastCC @ f33a8b3, MEOW `code_meow/module/contrast.py` InfoNce/ProtoNCE @
6a072d7, PairingNet `utils/infornce_loss.py` @ e878b78), closed-form
identities, and scipy's linear_sum_assignment for the Sinkhorn limit.
"""

import keras
import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

import kzoo
from kzoo.losses.contrastive_learning.graph_matching_loss import log_sinkhorn
from kzoo.testing import numerical_gradient
from kzoo.testing import value_and_grad
from kzoo.testing.checklist import _LossChecklist
from tests.reference import contrastive_family as ref

X6 = np.array(
    [
        [1.0, 0.2, 0.0],
        [0.9, 0.3, 0.1],
        [0.1, 1.0, 0.2],
        [0.0, 0.8, 0.4],
        [0.2, 0.1, 1.0],
        [0.5, 0.5, 0.5],
    ],
    dtype="float32",
)


def _views(seed, n=6, dim=4, noise=0.4):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, dim))
    b = a + noise * rng.normal(size=a.shape)
    return a.astype("float32"), b.astype("float32")


TORCH_JIT_REASON = (
    "torch: this loss's jit fit is compiled once, together with the rest of "
    "the family, in test_family_fit_smoke_one_torch_compile (one inductor "
    "compile per loss would exceed the test-time budget)"
)


def skip_torch_jit(jit_compile):
    if jit_compile and keras.backend.backend() == "torch":
        pytest.skip(TORCH_JIT_REASON)


def _assert_finite(value, grad):
    assert np.isfinite(value) and np.all(np.isfinite(grad))


def _check_value_and_grad(loss, y, x, ref_fn, rtol=1e-5, gtol=1e-4):
    """kzoo value and gradient against a float64 reference of x."""
    value, grad = value_and_grad(lambda t: loss(y, t), x)
    np.testing.assert_allclose(value, ref_fn(x), rtol=rtol, atol=1e-6)
    expected = numerical_gradient(ref_fn, x.astype("float64"))
    np.testing.assert_allclose(grad, expected, rtol=gtol, atol=gtol)


class _TwoViewChecklist(_LossChecklist):
    """Checklist for `[B, 2D]` two-view outputs with id matrices."""

    dim = 3

    def small_model(self):
        return keras.Sequential(
            [keras.Input((6,)), keras.layers.Dense(2 * self.dim)]
        )

    def fit_data(self):
        rng = np.random.default_rng(3)
        x = rng.normal(size=(16, 6)).astype("float32")
        return x, self.ids_for(16)

    def bad_shapes(self):
        y, x = self.batch()
        return [
            (y, x[0], "y_pred"),
            (y, x[:, :-1], "two views"),
            (y[:-1], x, "same batch size"),
        ]

    @pytest.mark.requires_trainable_backend
    @pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
    def test_fit_smoke(self, jit_compile):
        skip_torch_jit(jit_compile)
        super().test_fit_smoke(jit_compile)

    @pytest.mark.parametrize("case", ["batch_of_one", "identical", "tiny"])
    def test_degenerate_batches_are_finite(self, case):
        y, x = self.batch()
        if case == "batch_of_one":
            y, x = y[:1], x[:1]
        elif case == "identical":
            x = np.repeat(x[:1], len(x), axis=0)
        else:
            x = x * 1e-20
        loss = self.make_loss()
        _assert_finite(*value_and_grad(lambda t: loss(y, t), x))


# --- PairingNet ----------------------------------------------------------

SRC = np.array([0, 0, 1, 2, 3, 3], "int32")
TGT = np.array([5, 6, 7, 5, 8, 9], "int32")


class TestPairingNetLoss(_TwoViewChecklist):
    loss_class = kzoo.losses.PairingNetLoss
    default_kwargs = {"temperature": 0.5}
    bad_kwargs = [
        ({"temperature": 0}, "Received: temperature=0"),
        ({"self_term_weight": -1}, "Received: self_term_weight=-1"),
        ({"distance": "nope"}, "Received: distance='nope'"),
    ]

    def batch(self):
        a, b = _views(0, dim=self.dim)
        return np.stack([SRC, TGT], 1), np.concatenate([a, b], 1)

    def ids_for(self, n):
        src = np.arange(n) // 2
        return np.stack([src, 100 + np.arange(n) % 5], 1).astype("int32")


def test_pairing_net_official_fixture():
    # PAPERS_METRIC.md §16: official `compute_loss` on f_s = X6[0:4],
    # f_t = X6[[1,0,3,2]] + 0.05, src = [0,0,1,2], tgt = [5,6,7,5]:
    # L_st 0.4329439, L_ss 0.2746604, L_tt 0.6015474, total 0.6519959.
    fs, ft = X6[0:4], X6[[1, 0, 3, 2]] + 0.05
    ids = np.array([[0, 5], [0, 6], [1, 7], [2, 5]], "int32")
    x = np.concatenate([fs, ft], 1)
    total = float(kzoo.losses.PairingNetLoss()(ids, x))
    st = float(kzoo.losses.PairingNetLoss(self_term_weight=0.0)(ids, x))
    np.testing.assert_allclose(total, 0.6519959, rtol=2e-6)
    np.testing.assert_allclose(st, 0.4329439, rtol=2e-6)


def test_pairing_net_matches_reference_value_and_gradient():
    a, b = _views(1)
    ids = np.stack([SRC, TGT], 1)
    loss = kzoo.losses.PairingNetLoss(temperature=0.3)
    _check_value_and_grad(
        loss,
        ids,
        np.concatenate([a, b], 1),
        lambda x: ref.pairing_net(x[:, :4], x[:, 4:], SRC, TGT, 0.3).mean(),
    )


def test_pairing_net_one_positive_is_infonce():
    # Unique ids, no self terms: −log softmax(S/τ)_ii (one-way InfoNCE).
    a, b = _views(2)
    ids = np.stack([np.arange(6), 10 + np.arange(6)], 1).astype("int32")
    logits = ref.normalize(a) @ ref.normalize(b).T / 0.2
    expected = keras.ops.convert_to_numpy(
        keras.losses.sparse_categorical_crossentropy(
            np.arange(6), logits.astype("float32"), from_logits=True
        )
    )
    got = kzoo.losses.pairing_net(
        ids, np.concatenate([a, b], 1), 0.2, self_term_weight=0.0
    )
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5)


# --- MEOW ----------------------------------------------------------------

CLUSTERS = np.array([[0, 0, 1, 1, 2, 2], [0, 1, 2, 2, 3, 3]], "int32").T


class TestWeightedInfoNCELoss(_TwoViewChecklist):
    loss_class = kzoo.losses.WeightedInfoNCELoss
    default_kwargs = {"temperature": 0.5}
    bad_kwargs = [
        ({"temperature": -0.1}, "Received: temperature=-0.1"),
        ({"include_positive": 1}, "Received: include_positive=1"),
    ]

    def batch(self):
        a, b = _views(3, dim=self.dim)
        return CLUSTERS, np.concatenate([a, b], 1)

    def ids_for(self, n):
        return np.stack([np.arange(n) % 3, np.arange(n) % 5], 1).astype("int32")

    def bad_shapes(self):
        y, x = self.batch()
        return super().bad_shapes() + [(y[:, 0, None, None], x, "y_true")]


ZC = ref.normalize([[1, 0.2], [0.8, 0.5], [0.1, 1], [-0.3, 0.9]])
ZF = ref.normalize([[0.9, 0.3], [0.7, 0.6], [0.2, 0.9], [-0.2, 1]])
MEOW_CLUSTERS = [[0, 0, 1, 1], [0, 1, 2, 2]]
CENTROIDS = [[[1, 0.4], [0, 1]], [[1, 0.2], [0.8, 0.6], [0, 1]]]
DENSITIES = [[0.5, 0.7], [0.4, 0.6, 0.5]]


def test_meow_official_fixture():
    # PAPERS_METRIC.md §14: official InfoNce on these inputs, τ = 0.5:
    # 0.4808726.
    x = np.concatenate([ZC, ZF], 1).astype("float32")
    ids = np.array(MEOW_CLUSTERS, "int32").T
    got = float(kzoo.losses.WeightedInfoNCELoss(0.5)(ids, x))
    np.testing.assert_allclose(got, 0.4808726, rtol=2e-6)


def test_weighted_info_nce_matches_reference_value_and_gradient():
    a, b = _views(4)
    clusters = [CLUSTERS[:, 0], CLUSTERS[:, 1]]
    for include in (False, True):
        loss = kzoo.losses.WeightedInfoNCELoss(0.4, include_positive=include)
        _check_value_and_grad(
            loss,
            CLUSTERS,
            np.concatenate([a, b], 1),
            lambda x, inc=include: ref.meow_infonce(
                x[:, :4], x[:, 4:], clusters, 0.4, inc
            ).mean(),
        )


def test_uniform_weights_are_infonce():
    # M = 1, every node its own cluster: all off-diagonal weights 1; with
    # the positive in the denominator this is exactly InfoNCE.
    a, b = _views(5)
    logits = (ref.normalize(a) @ ref.normalize(b).T / 0.3).astype("float32")
    expected = keras.ops.convert_to_numpy(
        keras.losses.sparse_categorical_crossentropy(
            np.arange(6), logits, from_logits=True
        )
    )
    got = kzoo.losses.weighted_info_nce(
        np.arange(6, dtype="int32")[:, None],
        np.concatenate([a, b], 1),
        0.3,
        include_positive=True,
    )
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5)


def _proto_logits(z, centroids=CENTROIDS, densities=DENSITIES):
    blocks = [
        ref.normalize(z) @ ref.normalize(np.array(c, float)).T / np.array(d)
        for c, d in zip(centroids, densities)
    ]
    return np.concatenate(blocks, 1).astype("float32")


class TestProtoNCELoss(_LossChecklist):
    loss_class = kzoo.losses.ProtoNCELoss
    default_kwargs = {"num_clusters": (2, 3)}
    bad_kwargs = [
        ({"num_clusters": 0}, "Received: num_clusters=0"),
        ({"num_clusters": (2, "a")}, r"Received: num_clusters=\(2, 'a'\)"),
        ({"official_scaling": "yes"}, "Received: official_scaling='yes'"),
    ]

    def batch(self):
        rng = np.random.default_rng(6)
        y = np.stack([np.arange(6) % 2, np.arange(6) % 3], 1).astype("int32")
        return y, rng.normal(size=(6, 5)).astype("float32")

    def small_model(self):
        return keras.Sequential([keras.Input((6,)), keras.layers.Dense(5)])

    def fit_data(self):
        rng = np.random.default_rng(3)
        y = np.stack([np.arange(16) % 2, np.arange(16) % 3], 1)
        return rng.normal(size=(16, 6)).astype("float32"), y.astype("int32")

    @pytest.mark.requires_trainable_backend
    @pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
    def test_fit_smoke(self, jit_compile):
        skip_torch_jit(jit_compile)
        super().test_fit_smoke(jit_compile)

    def bad_shapes(self):
        y, x = self.batch()
        return [
            (y, x[:, :4], "y_pred"),
            (y[:, :1], x, "y_true"),
            (y[:-1], x, "same batch size"),
        ]

    def test_degenerate_batches_are_finite(self):
        y, x = self.batch()
        loss = self.make_loss()
        _assert_finite(*value_and_grad(lambda t: loss(y[:1], t), x[:1]))
        _assert_finite(*value_and_grad(lambda t: loss(y, t * 1e4), x))


def test_proto_nce_official_fixture():
    # PAPERS_METRIC.md §14: official ProtoNCE 0.9481944; without the N/K_m
    # factor 0.4577798 (offset (log 2 + log 4/3)/2 for N = 4, K = 2, 3).
    ids = np.array(MEOW_CLUSTERS, "int32").T
    logits = _proto_logits(ZC)
    official = kzoo.losses.ProtoNCELoss((2, 3))(ids, logits)
    plain = kzoo.losses.ProtoNCELoss((2, 3), official_scaling=False)(
        ids, logits
    )
    np.testing.assert_allclose(float(official), 0.9481944, rtol=2e-6)
    np.testing.assert_allclose(float(plain), 0.4577798, rtol=2e-6)


def test_proto_nce_matches_reference_value_and_gradient():
    a, _ = _views(7, n=4, dim=2)
    ids = np.array(MEOW_CLUSTERS, "int32").T
    loss = kzoo.losses.ProtoNCELoss((2, 3))

    def fn(t):
        blocks = []
        for c, d in zip(CENTROIDS, DENSITIES):
            mu = ref.normalize(np.array(c, float)).astype("float32")
            mu = keras.ops.convert_to_tensor(mu.T)
            phi = keras.ops.convert_to_tensor(np.array(d, "float32"))
            zn = kzoo.ops.l2_normalize(t)
            blocks.append(keras.ops.matmul(zn, mu) / phi)
        return loss(ids, keras.ops.concatenate(blocks, 1))

    value, grad = value_and_grad(fn, a)

    def ref_fn(z):
        return ref.proto_nce(z, MEOW_CLUSTERS, CENTROIDS, DENSITIES).mean()

    np.testing.assert_allclose(value, ref_fn(a), rtol=1e-5)
    np.testing.assert_allclose(
        grad, numerical_gradient(ref_fn, a), rtol=1e-4, atol=1e-4
    )


# --- PamC ----------------------------------------------------------------

PAMC_Z = np.array(
    [[1, 0.1], [0.9, 0.2], [0.1, 1], [0.2, 0.8], [0.6, 0.6]], "float32"
)
PAMC_A = np.array(
    [
        [1, 1, 0, 0, 0],
        [1, 1, 0, 0, 1],
        [0, 0, 1, 1, 0],
        [0, 0, 1, 1, 1],
        [0, 1, 0, 1, 1],
    ],
    "float32",
)
PAMC_Q = np.array(
    [[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9], [0.6, 0.4]], "float32"
)


class TestPamCLoss(_LossChecklist):
    loss_class = kzoo.losses.PamCLoss
    default_kwargs = {"num_clusters": 2, "temperature": 0.5}
    bad_kwargs = [
        ({"num_clusters": 0}, "Received: num_clusters=0"),
        ({"num_clusters": 2.5}, "Received: num_clusters=2.5"),
        ({"temperature": 0}, "Received: temperature=0"),
    ]

    def batch(self):
        return PAMC_A, np.concatenate([PAMC_Z, PAMC_Q], 1)

    def small_model(self):
        return keras.Sequential([keras.Input((6,)), keras.layers.Dense(5)])

    def fit_data(self):
        rng = np.random.default_rng(3)
        x = rng.normal(size=(8, 6)).astype("float32")
        adj = (rng.random((8, 8)) < 0.4).astype("float32")
        return x, np.maximum(adj, adj.T) + np.eye(8, dtype="float32")

    def bad_shapes(self):
        y, x = self.batch()
        return [
            (y, x[:, :2], "y_pred"),
            (y[:-1], x, "y_true"),
        ]

    @pytest.mark.requires_trainable_backend
    @pytest.mark.parametrize("jit_compile", [False, True], ids=["eager", "jit"])
    def test_fit_smoke(self, jit_compile):
        # Transductive: the whole graph is one batch.
        skip_torch_jit(jit_compile)
        x, y = self.fit_data()
        model = self.small_model()
        before = [np.array(w) for w in model.get_weights()]
        model.compile(
            optimizer=keras.optimizers.SGD(0.05),
            loss=self.make_loss(num_clusters=3),
            jit_compile=jit_compile,
        )
        history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
        assert np.all(np.isfinite(history.history["loss"]))
        after = model.get_weights()
        assert any(not np.allclose(a, b) for a, b in zip(before, after))

    def test_reductions_and_sample_weight(self):
        super().test_reductions_and_sample_weight()

    @pytest.mark.parametrize("case", ["one_node", "one_cluster", "no_edges"])
    def test_degenerate_batches_are_finite(self, case):
        y, x = self.batch()
        if case == "one_node":
            y, x = y[:1, :1], x[:1]
        elif case == "one_cluster":
            x = x.copy()
            x[:, -2:] = [1.0, 0.0]
        else:
            y = np.zeros_like(y)
        loss = self.make_loss()
        _assert_finite(*value_and_grad(lambda t: loss(y, t), x))


def test_pamc_official_fixture():
    # PAPERS_METRIC.md §9: official NcontrastCC on these inputs: τ = 1 →
    # −0.6221455, τ = 0.5 → −0.4172955 (τ multiplies: temperature = 1/τ).
    x = np.concatenate([PAMC_Z, PAMC_Q], 1)
    got1 = float(kzoo.losses.PamCLoss(2, temperature=1.0)(PAMC_A, x))
    got2 = float(kzoo.losses.PamCLoss(2, temperature=2.0)(PAMC_A, x))
    np.testing.assert_allclose(got1, -0.6221455, rtol=2e-6)
    np.testing.assert_allclose(got2, -0.4172955, rtol=2e-6)


def test_pamc_matches_reference_value_and_gradient():
    rng = np.random.default_rng(8)
    z = rng.normal(size=(7, 3)).astype("float32")
    q = rng.random((7, 3)).astype("float32")
    adj = (rng.random((7, 7)) < 0.5).astype("float32")
    loss = kzoo.losses.PamCLoss(3, temperature=0.5)
    value, grad = value_and_grad(
        lambda t: loss(adj, keras.ops.concatenate([t, q], 1)), z
    )

    def ref_fn(zz):
        return ref.pamc(zz, q, adj, 2.0)

    np.testing.assert_allclose(value, ref_fn(z), rtol=1e-5)
    np.testing.assert_allclose(
        grad, numerical_gradient(ref_fn, z), rtol=1e-4, atol=1e-4
    )


def test_pamc_one_hot_identity_is_node_level_contrast():
    # K = N, one-hot q: meta-nodes are the nodes, the negative term is
    # mean_i log Σ_j exp(S_ij/τ) with S_ii := 0 (Graph-MLP / SCGC).
    rng = np.random.default_rng(9)
    z = rng.normal(size=(5, 3))
    adj = (rng.random((5, 5)) < 0.5).astype("float64")
    s = ref.normalize(z) @ ref.normalize(z).T
    np.fill_diagonal(s, 0.0)
    pos = np.log((adj * np.exp(s / 0.5)).sum(1) + 1e-10)
    neg = np.log(np.exp(s / 0.5).sum(1) + 1e-10)
    expected = neg.mean() - pos.mean()
    x = np.concatenate([z, np.eye(5)], 1).astype("float32")
    got = float(kzoo.losses.PamCLoss(5, 0.5)(adj.astype("float32"), x))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


# --- LVM-Med graph matching ----------------------------------------------


class TestGraphMatchingLoss(_TwoViewChecklist):
    loss_class = kzoo.losses.GraphMatchingLoss
    default_kwargs = {
        "temperature": 0.5,
        "num_neighbors": 2,
        "sinkhorn_iterations": 3,
    }
    bad_kwargs = [
        ({"temperature": 0}, "Received: temperature=0"),
        ({"structure_weight": -1}, "Received: structure_weight=-1"),
        ({"num_neighbors": 0}, "Received: num_neighbors=0"),
        ({"sinkhorn_iterations": -1}, "Received: sinkhorn_iterations=-1"),
    ]

    def batch(self):
        a, b = _views(10, dim=self.dim)
        return np.arange(6, dtype="int32"), np.concatenate([a, b], 1)

    def ids_for(self, n):
        return np.arange(n, dtype="int32")

    def bad_shapes(self):
        y, x = self.batch()
        return [(y, x[0], "y_pred"), (y, x[:, :-1], "two views")]


@pytest.mark.parametrize("gamma,iters", [(0.0, 3), (0.5, 10)])
def test_graph_matching_matches_reference_value_and_gradient(gamma, iters):
    a, b = _views(11)
    loss = kzoo.losses.GraphMatchingLoss(0.3, gamma, 2, iters)
    _check_value_and_grad(
        loss,
        np.zeros(6, "int32"),
        np.concatenate([a, b], 1),
        lambda x: ref.graph_matching(
            x[:, :4], x[:, 4:], 0.3, gamma, 2, iters
        ).mean(),
    )


def test_graph_matching_without_sinkhorn_is_infonce():
    a, b = _views(12)
    logits = (ref.normalize(a) @ ref.normalize(b).T / 0.2).astype("float32")
    expected = keras.ops.convert_to_numpy(
        keras.losses.sparse_categorical_crossentropy(
            np.arange(6), logits, from_logits=True
        )
    )
    got = kzoo.losses.graph_matching(
        np.zeros(6), np.concatenate([a, b], 1), 0.2, 0.0, 3, 0
    )
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5)


def test_sinkhorn_tends_to_the_hungarian_permutation():
    rng = np.random.default_rng(13)
    cost = rng.normal(size=(7, 7)).astype("float32")
    rows, cols = linear_sum_assignment(-cost)
    log_p = log_sinkhorn(keras.ops.convert_to_tensor(cost / 0.01), 200)
    p = np.exp(keras.ops.convert_to_numpy(log_p))
    perm = np.zeros((7, 7))
    perm[rows, cols] = 1.0
    np.testing.assert_allclose(p, perm, atol=1e-2)
    # Rows sum to 1 exactly (last step), columns nearly (doubly stochastic).
    np.testing.assert_allclose(p.sum(1), np.ones(7), atol=1e-5)
    np.testing.assert_allclose(p.sum(0), np.ones(7), atol=1e-2)


def test_graph_matching_identity_alignment_is_minimal():
    a, _ = _views(14)
    loss = kzoo.losses.GraphMatchingLoss(0.1)
    aligned = float(loss(np.zeros(6), np.concatenate([a, a], 1)))
    shuffled = float(loss(np.zeros(6), np.concatenate([a, a[::-1]], 1)))
    assert aligned < shuffled


def test_functional_twins_equal_classes():
    x = np.concatenate([PAMC_Z, PAMC_Q], 1)
    np.testing.assert_allclose(
        np.asarray(kzoo.losses.pamc(PAMC_A, x, 2, 0.5)),
        np.asarray(kzoo.losses.PamCLoss(2, 0.5, reduction="none")(PAMC_A, x)),
        rtol=1e-6,
    )
    ids = np.array(MEOW_CLUSTERS, "int32").T
    logits = _proto_logits(ZC)
    np.testing.assert_allclose(
        np.asarray(kzoo.losses.proto_nce(ids, logits, (2, 3))),
        np.asarray(
            kzoo.losses.ProtoNCELoss((2, 3), reduction="none")(ids, logits)
        ),
        rtol=1e-6,
    )


@pytest.mark.requires_trainable_backend
@pytest.mark.skipif(
    keras.backend.backend() != "torch",
    reason="on TF and JAX each loss's checklist compiles its own jit fit",
)
def test_family_fit_smoke_one_torch_compile():
    # One multi-output model, compiled once by torch.compile, trains with
    # every loss of the family (and AMCL) at once.
    n = 8
    rng = np.random.default_rng(11)
    x = rng.normal(size=(n, 6)).astype("float32")
    inp = keras.Input((6,))
    heads = kzoo.layers.AdaptiveTemperatureHeads(
        num_heads=2, hidden_dim=8, projection_dim=4, temperature_hidden_dim=4
    )
    outputs = [keras.layers.Dense(6)(inp) for _ in range(3)] + [
        keras.layers.Dense(5)(inp),
        keras.layers.Dense(5)(inp),
        heads(keras.layers.Dense(8)(inp)),
    ]
    model = keras.Model(inp, outputs)
    adj = (rng.random((n, n)) < 0.4).astype("float32")
    targets = [
        np.stack([np.arange(n) // 2, 100 + np.arange(n) % 5], 1),
        np.stack([np.arange(n) % 3, np.arange(n) % 5], 1),
        np.arange(n),
        np.stack([np.arange(n) % 2, np.arange(n) % 3], 1),
        np.maximum(adj, adj.T) + np.eye(n, dtype="float32"),
        np.tile(np.arange(n // 2), 2),
    ]
    targets = [
        t if t.dtype == np.float32 else t.astype("int32") for t in targets
    ]
    model.compile(
        optimizer=keras.optimizers.SGD(0.05),
        loss=[
            kzoo.losses.PairingNetLoss(0.5),
            kzoo.losses.WeightedInfoNCELoss(0.5),
            kzoo.losses.GraphMatchingLoss(0.5, 0.5, 2, 3),
            kzoo.losses.ProtoNCELoss((2, 3)),
            kzoo.losses.PamCLoss(3, 0.5),
            kzoo.losses.AMCLLoss(reg_dim=4),
        ],
        jit_compile=True,
    )
    before = [np.array(w) for w in model.get_weights()]
    hist = model.fit(x, targets, batch_size=n, epochs=2, verbose=0)
    assert np.all(np.isfinite(hist.history["loss"]))
    after = model.get_weights()
    moved = [not np.allclose(a, b) for a, b in zip(before, after)]
    assert sum(moved) >= 6


@pytest.mark.parametrize(
    "old,new",
    [
        ("WeightedInfoNCE", kzoo.losses.WeightedInfoNCELoss),
        ("ProtoNCE", kzoo.losses.ProtoNCELoss),
    ],
)
def test_deprecated_class_names(old, new):
    with pytest.warns(DeprecationWarning, match=new.__name__):
        assert getattr(kzoo.losses, old) is new
    # `.keras` files written before the rename still load.
    loss = (
        new(num_clusters=(2, 3)) if new is kzoo.losses.ProtoNCELoss else new()
    )
    serialized = keras.losses.serialize(loss)
    serialized["registered_name"] = f"kzoo>{old}"
    serialized["class_name"] = old
    restored = keras.losses.deserialize(serialized)
    assert type(restored) is new
    assert restored.get_config() == loss.get_config()
