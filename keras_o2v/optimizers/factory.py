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


def make_optimizer(hyperparameters):
    """Returns the Keras optimizer for `optimizer`, `learning_rate`, `weight_decay`.

    Args:
        hyperparameters: a `keras_o2v.Hyperparameters`.

    Example:
    >>> hp = keras_o2v.Hyperparameters(enc0_max_seq_len=1, enc0_vocab_size=10,
    ...                                optimizer="adagrad", learning_rate=0.01)
    >>> type(make_optimizer(hp)).__name__
    'SummedRowsAdagrad'
    """
    hp = hyperparameters
    table = ROW_SPARSE_OPTIMIZERS if hp.token_embedding_storage_type == "row_sparse" \
        else DENSE_OPTIMIZERS
    try:
        optimizer_class = table[hp.optimizer]
    except KeyError:
        raise HyperparameterError(
            f"Unknown optimizer {hp.optimizer!r} for token_embedding_storage_type="
            f"{hp.token_embedding_storage_type}; expected one of {sorted(table)}"
        ) from None
    weight_decay = hp.weight_decay or None
    return optimizer_class(learning_rate=hp.learning_rate, weight_decay=weight_decay)


def updates_rows_only(hyperparameters):
    """Whether `make_optimizer`'s optimizer changes a token table only in a batch's rows.

    True for the lazy optimizers (`row_sparse`) and, under `dense`, for every
    optimizer but Adam: for a sparse gradient their update of the variable is
    zero outside the gradient's rows, and Keras applies it as a scatter update.
    Adam's momentum moves every row, so its update is dense. `TokenEmbedding`
    reads a table that is only scatter-updated row by row (see its docstring).
    Decoupled weight decay is a dense pass either way.

    Example:
    >>> hp = keras_o2v.Hyperparameters(enc0_max_seq_len=1, enc0_vocab_size=10)
    >>> updates_rows_only(hp)  # dense storage, adam
    False
    """
    hp = hyperparameters
    return hp.token_embedding_storage_type == "row_sparse" or hp.optimizer != "adam"
