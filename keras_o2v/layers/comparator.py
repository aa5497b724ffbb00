"""The Object2Vec comparator: hadamard, concat and abs_diff in a chosen order."""

import keras

OPERATIONS = ("hadamard", "concat", "abs_diff")


@keras.saving.register_keras_serializable(package="keras_o2v")
class Comparator(keras.layers.Layer):
    """Combines two embeddings into one vector (SageMaker's `comparator_list`).

    Called on `[e0, e1]`, both `[batch, d]`; returns the concatenation, in the
    order of `operations`, of `hadamard` (e0 * e1, width d), `concat`
    ([e0; e1], width 2d) and `abs_diff` (|e0 - e1|, width d).

    Args:
        operations: a sequence drawn from "hadamard", "concat", "abs_diff".
        **kwargs: forwarded to `keras.layers.Layer`.

    Example:
    >>> comparator = keras_o2v.layers.Comparator(["hadamard", "abs_diff"])
    >>> comparator([np.ones((2, 3)), np.zeros((2, 3))]).shape
    TensorShape([2, 6])
    """

    def __init__(self, operations=OPERATIONS, **kwargs):
        super().__init__(**kwargs)
        operations = tuple(operations)
        unknown = [op for op in operations if op not in OPERATIONS]
        if not operations or unknown:
            raise ValueError(f"operations must be drawn from {OPERATIONS}, got {operations}")
        self.operations = operations

    def call(self, inputs):
        e0, e1 = inputs
        parts = []
        for op in self.operations:
            if op == "hadamard":
                parts.append(e0 * e1)
            elif op == "concat":
                parts.extend([e0, e1])
            else:
                parts.append(keras.ops.abs(e0 - e1))
        return keras.ops.concatenate(parts, axis=-1)

    def compute_output_shape(self, input_shape):
        d = input_shape[0][-1]
        width = sum(2 * d if op == "concat" else d for op in self.operations)
        return (input_shape[0][0], width)

    def get_config(self):
        config = super().get_config()
        config.update(operations=list(self.operations))
        return config
