"""`Distiller`: knowledge distillation with an online, frozen teacher."""

import keras
from keras import ops

from kzoo._validation import check_non_negative
from kzoo.api_export import kzoo_export
from kzoo.models.dual_head_student import DualHeadStudent


@kzoo_export("kzoo.models.Distiller")
class Distiller(keras.Model):
    """Knowledge distillation from a frozen online teacher.

    Wraps a teacher and a student. `fit` runs the teacher in inference mode
    on each batch (no gradient, its weights frozen) and trains the student
    on a weighted sum of a task loss on the labels and a distillation loss
    between teacher and student outputs. It overrides only `compute_loss`,
    so one implementation serves the TensorFlow, JAX and PyTorch trainers,
    `jit_compile` included.

    Formula:

    ```
    z_T = stop_gradient(teacher(x, training=False))
    L = student_weight · student_loss(y, main(x))
        + distillation_weight · distillation_loss(z_T, distilled(x))
    ```

    where `main = distilled = student(x)` for an ordinary student, and
    `(main, distilled) = student.both_heads(x)` for a
    `kzoo.models.DualHeadStudent` (Dual-Head KD). Distillation losses take
    the teacher output as `y_true` (e.g. `kzoo.losses.BinaryKLNormLoss`,
    `keras.losses.KLDivergence` on softmaxed outputs). Compiled metrics see
    the main output.

    **Only the student is kept**: `Distiller.save` and `Distiller.export`
    save / export `self.student` (`export` of a `DualHeadStudent` uses its
    `inference_model()`, the main head only), and `predict` returns the
    student's main output. Losses on teacher outputs precomputed offline
    (e.g. `kzoo.losses.KDLandmarkLoss` with two teachers) need no Distiller:
    stack them into `y_true`.

    Args:
        student: the `keras.Model` to train.
        teacher: a built `keras.Model`; it is set `trainable=False`.
        distillation_loss: a loss called as `loss(teacher_out, student_out)`.
        student_loss: a loss on `(y, student_out)`, or `None` for pure
            distillation (labels unused). Defaults to `None`.
        distillation_weight: weight of the distillation term (α in Dual-Head
            KD: 1 on CIFAR-100, 0.1 on ImageNet). Defaults to `1.0`.
        student_weight: weight of the task term (γ). Defaults to `1.0`.
        **kwargs: `keras.Model` arguments (`name`, ...).

    Example:

    ```python
    distiller = kzoo.models.Distiller(
        student, teacher,
        distillation_loss=kzoo.losses.BinaryKLLoss(temperature=2.0),
        student_loss=keras.losses.SparseCategoricalCrossentropy(
            from_logits=True))
    distiller.compile(optimizer="adam", metrics=["accuracy"])
    distiller.fit(x, y, epochs=10)
    distiller.save("student.keras")          # the student only
    ```

    References:
        - [Hinton et al., 2015](https://arxiv.org/abs/1503.02531), Distilling
          the Knowledge in a Neural Network.
        - [Yang et al., 2024](https://arxiv.org/abs/2411.08937), Dual-Head
          Knowledge Distillation, KDD 2025.
    """

    def __init__(
        self,
        student,
        teacher,
        distillation_loss,
        student_loss=None,
        distillation_weight=1.0,
        student_weight=1.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if distillation_loss is None:
            raise ValueError(
                "`distillation_loss` is required. "
                f"Received: distillation_loss={distillation_loss!r}"
            )
        self.student = student
        self.teacher = teacher
        self.teacher.trainable = False
        self.distillation_loss = keras.losses.get(distillation_loss)
        self.student_loss = (
            None if student_loss is None else keras.losses.get(student_loss)
        )
        self.distillation_weight = check_non_negative(
            "distillation_weight", distillation_weight
        )
        self.student_weight = check_non_negative(
            "student_weight", student_weight
        )
        self._dual = isinstance(student, DualHeadStudent)

    def build(self, input_shape):
        if not self.student.built:
            self.student.build(input_shape)
        if not self.teacher.built:
            self.teacher.build(input_shape)
        self.built = True

    def call(self, inputs, training=None):
        if self._dual:
            return self.student.both_heads(inputs, training=training)
        return self.student(inputs, training=training)

    def _main(self, y_pred):
        return y_pred[0] if self._dual else y_pred

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        teacher_out = ops.stop_gradient(self.teacher(x, training=False))
        distilled = y_pred[1] if self._dual else y_pred
        total = self.distillation_weight * self.distillation_loss(
            teacher_out, distilled
        )
        if self.student_loss is not None:
            total = total + self.student_weight * self.student_loss(
                y, self._main(y_pred), sample_weight=sample_weight
            )
        for extra in self.losses:
            total = total + ops.cast(extra, total.dtype)
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        return super().compute_metrics(
            x, y, self._main(y_pred), sample_weight=sample_weight
        )

    def predict(self, x, **kwargs):
        """The student's (main) output; see `keras.Model.predict`."""
        return self.student.predict(x, **kwargs)

    def save(self, filepath, *args, **kwargs):
        """Saves the student only (see `keras.Model.save`)."""
        return self.student.save(filepath, *args, **kwargs)

    def export(self, filepath, *args, **kwargs):
        """Exports the student only, without an auxiliary head (see
        `keras.Model.export`)."""
        student = self.student
        if self._dual:
            student = student.inference_model()
        return student.export(filepath, *args, **kwargs)

    def get_config(self):
        return {
            "name": self.name,
            "student": keras.saving.serialize_keras_object(self.student),
            "teacher": keras.saving.serialize_keras_object(self.teacher),
            "distillation_loss": keras.saving.serialize_keras_object(
                self.distillation_loss
            ),
            "student_loss": keras.saving.serialize_keras_object(
                self.student_loss
            ),
            "distillation_weight": self.distillation_weight,
            "student_weight": self.student_weight,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("student", "teacher", "distillation_loss", "student_loss"):
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
