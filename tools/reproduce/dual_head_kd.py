"""Dual-Head KD vs plain KD on a small classification set (Yang et al., KDD
2025).

scikit-learn digits (60/40 split). Teacher: MLP 64 → 256 → 256 → 10. Student:
MLP 64 → 16 → 10 (a weak student). Trained with Adam 1e-3, batch 64, 40
epochs, through `kzoo.models.Distiller` (frozen online teacher):

- CE: the student alone;
- KD: CE + T²·KL(softmax(z_T/T) ‖ softmax(z_S/T)), T = 4 (Hinton et al.);
- BinaryKL, one head: CE + `BinaryKLLoss` (T = 2) on the same head;
- DHKD: CE on the main head + `BinaryKLNormLoss` (T = 2) on a linear
  auxiliary head (`kzoo.models.DualHeadStudent`), α = γ = 1.

Test accuracy of the student's main head, mean over 5 seeds.

    python tools/reproduce/dual_head_kd.py
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from _robust_common import markdown_table  # noqa: E402
from _robust_common import write_fragment  # noqa: E402
from keras import ops  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import kzoo  # noqa: E402

SEEDS, EPOCHS = 5, 40


class SoftmaxKD(keras.losses.Loss):
    """Hinton et al.'s KD term, T²·KL(softmax(t/T) ‖ softmax(s/T))."""

    def __init__(self, temperature=4.0, **kwargs):
        super().__init__(**kwargs)
        self.temperature = temperature

    def call(self, y_true, y_pred):
        t = ops.log_softmax(y_true / self.temperature, axis=-1)
        s = ops.log_softmax(y_pred / self.temperature, axis=-1)
        return self.temperature**2 * ops.sum(ops.exp(t) * (t - s), axis=-1)


def ce():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def backbone():
    return keras.Sequential(
        [keras.Input((64,)), keras.layers.Dense(16, activation="relu")]
    )


def train(model, x, y, loss=None):
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=loss,
        metrics=["sparse_categorical_accuracy"],
    )
    model.fit(x, y, batch_size=64, epochs=EPOCHS, verbose=0)


def accuracy(model, x, y):
    logits = model.predict(x, verbose=0, batch_size=1024)
    return float(np.mean(logits.argmax(1) == y))


def main():
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    xtr, xte, ytr, yte = train_test_split(
        x, y, test_size=0.4, random_state=0, stratify=y
    )
    keras.utils.set_random_seed(0)
    teacher = keras.Sequential(
        [keras.Input((64,)), keras.layers.Dense(256, activation="relu"),
         keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)]
    )  # fmt: skip
    train(teacher, xtr, ytr, ce())
    teacher_acc = accuracy(teacher, xte, yte)
    print("teacher", teacher_acc, flush=True)
    names = ["CE (no teacher)", "KD (T = 4)", "CE + BinaryKL, one head",
             "DHKD (CE + BinaryKLNorm on aux head)"]  # fmt: skip
    scores = {n: [] for n in names}
    for seed in range(SEEDS):
        keras.utils.set_random_seed(seed)
        student = keras.Sequential([backbone(), keras.layers.Dense(10)])
        train(student, xtr, ytr, ce())
        scores[names[0]].append(accuracy(student, xte, yte))
        for name, loss in (
            (names[1], SoftmaxKD(4.0)),
            (names[2], kzoo.losses.BinaryKLLoss(2.0)),
        ):
            keras.utils.set_random_seed(seed)
            student = keras.Sequential([backbone(), keras.layers.Dense(10)])
            distiller = kzoo.models.Distiller(student, teacher, loss, ce())
            train(distiller, xtr, ytr)
            scores[name].append(accuracy(student, xte, yte))
        keras.utils.set_random_seed(seed)
        student = kzoo.models.DualHeadStudent(backbone(), 10)
        distiller = kzoo.models.Distiller(
            student, teacher, kzoo.losses.BinaryKLNormLoss(2.0), ce()
        )
        train(distiller, xtr, ytr)
        scores[names[3]].append(accuracy(student, xte, yte))
        print(seed, {n: v[-1] for n, v in scores.items()}, flush=True)
    rows = [
        (n, f"{np.mean(v):.4f} ± {np.std(v):.4f}") for n, v in scores.items()
    ]
    rows.append(("teacher (256-256 MLP)", f"{teacher_acc:.4f}"))
    kd, dh = np.array(scores[names[1]]), np.array(scores[names[3]])
    wins = int(np.sum(dh > kd))
    diff = dh.mean() - kd.mean()
    if diff > 0 and wins >= 4:
        verdict = (
            f"reproduced: DHKD beats plain KD ({dh.mean():.4f} vs "
            f"{kd.mean():.4f}, {wins}/{SEEDS} seeds)."
        )
    else:
        verdict = (
            f"not reproduced at this scale: DHKD {dh.mean():.4f} vs plain KD "
            f"{kd.mean():.4f} (DHKD better on {wins}/{SEEDS} seeds); the "
            "paper's gains are on CIFAR-100 / ImageNet CNNs (240 epochs)."
        )
    ce_mean = np.mean(scores[names[0]])
    if all(np.mean(scores[n]) < ce_mean for n in names[1:]):
        verdict += (
            f" Every distilled student is below CE alone ({ce_mean:.4f}): "
            "with this 16-unit student and a teacher with large logits, the "
            "distillation terms compete with CE for the shared backbone, so "
            "this setting does not favour distillation at all."
        )
    write_fragment(
        "dual_head_kd",
        "Dual-Head Knowledge Distillation (Yang et al., KDD 2025)",
        "python tools/reproduce/dual_head_kd.py",
        keras.backend.backend(),
        markdown_table(["student objective", "test accuracy"], rows),
        verdict,
        notes=(
            "sklearn digits, 60/40 split; student MLP 64→16→10; Adam 1e-3, "
            f"batch 64, {EPOCHS} epochs, mean ± std over {SEEDS} seeds; "
            "teacher and students trained with `kzoo.models.Distiller`."
        ),
    )


if __name__ == "__main__":
    main()
