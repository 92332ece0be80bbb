"""A small NumPy front end for the LiteRT (TFLite) interpreter."""

import os
import re
import warnings

import numpy as np

from kzoo.api_export import kzoo_export


def _make_interpreter(path, num_threads):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            import tensorflow as tf
        except ImportError:
            raise ImportError(
                "`TFLiteModel` needs the `ai-edge-litert` package (or "
                "TensorFlow). Install it with `pip install ai-edge-litert` "
                "or `pip install kzoo[export]`."
            ) from None
        # `tf.lite.Interpreter` works but warns that it is deprecated in
        # favour of `ai_edge_litert`, which is missing here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return tf.lite.Interpreter(model_path=path, num_threads=num_threads)
    return Interpreter(model_path=path, num_threads=num_threads)


def _signature_order(names):
    """Order signature names the way `keras.tree.flatten` orders outputs.

    Keras names list outputs `output_0`, `output_1`, ... (sorted by number)
    and dict outputs by their keys (sorted alphabetically).
    """
    matches = [re.fullmatch(r"output_(\d+)", name) for name in names]
    if all(matches):
        return [n for _, n in sorted(zip((int(m[1]) for m in matches), names))]
    return sorted(names)


def _quantize(x, detail):
    scale, zero_point = detail["quantization"]
    dtype = np.dtype(detail["dtype"])
    info = np.iinfo(dtype)
    q = np.round(np.asarray(x, np.float32) / scale) + zero_point
    return np.clip(q, info.min, info.max).astype(dtype)


def _dequantize(y, detail):
    scale, zero_point = detail["quantization"]
    if np.issubdtype(y.dtype, np.integer) and scale:
        return ((y.astype(np.float32) - zero_point) * scale).astype(np.float32)
    return y


