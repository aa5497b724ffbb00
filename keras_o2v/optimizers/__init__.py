"""Optimizers: the factory behind `Object2Vec.compile()`, lazy and summed-row variants,
and the per-epoch learning-rate decay.

| module | what it holds |
|---|---|
| `factory` | `make_optimizer(hp)`: SageMaker's `optimizer` name -> a Keras optimizer |
| `fused` | `FusedAdamMixin`: Adam's update in TensorFlow's fused kernel |
| `summed_rows` | `SummedRowsAdam`, ...: repeated sparse rows summed first (the dense update) |
| `lazy` | `LazyAdam`, `LazyAdagrad`, `LazySGD`: only the touched rows move (`row_sparse`) |
| `sparse_rows` | row-wise helpers for `tf.IndexedSlices` gradients |
| `learning_rate_decay` | `LearningRateDecay`: the `learning_rate_decay` hyperparameter |
"""

from keras_o2v.optimizers.factory import (
    DENSE_OPTIMIZERS,
    ROW_SPARSE_OPTIMIZERS,
    make_optimizer,
    updates_rows_only,
)
from keras_o2v.optimizers.fused import FusedAdamMixin
from keras_o2v.optimizers.lazy import LazyAdagrad, LazyAdam, LazySGD
from keras_o2v.optimizers.learning_rate_decay import LearningRateDecay
from keras_o2v.optimizers.sparse_rows import gather_rows, unique_rows
from keras_o2v.optimizers.summed_rows import (
    SummedRowsAdadelta,
    SummedRowsAdagrad,
    SummedRowsAdam,
    SummedRowsRMSprop,
)
