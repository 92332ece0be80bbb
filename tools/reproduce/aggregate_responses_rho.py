"""Bias–variance trade-off of bag- vs instance-level losses over ρ
(Javanmard et al., ICLR 2024), synthetic linear regression.

y = xᵀθ* + ε, x ~ N(0, I_d), ε ~ N(0, 1); random bags of size k; only bag
means are observed. For each ρ the minimizer of `InterpolatingBagLoss(ρ)`,
L_bag + ρ·R (a quadratic in θ for a linear model), is solved in closed form
over many independent training sets, and ‖E θ̂ − θ*‖² (bias²) and
E‖θ̂ − E θ̂‖² (variance) are estimated. The closed form is checked against
kzoo: the gradient of `kzoo.losses.InterpolatingBagLoss` at the solution is
~0.

    python tools/reproduce/aggregate_responses_rho.py
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from _robust_common import markdown_table  # noqa: E402
from _robust_common import write_fragment  # noqa: E402

import kzoo  # noqa: E402
from kzoo.testing.gradients import value_and_grad  # noqa: E402

D, N, TRIALS = 8, 240, 1000
RHOS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
# (bag size k, noise σ, scale of θ*): high and low signal-to-noise.
REGIMES = ((8, 1.0, 1.0), (24, 4.0, 0.3))


def solve(x, ybar_rep, bag_id, rho, k):
    m = N // k
    xbar = np.stack([x[bag_id == a].mean(0) for a in range(m)])
    ybar = np.array([ybar_rep[bag_id == a][0] for a in range(m)])
    xc = x - xbar[bag_id]
    a = xbar.T @ xbar / m + rho * xc.T @ xc / N
    return np.linalg.solve(a, xbar.T @ ybar / m)


def run_regime(rng, k, sigma, scale):
    theta = scale * rng.normal(size=D)
    estimates = {rho: [] for rho in RHOS}
    for _ in range(TRIALS):
        x = rng.normal(size=(N, D))
        y = x @ theta + sigma * rng.normal(size=N)
        bag_id = rng.permutation(np.repeat(np.arange(N // k), k))
        ybar = (np.bincount(bag_id, weights=y) / k)[bag_id]
        for rho in RHOS:
            estimates[rho].append(solve(x, ybar, bag_id, rho, k))
    # kzoo check on the last training set: zero gradient at the solution.
    y_true = np.stack([ybar, bag_id], 1).astype("float32")
    worst = 0.0
    for rho in (0.0, 0.3, 1.0):
        loss = kzoo.losses.InterpolatingBagLoss(rho=rho)
        sol = solve(x, ybar, bag_id, rho, k).astype("float32")
        _, grad = value_and_grad(
            lambda t: loss(y_true, keras.ops.matmul(x.astype("float32"), t)),
            sol,
        )
        worst = max(worst, float(np.abs(grad).max()))
    out = []
    for rho in RHOS:
        est = np.array(estimates[rho])
        mean = est.mean(0)
        bias2 = float(np.sum((mean - theta) ** 2))
        var = float(np.mean(np.sum((est - mean) ** 2, 1)))
        out.append((bias2, var))
    return out, worst


def main():
    rng = np.random.default_rng(0)
    rows, verdicts, worst = [], [], 0.0
    for k, sigma, scale in REGIMES:
        stats, w = run_regime(rng, k, sigma, scale)
        worst = max(worst, w)
        mses = [b + v for b, v in stats]
        label = f"k = {k}, σ = {sigma:g}, θ* scale {scale:g}"
        for rho, (b, v) in zip(RHOS, stats):
            rows.append((label, rho, f"{b:.4f}", f"{v:.4f}", f"{b + v:.4f}"))
            print(rows[-1], flush=True)
        best = RHOS[int(np.argmin(mses))]
        bias_up = stats[-1][0] > stats[0][0]
        var_down = stats[-1][1] < stats[0][1]
        verdicts.append(
            f"{label}: bias² {stats[0][0]:.3f} → {stats[-1][0]:.3f}, "
            f"variance {stats[0][1]:.3f} → {stats[-1][1]:.3f} from ρ = 0 to "
            f"1 ({'as claimed' if bias_up and var_down else 'NOT as claimed'}"
            f"); best ρ = {best} (error {min(mses):.3f} vs {mses[0]:.3f} at "
            f"ρ = 0, {mses[-1]:.3f} at ρ = 1)"
        )
    interior = any("best ρ = 0.0 " not in v and "best ρ = 1.0 " not in v
                   for v in verdicts)  # fmt: skip
    claimed = all("NOT" not in v for v in verdicts)
    head = "reproduced" if claimed and interior else "partially reproduced"
    verdict = (
        f"{head}: bag-level is unbiased with high variance, instance-level "
        "biased with low variance, and the best ρ depends on the "
        "signal-to-noise regime. " + "; ".join(verdicts) + "."
    )
    write_fragment(
        "aggregate_responses_rho",
        "Learning from aggregate responses (Javanmard et al., ICLR 2024)",
        "python tools/reproduce/aggregate_responses_rho.py",
        keras.backend.backend(),
        markdown_table(
            ["regime", "ρ", "bias²", "variance", "E‖θ̂ − θ*‖²"], rows
        ),
        verdict,
        notes=(
            f"Linear regression, d = {D}, n = {N}, x ~ N(0, I), θ* ~ "
            f"scale·N(0, I), {TRIALS} training sets per regime. θ̂_ρ "
            "minimizes `kzoo.losses.InterpolatingBagLoss(rho)` (closed form; "
            f"the kzoo loss gradient there is at most {worst:.1e})."
        ),
    )


if __name__ == "__main__":
    main()
