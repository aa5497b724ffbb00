"""Optimizers named as in SageMaker, built from `Hyperparameters`.

`weight_decay` is passed to the Keras optimizer, which applies *decoupled*
weight decay (`w -= learning_rate * weight_decay * w` after each step, as in
AdamW). SageMaker's MXNet container adds `weight_decay * w` to the gradient
instead; for `sgd` the two are the same update, for the adaptive optimizers the
decoupled form is the better-behaved, documented choice. Token embedding tables
are excluded from decay when `token_embedding_storage_type=row_sparse` (see
`keras_o2v.training`), since decay would touch every row.
"""

import keras

from keras_o2v.errors import HyperparameterError

_OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "adagrad": keras.optimizers.Adagrad,
    "adadelta": keras.optimizers.Adadelta,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}


def make_optimizer(hyperparameters):
    """Returns the Keras optimizer for `optimizer`, `learning_rate`, `weight_decay`.

    Example:
    >>> make_optimizer(hp).learning_rate  # doctest: +SKIP
    """
    hp = hyperparameters
    try:
        optimizer_class = _OPTIMIZERS[hp.optimizer]
    except KeyError:
        raise HyperparameterError(
            f"Unknown optimizer {hp.optimizer!r}; expected one of {sorted(_OPTIMIZERS)}"
        ) from None
    weight_decay = hp.weight_decay or None
    return optimizer_class(learning_rate=hp.learning_rate, weight_decay=weight_decay)
