"""`RetrievalTask`: the pair score is a similarity, trained by softmax over candidates."""

import math

import keras
from keras import ops

from keras_o2v.errors import O2VError
from keras_o2v.layers.similarity import SIMILARITIES, Similarity
from keras_o2v.tasks.candidate_frequencies import CandidateFrequencies
from keras_o2v.tasks.retrieval_losses import full_softmax_cross_entropy, in_batch_cross_entropy
from keras_o2v.tasks.task import Task

NEGATIVES = ("full", "in_batch", "sampled")
# `temperature="auto"`: cosine lies in [-1, 1], so its logits need a scale; 0.3 ranked
# best (with 0.5) among 0.05, 0.1, 0.2, 0.3, 0.5, 0.7 and 1.0 on a MovieLens 100k
# validation split (benchmarks/movielens_retrieval_check.py): lower ones let the
# softmax memorise the train pairs (text-embedding trainers often use 0.05; tune it).
# A dot product is unbounded and learns its own scale (TensorFlow Recommenders' 1).
AUTO_TEMPERATURE = {"cosine": 0.3, "dot": 1.0}


@keras.saving.register_keras_serializable(package="keras_o2v")
class RetrievalTask(Task):
    """Scores a pair by the similarity of its embeddings; trains by softmax over candidates.

    Called on `[e0, e1]`, it returns `[batch, 1]`: the cosine or dot similarity
    (without the temperature). Training (`compute_loss`) takes each record with a
    label > 0 as a positive pair and computes the softmax cross-entropy of its
    `in1` among candidates, with logits `similarity / temperature`
    (`keras_o2v.tasks.retrieval_losses`):

    - `negatives="full"`: every id of a one-token `in1` vocabulary of
      `candidate_vocab_size` ids (embedded by the backbone at every step);
    - `"in_batch"`: the batch's `in1` objects (records with label 0 included as
      candidates), plus `sampled_negatives` drawn from the train channel's `in1`
      frequencies; accidental hits are removed;
    - `"sampled"`: each row's positive and the drawn ones only;
    - `logq_correction`: every in-batch or sampled candidate's logit is lowered by
      the log of its expected count (`CandidateFrequencies`, set by `adapt`).

    Validation and test steps use the same loss without sampled negatives
    (in-batch candidates, or every id for `full`), so the validation loss is
    deterministic. Under `tf.distribute` each replica's in-batch negatives are its
    own share of the batch (as in TensorFlow Recommenders). Metrics: `loss` and
    `retrieval_cross_entropy`, both the mean cross-entropy per positive pair.

    Args:
        similarity: "cosine" or "dot".
        temperature: logits are similarities divided by it; "auto" = 0.3 for
            cosine, 1 for dot.
        negatives: "full", "in_batch" or "sampled".
        sampled_negatives: candidates drawn per training batch.
        logq_correction: apply the logQ correction.
        num_buckets: buckets of the `in1` frequencies (the in1 vocabulary size for
            a one-token in1, else `keras_o2v.tasks.candidate_frequencies.HASHED_BUCKETS`).
        sampling_alpha: exponent of the sampling distribution (0: uniform over the
            objects seen, 1: as often as they occur).
        candidate_vocab_size: the in1 vocabulary size (`full` and `sampled`).
        **kwargs: forwarded to `keras.layers.Layer`.

    Example:
    >>> task = keras_o2v.tasks.RetrievalTask("cosine", num_buckets=8)
    >>> task([np.array([[3.0, 4.0]]), np.array([[6.0, 8.0]])]).numpy().tolist()
    [[1.0]]
    """

    def __init__(self, similarity="cosine", temperature="auto", negatives="in_batch",
                 sampled_negatives=0, logq_correction=True, num_buckets=2**20,
                 sampling_alpha=0.0, candidate_vocab_size=None, **kwargs):
        super().__init__(**kwargs)
        if similarity not in SIMILARITIES:
            raise ValueError(f"similarity must be one of {SIMILARITIES}, got {similarity!r}")
        if negatives not in NEGATIVES:
            raise ValueError(f"negatives must be one of {NEGATIVES}, got {negatives!r}")
        if negatives in ("full", "sampled") and not candidate_vocab_size:
            raise ValueError(f"negatives={negatives!r} needs candidate_vocab_size")
        self.similarity_name = similarity
        self.temperature = AUTO_TEMPERATURE[similarity] if temperature == "auto" else float(temperature)
        self.negatives = negatives
        self.sampled_negatives = int(sampled_negatives)
        self.logq_correction = bool(logq_correction)
        self.num_buckets = int(num_buckets)
        self.sampling_alpha = float(sampling_alpha)
        self.candidate_vocab_size = None if candidate_vocab_size is None else int(candidate_vocab_size)

        self.similarity = Similarity(similarity, name="similarity")
        self.candidate_frequencies = CandidateFrequencies(
            self.num_buckets, alpha=self.sampling_alpha, name="candidate_frequencies")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.cross_entropy_tracker = keras.metrics.Mean(name="retrieval_cross_entropy")

    @property
    def flat_layers(self):
        return [self.similarity]

    @property
    def metrics(self):
        return [self.loss_tracker, self.cross_entropy_tracker]

    @property
    def needs_frequencies(self):
        """Whether training reads the train channel's in1 frequencies (set by `adapt`)."""
        return self.negatives != "full" and (self.logq_correction or bool(self.sampled_negatives))

    # === Scores ===
    def call(self, embeddings, training=None):
        return self.similarity(embeddings)

    def score_matrix(self, queries, candidates, positive_class=None, logits=False,
                     pairwise=False):
        if pairwise:
            return self.similarity([queries, candidates])[:, 0]
        return self.similarity.matrix(queries, candidates)

    # === Training ===
    def compute_loss(self, embeddings, y, sample_weight=None, training=False, inputs=None,
                     backbone=None):
        loss, weight = self.loss_and_weight(embeddings, y, sample_weight, training, inputs, backbone)
        for tracker in self.metrics:
            tracker.update_state(loss, sample_weight=weight)
        return loss

    def loss_and_weight(self, embeddings, y, sample_weight=None, training=False, inputs=None,
                        backbone=None):
        """Mean cross-entropy over the positive pairs of a batch, and their (weighted) count.

        Args: as `compute_loss`; `inputs` (the ids) and `backbone` are required.
        """
        query, positive = embeddings
        in1 = backbone.truncate(1, inputs["in1"])
        weight = ops.cast(ops.reshape(y, (-1,)) > 0, query.dtype)
        if sample_weight is not None:
            weight = weight * ops.cast(ops.reshape(sample_weight, (-1,)), query.dtype)
        if self.negatives == "full":
            ids = ops.arange(self.candidate_vocab_size, dtype="int64")[:, None]
            candidates = backbone.encode(1, ids, training=training)
            losses = full_softmax_cross_entropy(query, candidates, in1[:, 0], self.similarity,
                                                self.temperature)
        else:
            losses = self._sampled_losses(query, positive, in1, backbone, training)
        total = ops.sum(weight)
        return ops.sum(losses * weight) / ops.maximum(total, 1.0), total

    def _sampled_losses(self, query, positive, in1, backbone, training):
        # Imported here: keras_o2v.data is not part of the layers' import chain.
        from keras_o2v.data.object_keys import tensor_object_keys

        frequencies = self.candidate_frequencies
        num_sampled = self.sampled_negatives if training else 0
        in_batch = self.negatives == "in_batch" or not training
        keys = tensor_object_keys(in1)

        def log_expected_counts(object_keys):
            if not self.logq_correction:
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
            sampled = backbone.encode(1, sampled_keys[:, None], training=training)
        return in_batch_cross_entropy(
            query, positive, keys, self.similarity, self.temperature,
            positive_log_counts=log_expected_counts(keys), sampled=sampled,
            sampled_keys=sampled_keys,
            sampled_log_counts=None if sampled is None else log_expected_counts(sampled_keys),
            in_batch=in_batch)

    def adapt(self, statistics, negative_sampling_rate=0):
        """Sets the in1 frequencies from the channel statistics' `in1_bucket_counts`."""
        self.candidate_frequencies.set_counts(statistics.in1_bucket_counts)

    def check_ready(self):
        if self.needs_frequencies and not self.candidate_frequencies.adapted:
            raise O2VError(
                "This retrieval model does not know the train channel's in1 frequencies "
                "(logQ correction, sampled negatives): call model.adapt(train_data) before "
                "fit, or set retrieval_logq_correction=False and retrieval_sampled_negatives=0.")

    def get_config(self):
        return {**super().get_config(), "similarity": self.similarity_name,
                "temperature": self.temperature, "negatives": self.negatives,
                "sampled_negatives": self.sampled_negatives,
                "logq_correction": self.logq_correction, "num_buckets": self.num_buckets,
                "sampling_alpha": self.sampling_alpha,
                "candidate_vocab_size": self.candidate_vocab_size}
