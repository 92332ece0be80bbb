"""`DualHeadStudent`: the two-head student of Dual-Head KD (Yang et al.,
2024)."""

import keras

from kzoo._validation import check_integer
from kzoo._validation import check_non_negative
from kzoo.api_export import kzoo_export


@kzoo_export("kzoo.models.DualHeadStudent")
class DualHeadStudent(keras.Model):
    """A student with a main head and an auxiliary head on one backbone.

    Dual-Head KD trains the main head with the task loss and the auxiliary
    head with a logit-matching distillation loss
    (`kzoo.losses.BinaryKLNormLoss`), so the two objectives do not fight in
    one linear classifier. `call` returns the **main head only**: predict,
    `export` and TFLite conversion therefore drop the auxiliary head;
    `both_heads` returns `(main, aux)` for training (used by
    `kzoo.models.Distiller`), and `inference_model()` a functional
    `backbone → main head` model to save or export for deployment.

    Formula (backbone features f):

    ```
    main = W_main f + b_main                                   (Dense)
    aux  = W_aux f + b_aux                                     (aux_units=None)
         = Dense(K)(ReLU(BN(Dropout(Dense(h)(f)))))            (aux_units=h)
    ```

    Args:
        backbone: a `keras.Model` or layer mapping inputs to features
            `[B, d]`.
        num_classes: number of classes K.
        aux_units: `None` for a linear auxiliary head, or the width h of the
            official non-linear head (Dense(h) → Dropout → BatchNorm → ReLU →
            Dense(K); h = 200 in the official CIFAR recipe). Defaults to
            `None`.
        aux_dropout: dropout rate of the non-linear head. Defaults to `0.1`.
        **kwargs: `keras.Model` arguments (`name`, ...).

    Example:

    ```python
    student = kzoo.models.DualHeadStudent(backbone, num_classes=100,
                                          aux_units=200)
    distiller = kzoo.models.Distiller(
        student, teacher,
        distillation_loss=kzoo.losses.BinaryKLNormLoss(temperature=2.0),
        student_loss=keras.losses.SparseCategoricalCrossentropy(
            from_logits=True))
    distiller.compile(optimizer="sgd", metrics=["accuracy"])
    distiller.fit(x, y)
    kzoo.export.export_model(student.inference_model(), "student.tflite")
    ```

    References:
        - [Yang et al., 2024](https://arxiv.org/abs/2411.08937), Dual-Head
          Knowledge Distillation: Enhancing Logits Utilization with an
          Auxiliary Head, KDD 2025.
    """

    def __init__(
        self, backbone, num_classes, aux_units=None, aux_dropout=0.1, **kwargs
    ):
        super().__init__(**kwargs)
        check_integer("num_classes", num_classes)
        if num_classes < 1:
            raise ValueError(
                "`num_classes` must be positive. "
                f"Received: num_classes={num_classes}"
            )
        if aux_units is not None:
            check_integer("aux_units", aux_units)
            if aux_units < 1:
                raise ValueError(
                    "`aux_units` must be None or positive. "
                    f"Received: aux_units={aux_units}"
                )
        check_non_negative("aux_dropout", aux_dropout)
        if aux_dropout >= 1:
            raise ValueError(
                "`aux_dropout` must be in [0, 1). "
                f"Received: aux_dropout={aux_dropout}"
            )
        self.backbone = backbone
        self.num_classes = num_classes
        self.aux_units = aux_units
        self.aux_dropout = float(aux_dropout)
        self.main_head = keras.layers.Dense(num_classes, name="main_head")
        if aux_units is None:
            self.aux_head = keras.layers.Dense(num_classes, name="aux_head")
        else:
            self.aux_head = keras.Sequential(
                [
                    keras.layers.Dense(aux_units),
                    keras.layers.Dropout(aux_dropout),
                    keras.layers.BatchNormalization(),
                    keras.layers.ReLU(),
                    keras.layers.Dense(num_classes),
                ],
                name="aux_head",
            )

    def build(self, input_shape):
        feature_shape = self.backbone.compute_output_shape(input_shape)
        if not self.backbone.built:
            self.backbone.build(input_shape)
        self.main_head.build(feature_shape)
        self.aux_head.build(feature_shape)
        self.built = True

    def call(self, inputs, training=None):
        return self.main_head(self.backbone(inputs, training=training))

    def both_heads(self, inputs, training=None):
        """`(main_logits, aux_logits)` from one backbone pass."""
        features = self.backbone(inputs, training=training)
        return self.main_head(features), self.aux_head(
            features, training=training
        )

    def inference_model(self, input_shape=None):
        """A functional model `backbone → main head`, without the auxiliary
        head (it shares this model's layers and weights): what to save for
        deployment or hand to `kzoo.export.export_model`.

        Args:
            input_shape: the input shape without the batch axis. Defaults
                to `None`: taken from the backbone's `inputs`.

        Returns:
            A `keras.Model`.
        """
        if input_shape is None:
            inputs = getattr(self.backbone, "inputs", None)
            if not inputs:
                raise ValueError(
                    "The backbone has no `inputs`; pass `input_shape`. "
                    f"Received: input_shape={input_shape!r}"
                )
            input_shape = tuple(inputs[0].shape[1:])
        inputs = keras.Input(input_shape)
        outputs = self.main_head(self.backbone(inputs))
        return keras.Model(inputs, outputs, name=f"{self.name}_main")

    def get_config(self):
        return {
            "name": self.name,
            "backbone": keras.saving.serialize_keras_object(self.backbone),
            "num_classes": self.num_classes,
            "aux_units": self.aux_units,
            "aux_dropout": self.aux_dropout,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(
            config["backbone"]
        )
        return cls(**config)
