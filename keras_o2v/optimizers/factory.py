"""`make_optimizer`: the Keras optimizer that SageMaker's `optimizer` hyperparameter names.

`weight_decay` is passed to the Keras optimizer, which applies *decoupled*
weight decay (`w -= learning_rate * weight_decay * w` after each step, as in
AdamW). SageMaker's MXNet container adds `weight_decay * w` to the gradient
instead; for `sgd` the two are the same update, for the adaptive optimizers the
decoupled form is the better-behaved, documented choice. Token embedding tables
are decayed only in the rows a batch touched when
`token_embedding_storage_type=row_sparse`, and not at all when they hold
frozen pretrained rows (see `Object2Vec.compile`).

Under `dense` storage the optimizers are Keras' own with repeated rows of sparse
gradients summed first (`keras_o2v.optimizers.summed_rows`); under `row_sparse`
they are the lazy variants of `keras_o2v.optimizers.lazy` (adam, adagrad and sgd
only, as in SageMaker): sparse token-table gradients update only the touched rows
and their slots.
"""

import keras

from keras_o2v.errors import HyperparameterError
from keras_o2v.optimizers.lazy import LazyAdagrad, LazyAdam, LazySGD
from keras_o2v.optimizers.summed_rows import (
    SummedRowsAdadelta,
    SummedRowsAdagrad,
    SummedRowsAdam,
    SummedRowsRMSprop,
)

DENSE_OPTIMIZERS = {
    "adam": SummedRowsAdam,
    "adagrad": SummedRowsAdagrad,
    "adadelta": SummedRowsAdadelta,
    "rmsprop": SummedRowsRMSprop,
    "sgd": keras.optimizers.SGD,
}
ROW_SPARSE_OPTIMIZERS = {"adam": LazyAdam, "adagrad": LazyAdagrad, "sgd": LazySGD}


def make_optimizer(name="adam", learning_rate=0.0004, weight_decay=0.0, storage_type="dense"):
    """The Keras optimizer that SageMaker's `optimizer` name stands for.

    Args:
        name: "adam", "adagrad", "adadelta", "rmsprop" or "sgd" (SageMaker's `optimizer`).
        learning_rate: the learning rate.
        weight_decay: decoupled weight decay (0: none).
        storage_type: "dense", or "row_sparse" for the lazy variants that update only
            the token rows of a batch (adam, adagrad and sgd only, as in SageMaker).
            `keras_o2v.Hyperparameters.optimizer_arguments()` gives all four from a
            hyperparameter map.

    Example:
    >>> type(make_optimizer("adagrad", learning_rate=0.01)).__name__
    'SummedRowsAdagrad'
    """
    if not isinstance(name, str):  # keras_o2v 0.2: make_optimizer(hyperparameters)
        return make_optimizer(**name.optimizer_arguments())
    table = ROW_SPARSE_OPTIMIZERS if storage_type == "row_sparse" else DENSE_OPTIMIZERS
    try:
        optimizer_class = table[name]
    except KeyError:
        raise HyperparameterError(
            f"Unknown optimizer {name!r} for token_embedding_storage_type="
            f"{storage_type}; expected one of {sorted(table)}"
        ) from None
    return optimizer_class(learning_rate=learning_rate, weight_decay=weight_decay or None)


def updates_rows_only(name="adam", storage_type="dense"):
    """Whether `make_optimizer(name, storage_type=...)` changes a token table only in a batch's rows.

    True for the lazy optimizers (`row_sparse`) and, under `dense`, for every
    optimizer but Adam: for a sparse gradient their update of the variable is
    zero outside the gradient's rows, and Keras applies it as a scatter update.
    Adam's momentum moves every row, so its update is dense. `TokenEmbedding`
    reads a table that is only scatter-updated row by row (see its docstring).
    Decoupled weight decay is a dense pass either way.

    Example:
    >>> updates_rows_only("adam")  # dense storage
    False
    >>> updates_rows_only("adagrad")
    True
    """
    if not isinstance(name, str):  # keras_o2v 0.2: updates_rows_only(hyperparameters)
        arguments = name.optimizer_arguments()
        name, storage_type = arguments["name"], arguments["storage_type"]
    return storage_type == "row_sparse" or name != "adam"
