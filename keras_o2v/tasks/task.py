"""`Task`: the objective an Object2Vec trains, on top of the backbone's two embeddings."""

import keras
from keras import ops


class Task(keras.layers.Layer):
    """Base class of Object2Vec's objectives: pair scores, the loss and its metrics.

    A task is called on the backbone's embeddings `[e0, e1]` (`[batch, d]` each)
    and returns the pair scores: the model's output and `serving_default`'s
    `scores`. `compute_loss` returns the loss of a batch, as the mean over the
    replica's rows (the model scales it for `tf.distribute`), and updates the
    task's `metrics`, named as SageMaker logs them (`loss` first).
    `score_matrix` scores every query embedding against every candidate embedding
    (ranking metrics, the top-k export). `adapt` reads what the task needs to know
    about the train channel before training; `check_ready` refuses to train
    without it.

    Subclasses implement `call`, `compute_loss`, `score_matrix` and `metrics`,
    and list their sublayers in `flat_layers` (the order `Object2Vec.layers`
    shows them in, which is also where their weights are saved).

    Args:
        **kwargs: forwarded to `keras.layers.Layer`.
    """

    @property
    def flat_layers(self):
        return []

    @property
    def metrics(self):
        raise NotImplementedError

    def compute_loss(self, embeddings, y, sample_weight=None, training=False, inputs=None,
                     backbone=None):
        """The mean loss of a batch; updates `metrics`.

        Args:
            embeddings: `[e0, e1]` from the backbone (dropout applied when training).
            y: the labels of the batch.
            sample_weight: optional `[batch]` row weights.
            training: whether this is a training step.
            inputs: the batch's `{"in0", "in1"}` ids (for tasks that need them).
            backbone: the `Object2VecBackbone` (for tasks that embed more objects,
                e.g. the candidates of a full softmax).
        """
        raise NotImplementedError

    def score_matrix(self, queries, candidates, positive_class=None, logits=False,
                     pairwise=False):
        """Scores `[num_queries, num_candidates]` (or `[n]` when `pairwise`)."""
        raise NotImplementedError

    def adapt(self, statistics, negative_sampling_rate=0):
        """Sets data-dependent state from the train channel's `ChannelStatistics`."""

    def check_ready(self):
        """Raises `O2VError` when training needs `adapt` first."""

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)


def weighted_batch_mean(values, sample_weight=None):
    """`sum(values * sample_weight) / batch`, Keras' `sum_over_batch_size` reduction."""
    if sample_weight is not None:
        values = values * ops.cast(ops.reshape(sample_weight, (-1,)), values.dtype)
    return ops.sum(values) / ops.cast(ops.maximum(ops.size(values), 1), values.dtype)
