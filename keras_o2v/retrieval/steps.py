"""Training and evaluation steps of `training_objective=retrieval`.

`Object2Vec` mixes this class in ahead of `keras.Model`. For a pair model
(`training_objective=pair`) every method defers to Keras. For a retrieval model a
step embeds `in0` and `in1` (with dropout while training), computes the softmax
cross-entropy over candidates of `keras_o2v.retrieval.losses` as the
hyperparameters say, and averages it over the positive pairs of the batch:

- a positive pair is a record with `label > 0` (class 1, or a positive score);
  records with label 0 are not softmax targets, but their `in1` objects are
  candidates for the other rows like any in-batch object;
- `retrieval_negatives` (resolved by `Hyperparameters.negatives`): `full` scores
  every in1 id; `in_batch` the batch's in1 objects plus `retrieval_sampled_negatives`
  drawn from the train channel's in1 frequencies; `sampled` only the row's positive
  and the drawn ones;
- `retrieval_logq_correction` applies the logQ correction of
  `keras_o2v.retrieval.CandidateFrequencies` (in-batch and sampled candidates);
- evaluation steps (validation, test) use the same loss without sampled negatives:
  in-batch candidates for `in_batch` and `sampled`, every id for `full`, so that
  the validation loss is deterministic.

Under `tf.distribute.MirroredStrategy` each replica computes the loss of its own
share of the batch: in-batch negatives are the `mini_batch_size / replicas` in1
objects of that replica, not gathered across replicas (as in TensorFlow
Recommenders); the gradients are summed as for any Keras model. Logs are `loss` and
`retrieval_cross_entropy`, both the mean cross-entropy per positive pair.
"""

import math

import keras
import tensorflow as tf
from keras import ops

from keras_o2v.data.object_keys import tensor_object_keys
from keras_o2v.retrieval.losses import full_softmax_cross_entropy, in_batch_cross_entropy


class RetrievalSteps:
    """`train_step` / `test_step` / `metrics` of retrieval models (see the module docstring)."""

    @property
    def _retrieval(self):
        hp = getattr(self, "hyperparameters", None)
        return hp is not None and hp.is_retrieval

    def make_retrieval_trackers(self):
        """The two running means this mode logs (made by `compile`)."""
        self._retrieval_trackers = (keras.metrics.Mean(name="loss"),
                                    keras.metrics.Mean(name="retrieval_cross_entropy"))

    @property
    def metrics(self):
        trackers = getattr(self, "_retrieval_trackers", None)
        if self._retrieval and trackers:
            return list(trackers)
        return super().metrics

    def train_step(self, data):
        if not self._retrieval:
            return super().train_step(data)
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            loss, weight = self.retrieval_loss(x, y, sample_weight, training=True)
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            scaled = self.optimizer.scale_loss(loss / replicas)
        variables = self.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return self._track(loss, weight)

    def test_step(self, data):
        if not self._retrieval:
            return super().test_step(data)
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        return self._track(*self.retrieval_loss(x, y, sample_weight, training=False))

    def _track(self, loss, weight):
        for tracker in self._retrieval_trackers:
            tracker.update_state(loss, sample_weight=weight)
        return {tracker.name: tracker.result() for tracker in self._retrieval_trackers}

    def retrieval_loss(self, x, y, sample_weight=None, training=False):
        """Mean cross-entropy over the positive pairs of a batch, and their (weighted) count.

        Args:
            x: `{"in0": ids, "in1": ids}` int64 `[batch, length]`.
            y: labels, int `[batch]` or float `[batch, 1]`; `label > 0` marks a positive.
            sample_weight: optional `[batch]` weights of the rows.
            training: whether dropout and sampled negatives apply.
        """
        hp = self.hyperparameters
        in1 = x["in1"][:, :hp.encoder(1).max_seq_len]
        query = self.encoder_dropout(self.encode(0, x["in0"], training), training=training)
        positive = self.encoder_dropout(self.encode(1, in1, training), training=training)
        weight = ops.cast(ops.reshape(y, (-1,)) > 0, query.dtype)
        if sample_weight is not None:
            weight = weight * ops.cast(ops.reshape(sample_weight, (-1,)), query.dtype)
        if hp.negatives == "full":
            ids = ops.arange(hp.encoder(1).vocab_size, dtype="int64")[:, None]
            candidates = self.encoder_dropout(self.encode(1, ids, training), training=training)
            losses = full_softmax_cross_entropy(query, candidates, in1[:, 0], self.similarity,
                                                hp.temperature)
        else:
            losses = self._sampled_losses(query, positive, in1, training)
        total = ops.sum(weight)
        return ops.sum(losses * weight) / ops.maximum(total, 1.0), total

    def _sampled_losses(self, query, positive, in1, training):
        hp = self.hyperparameters
        frequencies = self.candidate_frequencies
        num_sampled = hp.retrieval_sampled_negatives if training else 0
        in_batch = hp.negatives == "in_batch" or not training
        keys = tensor_object_keys(in1)

        def log_expected_counts(object_keys):
            if not hp.retrieval_logq_correction:
                return None
            terms = []
            if in_batch:
                rows = ops.cast(ops.shape(in1)[0], "float32")
                terms.append(ops.log(rows) + frequencies.log_frequency(object_keys))
            if num_sampled:
                terms.append(math.log(num_sampled)
                             + frequencies.log_sampling_probability(object_keys))
            return terms[0] if len(terms) == 1 else ops.logaddexp(terms[0], terms[1])

        sampled = sampled_keys = None
        if num_sampled:
            sampled_keys = frequencies.sample(num_sampled)
            sampled = self.encoder_dropout(self.encode(1, sampled_keys[:, None], training),
                                           training=training)
        return in_batch_cross_entropy(
            query, positive, keys, self.similarity, hp.temperature,
            positive_log_counts=log_expected_counts(keys), sampled=sampled,
            sampled_keys=sampled_keys,
            sampled_log_counts=None if sampled is None else log_expected_counts(sampled_keys),
            in_batch=in_batch)
