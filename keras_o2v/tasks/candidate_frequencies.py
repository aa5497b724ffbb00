"""How often each `in1` object occurs in the train channel: logQ correction and sampling.

In-batch negatives are the other `in1` objects of a batch, so a popular object is a
negative far more often than a rare one. The sampling-bias ("logQ") correction of
Yi et al. (RecSys 2019), as in TensorFlow Recommenders' `Retrieval` task, subtracts
the log of each candidate's expected number of occurrences among the candidates from
its logit, which makes the sampled softmax an unbiased estimate of the full one.

Frequencies are counts per bucket of an object key (`keras_o2v.data.object_keys`):
with a one-token `in1` (`enc1_max_seq_len=1`) there is one bucket per token id, and
counts are exact; with token sequences there are `HASHED_BUCKETS` buckets, and two
objects sharing a bucket share their count (the hashed frequency array of Yi et al.).
Counts are weights of this layer, so a saved model and an exported one carry them;
`Object2Vec.adapt` fills them from the train channel.
"""

import keras
import numpy as np
from keras import ops

from keras_o2v.data.object_keys import bucket_of

HASHED_BUCKETS = 2**20


def num_buckets(in1_vocab_size, single_token_in1):
    """One bucket per in1 token id for a one-token in1, else `HASHED_BUCKETS`."""
    if not isinstance(in1_vocab_size, int):  # keras_o2v 0.2: num_buckets(hyperparameters)
        hp = in1_vocab_size
        in1_vocab_size, single_token_in1 = hp.encoder(1).vocab_size, hp.single_token_in1
    return in1_vocab_size if single_token_in1 else HASHED_BUCKETS


@keras.saving.register_keras_serializable(package="keras_o2v")
class CandidateFrequencies(keras.layers.Layer):
    """Train-channel counts of `in1` objects by bucket, for logQ and sampled negatives.

    `q(j) = count(j) / total` is the chance that a random train record's `in1` is
    object `j`; `r(j) = count(j) ** alpha / sum(count ** alpha)` (over objects seen at
    least once) is the distribution sampled negatives are drawn from (alpha 0:
    uniform over the objects seen, 1: as often as they occur). An object never seen
    counts as seen once (a validation object, or a model not adapted yet), so no
    logit is ever shifted by infinity.

    Args:
        num_buckets: the number of buckets (see `num_buckets`).
        alpha: exponent of the sampling distribution.
        seed: seed of the sampling.
        **kwargs: forwarded to `keras.layers.Layer`.

    Example:
    >>> layer = CandidateFrequencies(5)
    >>> layer.set_counts(np.array([0, 3, 1, 0, 0]))
    >>> np.exp(layer.log_frequency(np.array([1, 2]))).tolist()
    [0.75, 0.25]
    """

    def __init__(self, num_buckets, alpha=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.num_buckets = int(num_buckets)
        self.alpha = float(alpha)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.counts = self.add_weight(shape=(self.num_buckets,), initializer="zeros",
                                      trainable=False, name="counts")
        self.sampling_cdf = self.add_weight(shape=(self.num_buckets,), initializer="zeros",
                                            trainable=False, name="sampling_cdf")
        self.log_totals = self.add_weight(shape=(2,), initializer="zeros", trainable=False,
                                          name="log_totals")
        self.built = True

    def set_counts(self, counts):
        """Stores counts per bucket (float array `[num_buckets]`) and the sampling table."""
        counts = np.asarray(counts, np.float64)
        if counts.shape != (self.num_buckets,):
            raise ValueError(f"expected {self.num_buckets} counts, got shape {counts.shape}")
        seen = counts > 0
        weights = np.where(seen, np.power(np.maximum(counts, 1.0), self.alpha), 0.0)
        total, weight_total = max(counts.sum(), 1.0), max(weights.sum(), 1.0)
        cdf = np.cumsum(weights)
        cdf = cdf / cdf[-1] if cdf[-1] > 0 else cdf  # ends at exactly 1.0
        self.counts.assign(counts.astype(np.float32))
        self.sampling_cdf.assign(cdf.astype(np.float32))
        self.log_totals.assign(np.log([total, weight_total]).astype(np.float32))

    @property
    def adapted(self):
        """Whether counts were set (any count above zero)."""
        return bool(float(ops.convert_to_numpy(ops.max(self.counts))) > 0.0)

    def _seen_counts(self, keys):
        return ops.maximum(ops.take(self.counts, bucket_of(keys, self.num_buckets)), 1.0)

    def log_frequency(self, keys):
        """`log q(j)` of the objects with int64 `keys`."""
        return ops.log(self._seen_counts(keys)) - self.log_totals[0]

    def log_sampling_probability(self, keys):
        """`log r(j)` of the objects with `keys`."""
        return self.alpha * ops.log(self._seen_counts(keys)) - self.log_totals[1]

    def sample(self, count):
        """`count` bucket ids drawn from `r`, with replacement (token ids for a one-token in1)."""
        import tensorflow as tf

        uniform = keras.random.uniform((count,), seed=self.seed_generator)
        ids = tf.searchsorted(self.sampling_cdf, uniform, side="right")
        return ops.cast(ops.minimum(ids, self.num_buckets - 1), "int64")

    def get_config(self):
        return {**super().get_config(), "num_buckets": self.num_buckets, "alpha": self.alpha,
                "seed": self.seed}
