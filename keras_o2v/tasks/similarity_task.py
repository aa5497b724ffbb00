"""`SimilarityTask`: the cosine of the two embeddings, trained to rank pairs as their scores do."""

import keras
from keras import ops

from keras_o2v.layers.similarity import Similarity
from keras_o2v.tasks.pearson_correlation import PearsonCorrelation
from keras_o2v.tasks.task import Task


def cosent_loss(cosines, labels, temperature=0.05, sample_weight=None):
    """CoSENT: a softmax over every pair of rows of the batch whose labels differ.

    `log(1 + sum over (i, j) with labels[i] > labels[j] of exp((cos_j - cos_i) / t))`:
    each pair of rows in the wrong order (the less similar pair has the higher cosine)
    is penalised, smoothly, by how far apart the two cosines are. Only the order of
    the labels counts, so scores on any scale work (STS 0-5, SICK 1-5, 0/1 labels). The
    loss of Su Jianlin's CoSENT (2022), used by sentence-transformers' `CoSENTLoss`
    (scale 20, i.e. `t` = 0.05).

    Args:
        cosines: float `[batch]`.
        labels: float `[batch]` gold scores.
        temperature: `t`.
        sample_weight: optional `[batch]` row weights; a pair weighs `w_i * w_j`.

    Returns:
        the loss, a scalar.

    Example:
    >>> float(cosent_loss(np.array([0.9, 0.1]), np.array([5.0, 1.0])))  # right order: small
    0.0003353501...
    """
    cosines = ops.reshape(cosines, (-1,))
    labels = ops.cast(ops.reshape(labels, (-1,)), cosines.dtype)
    differences = (cosines[None, :] - cosines[:, None]) / temperature  # [i, j]: cos_j - cos_i
    ordered = labels[:, None] > labels[None, :]
    weights = ops.cast(ordered, cosines.dtype)
    if sample_weight is not None:
        w = ops.cast(ops.reshape(sample_weight, (-1,)), cosines.dtype)
        weights = weights * w[:, None] * w[None, :]
    logits = ops.where(weights > 0, differences + ops.log(ops.maximum(weights, 1e-30)),
                       ops.cast(-1e9, cosines.dtype))
    flat = ops.concatenate([ops.zeros((1,), cosines.dtype), ops.reshape(logits, (-1,))], axis=0)
    return ops.logsumexp(flat)


@keras.saving.register_keras_serializable(package="keras_o2v")
class SimilarityTask(Task):
    """Scores a pair by the cosine of its embeddings, trained so that cosines rank as labels do.

    Called on `[e0, e1]`, it returns the cosine `[batch, 1]` (`serving_default`'s
    scores, and what nearest-neighbour search on the embeddings ranks by). Training
    minimises `cosent_loss` over the pairs of each batch: the embeddings themselves
    learn the similarity, so they transfer to search and clustering, where a pair
    classifier's head would stay behind. Labels are similarity scores on any scale
    (or 0/1). Metrics: `loss`, `similarity_ranking_loss` (the same value) and
    `pearson` (the correlation of the cosines with the labels over the channel).

    Args:
        temperature: CoSENT's `t` (0.05: scale 20).
        **kwargs: forwarded to `keras.layers.Layer`.

    Example:
    >>> task = keras_o2v.tasks.SimilarityTask()
    >>> task([np.array([[3.0, 4.0]]), np.array([[6.0, 8.0]])]).numpy().tolist()
    [[1.0]]
    """

    def __init__(self, temperature=0.05, **kwargs):
        super().__init__(**kwargs)
        self.temperature = float(temperature)
        self.similarity = Similarity("cosine", name="similarity")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.ranking_loss_tracker = keras.metrics.Mean(name="similarity_ranking_loss")
        self.pearson = PearsonCorrelation(name="pearson")

    @property
    def flat_layers(self):
        return [self.similarity]

    @property
    def metrics(self):
        return [self.loss_tracker, self.ranking_loss_tracker, self.pearson]

    def call(self, embeddings, training=None):
        return self.similarity(embeddings)

    def score_matrix(self, queries, candidates, positive_class=None, logits=False,
                     pairwise=False):
        if pairwise:
            return self.similarity([queries, candidates])[:, 0]
        return self.similarity.matrix(queries, candidates)

    def compute_loss(self, embeddings, y, sample_weight=None, training=False, inputs=None,
                     backbone=None):
        cosines = self.similarity(embeddings)[:, 0]
        loss = cosent_loss(cosines, y, self.temperature, sample_weight)
        rows = ops.shape(cosines)[0]
        self.loss_tracker.update_state(loss, sample_weight=rows)
        self.ranking_loss_tracker.update_state(loss, sample_weight=rows)
        self.pearson.update_state(ops.reshape(y, (-1,)), cosines, sample_weight=sample_weight)
        return loss

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature}
