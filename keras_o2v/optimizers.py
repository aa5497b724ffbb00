"""Optimizers named as in SageMaker, built from `Hyperparameters`.

`weight_decay` is passed to the Keras optimizer, which applies *decoupled*
weight decay (`w -= learning_rate * weight_decay * w` after each step, as in
AdamW). SageMaker's MXNet container adds `weight_decay * w` to the gradient
instead; for `sgd` the two are the same update, for the adaptive optimizers the
decoupled form is the better-behaved, documented choice. Token embedding tables
are decayed only in the rows a batch touched when
`token_embedding_storage_type=row_sparse`, and not at all when they hold
frozen pretrained rows (see `Object2Vec.compile`).

`token_embedding_storage_type=row_sparse` selects the lazy variants of
`keras_o2v.lazy_optimizers` (adam, adagrad and sgd only, as in SageMaker):
sparse token-table gradients update only the touched rows and their slots.
"""

import keras

from keras_o2v import summed_row_optimizers
from keras_o2v.errors import HyperparameterError
from keras_o2v.lazy_optimizers import LAZY_OPTIMIZERS

# Under `dense` storage: Keras' optimizers, with the repeated rows of a token
# table's sparse gradient summed before the update (see `summed_row_optimizers`).
_OPTIMIZERS = {
    "adam": summed_row_optimizers.Adam,
    "adagrad": summed_row_optimizers.Adagrad,
    "adadelta": summed_row_optimizers.Adadelta,
    "rmsprop": summed_row_optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}


def make_optimizer(hyperparameters):
    """Returns the Keras optimizer for `optimizer`, `learning_rate`, `weight_decay`.

    Example:
    >>> make_optimizer(hp).learning_rate  # doctest: +SKIP
    """
    hp = hyperparameters
    table = LAZY_OPTIMIZERS if hp.token_embedding_storage_type == "row_sparse" else _OPTIMIZERS
    try:
        optimizer_class = table[hp.optimizer]
    except KeyError:
        raise HyperparameterError(
            f"Unknown optimizer {hp.optimizer!r} for token_embedding_storage_type="
            f"{hp.token_embedding_storage_type}; expected one of {sorted(table)}"
        ) from None
    weight_decay = hp.weight_decay or None
    return optimizer_class(learning_rate=hp.learning_rate, weight_decay=weight_decay)