@kzoo_export("kzoo.export.TFLiteModel")
class TFLiteModel:
    """Runs a `.tflite` model on NumPy arrays of any batch size.

    A thin wrapper around `ai_edge_litert.interpreter.Interpreter` (the LiteRT
    interpreter; `tf.lite.Interpreter` is used only when `ai-edge-litert` is
    not installed). Calling the model resizes the input tensor to the batch
    it receives (only when the shape changes), casts the input to the input
    tensor's dtype, and returns NumPy outputs.

    Models with an integer (quantized) input are fed float data quantized
    with the input's scale and zero point; integer inputs are passed through.
    Quantized outputs are dequantized to float32. Models written by
    `kzoo.export.export_model` keep float32 inputs and outputs, so neither
    step applies to them.

    Args:
        path: path to the `.tflite` file.
        num_threads: number of CPU threads used by the interpreter. `None`
            lets the interpreter decide. Defaults to `None`.

    Example:

    ```python
    model = kzoo.export.TFLiteModel("embedder.tflite")
    embeddings = model(images)          # any batch size
    model.input_shape                   # (None, 32, 32, 3)
    ```
    """

    def __init__(self, path, num_threads=None):
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"`path` must be an existing `.tflite` file. Received: "
                f"path={path!r}"
            )
        if num_threads is not None and (
            not isinstance(num_threads, int) or num_threads < 1
        ):
            raise ValueError(
                f"`num_threads` must be a positive integer or None. "
                f"Received: num_threads={num_threads!r}"
            )
        self.path = path
        self._interpreter = _make_interpreter(path, num_threads)
        self._interpreter.allocate_tensors()
        (
            self._input_indices,
            self._output_indices,
            self._signature_inputs,
        ) = self._tensor_order()

    def _tensor_order(self):
        """Input and output tensor indices, and signature input names.

        With a single signature (what `export_model` writes), outputs follow
        the signature's names, which is Keras' output order.
        """
        interpreter = self._interpreter
        inputs = [d["index"] for d in interpreter.get_input_details()]
        outputs = [d["index"] for d in interpreter.get_output_details()]
        signatures = interpreter.get_signature_list()
        if len(signatures) == 1:
            runner = interpreter.get_signature_runner()
            sig_in = runner.get_input_details()
            sig_out = runner.get_output_details()
            in_idx = [d["index"] for d in sig_in.values()]
            out_idx = [sig_out[n]["index"] for n in _signature_order(sig_out)]
            # Use the signature's order only when it describes the main graph.
            if sorted(in_idx) == sorted(inputs) and sorted(out_idx) == sorted(
                outputs
            ):
                names = {d["index"]: name for name, d in sig_in.items()}
                return inputs, out_idx, names
        return inputs, outputs, {}

    def _details(self, indices):
        by_index = {
            d["index"]: d
            for d in self._interpreter.get_input_details()
            + self._interpreter.get_output_details()
        }
        return [by_index[i] for i in indices]

    @property
    def input_details(self):
        """The interpreter's input tensor details (current shapes)."""
        return self._details(self._input_indices)

    @property
    def output_details(self):
        """The interpreter's output tensor details, in Keras output order."""
        return self._details(self._output_indices)

    @property
    def input_names(self):
        """Input names, the dict keys `__call__` takes for multi-input models.

        The signature's input names (the Keras `Input` names for exported
        Keras models) when the model has one signature, else tensor names.
        """
        return [
            self._signature_inputs.get(d["index"], d["name"])
            for d in self.input_details
        ]

    @property
    def input_shape(self):
        """Input shape with `None` for resizable dimensions.

        A tuple for a single-input model, a list of tuples otherwise.
        """
        shapes = [
            tuple(None if s < 0 else int(s) for s in d["shape_signature"])
            for d in self.input_details
        ]
        return shapes[0] if len(shapes) == 1 else shapes

    def _prepare(self, x, detail):
        x = np.asarray(x)
        dtype = np.dtype(detail["dtype"])
        scale, _ = detail["quantization"]
        if (
            np.issubdtype(dtype, np.integer)
            and scale
            and not (np.issubdtype(x.dtype, np.integer))
        ):
            x = _quantize(x, detail)
        else:
            x = x.astype(dtype, copy=False)
        signature = detail["shape_signature"]
        if x.ndim != len(signature) or any(
            s >= 0 and s != d for s, d in zip(signature[1:], x.shape[1:])
        ):
            expected = tuple(None if s < 0 else int(s) for s in signature)
            raise ValueError(
                f"The input must have shape {expected} (any batch size) for "
                f"input {detail['name']!r}. Received: x.shape={x.shape}"
            )
        return x

    def __call__(self, x):
        """Runs the model.

        Args:
            x: the input batch, anything `np.asarray` accepts. Multi-input
                models take a dict mapping each name in `input_names` to an
                array.

        Returns:
            A NumPy array, or a list of arrays for a multi-output model.
        """
        details = self.input_details
        if isinstance(x, dict):
            by_name = {
                self._signature_inputs.get(d["index"], d["name"]): d
                for d in details
            }
            if set(x) != set(by_name):
                raise ValueError(
                    f"`x` must have one entry per model input, with keys "
                    f"{sorted(by_name)}. Received: keys {sorted(x)}"
                )
            feeds = [(by_name[k], v) for k, v in x.items()]
        elif len(details) != 1:
            raise ValueError(
                f"This model has {len(details)} inputs; pass a dict mapping "
                f"the names {self.input_names} to arrays. "
                f"Received: x of type {type(x).__name__}"
            )
        else:
            feeds = [(details[0], x)]
        interpreter = self._interpreter
        feeds = [(d, self._prepare(v, d)) for d, v in feeds]
        resized = False
        for d, v in feeds:
            if tuple(d["shape"]) != v.shape:
                interpreter.resize_tensor_input(d["index"], v.shape)
                resized = True
        if resized:
            interpreter.allocate_tensors()
        for d, v in feeds:
            interpreter.set_tensor(d["index"], v)
        interpreter.invoke()
        outputs = [
            _dequantize(interpreter.get_tensor(d["index"]), d)
            for d in self.output_details
        ]
        return outputs[0] if len(outputs) == 1 else outputs

    def predict(self, x, batch_size=None):
        """Runs the model, optionally in chunks of `batch_size` rows.

        Args:
            x: the input batch (see `__call__`).
            batch_size: rows per interpreter call. `None` runs the whole
                batch at once. Defaults to `None`.

        Returns:
            A NumPy array, or a list of arrays for a multi-output model.
        """
        if batch_size is not None and (
            not isinstance(batch_size, int) or batch_size < 1
        ):
            raise ValueError(
                f"`batch_size` must be a positive integer or None. "
                f"Received: batch_size={batch_size!r}"
            )
        if isinstance(x, dict):
            x = {k: np.asarray(v) for k, v in x.items()}
            n = len(next(iter(x.values())))
        else:
            x = np.asarray(x)
            n = len(x)
        if batch_size is None or n <= batch_size:
            return self(x)
        chunks = []
        for i in range(0, n, batch_size):
            if isinstance(x, dict):
                chunks.append(
                    self({k: v[i : i + batch_size] for k, v in x.items()})
                )
            else:
                chunks.append(self(x[i : i + batch_size]))
        if isinstance(chunks[0], list):
            return [np.concatenate(parts) for parts in zip(*chunks)]
        return np.concatenate(chunks)

    def __repr__(self):
        return (
            f"TFLiteModel(path={self.path!r}, input_shape={self.input_shape})"
        )
