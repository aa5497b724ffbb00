"""Optimizers: the factory behind `Object2Vec.compile()`, lazy and summed-row variants,
and the per-epoch learning-rate decay.

| module | what it holds |
|---|---|
| `factory` | `make_optimizer(name, learning_rate, ...)`: SageMaker's `optimizer` name -> a Keras optimizer |
| `fused` | `FusedAdamMixin`: Adam's update in TensorFlow's fused kernel |
| `summed_rows` | `SummedRowsAdam`, ...: repeated sparse rows summed first (the dense update) |
| `lazy` | `LazyAdam`, `LazyAdagrad`, `LazySGD`: only the touched rows move (`row_sparse`) |
| `sparse_rows` | row-wise helpers for `tf.IndexedSlices` gradients |
| `learning_rate_decay` | `LearningRateDecay`: the `learning_rate_decay` hyperparameter |
"""

# Keras first: importing it registers every keras_o2v class (see keras_o2v/__init__.py)
# while this package is still empty, so any of its modules can be the first import.
import keras  # noqa: F401

from keras_o2v.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "DENSE_OPTIMIZERS": "keras_o2v.optimizers.factory",
    "ROW_SPARSE_OPTIMIZERS": "keras_o2v.optimizers.factory",
    "make_optimizer": "keras_o2v.optimizers.factory",
    "updates_rows_only": "keras_o2v.optimizers.factory",
    "FusedAdamMixin": "keras_o2v.optimizers.fused",
    "LazyAdagrad": "keras_o2v.optimizers.lazy",
    "LazyAdam": "keras_o2v.optimizers.lazy",
    "LazySGD": "keras_o2v.optimizers.lazy",
    "LearningRateDecay": "keras_o2v.optimizers.learning_rate_decay",
    "gather_rows": "keras_o2v.optimizers.sparse_rows",
    "unique_rows": "keras_o2v.optimizers.sparse_rows",
    "SummedRowsAdadelta": "keras_o2v.optimizers.summed_rows",
    "SummedRowsAdagrad": "keras_o2v.optimizers.summed_rows",
    "SummedRowsAdam": "keras_o2v.optimizers.summed_rows",
    "SummedRowsRMSprop": "keras_o2v.optimizers.summed_rows",
})
