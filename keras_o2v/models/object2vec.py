"""The Object2Vec pair model as a functional `keras.Model`."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_o2v.data.ragged_rows import pad_sequences
from keras_o2v.errors import O2VError
from keras_o2v.hyperparameters import WEIGHTED_POOLINGS, Hyperparameters
from keras_o2v.keras_compat import MultiWorkerLogsMixin, quiet_unknown_length
from keras_o2v.layers import BiLSTMEncoder, Comparator, HCNNEncoder, PooledEmbeddingEncoder, TokenEmbedding
from keras_o2v.layers.prior_correction import PriorCorrection, log_odds_shift
from keras_o2v.layers.similarity import Similarity
from keras_o2v.optimizers import LearningRateDecay, make_optimizer, updates_rows_only
from keras_o2v.retrieval.candidate_frequencies import CandidateFrequencies, num_buckets
from keras_o2v.retrieval.steps import RetrievalSteps


def make_encoder(settings, enc_dim, use_cudnn="auto", name=None):
    """The encoder layer for one side's `EncoderSettings`."""
    if settings.network == "pooled_embedding":
        weighted = settings.pooling in WEIGHTED_POOLINGS
        return PooledEmbeddingEncoder(pooling=settings.pooling, name=name,
                                      vocab_size=settings.vocab_size if weighted else None)
    if settings.network == "hcnn":
        return HCNNEncoder(enc_dim, num_layers=settings.layers,
                           filter_width=settings.cnn_filter_width, name=name)
    return BiLSTMEncoder(enc_dim, num_layers=settings.layers, use_cudnn=use_cudnn, name=name)


@keras.saving.register_keras_serializable(package="keras_o2v")
class Object2Vec(MultiWorkerLogsMixin, RetrievalSteps, keras.Model):
    """Object2Vec: two encoders, a comparator and an MLP scoring a pair.

    `in0` and `in1` are int token ids `[batch, length]`, right-padded with 0.
    Each side is truncated to its `encN_max_seq_len`, embedded (a token table
    per side, or one shared table with `tied_token_embedding_weight`), encoded
    (`pooled_embedding`, `hcnn` or `bilstm`), passed through dropout, compared
    (`comparator_list`) and scored by `mlp_layers` x (Dense(`mlp_dim`) ->
    `mlp_activation` -> dropout) and an output layer: softmax probabilities over
    `num_classes` (`output_layer=softmax`), or one regression value.

    Pretrained vectors (`encN_pretrained_embedding_file`) are loaded into the
    tables by `keras_o2v.pretrained.initialise_token_tables`; with
    `encN_freeze_pretrained_embedding=True` the table is built with a
    `frozen_rows` mask (see `TokenEmbedding`), so the loaded rows stay fixed
    and the others train, also after a save/load or a resumed job.

    `compile()` with no arguments uses the hyperparameters' optimizer, the
    matching loss (cross-entropy or MSE) and SageMaker's metrics (`accuracy`,
    `cross_entropy` or `mean_squared_error`). With
    `token_embedding_storage_type=row_sparse` that optimizer is the lazy one of
    `keras_o2v.optimizers.lazy` (only the token rows of a batch are updated).

    keras_o2v extensions:
    - `training_objective=retrieval`: the pair score is the `Similarity` of the
      two embeddings (`retrieval_similarity`, `[batch, 1]`; no comparator, MLP or
      output layer), trained by softmax over candidates (`keras_o2v.retrieval`).
      Call `adapt(train)` before `fit` so the model knows the train channel's in1
      frequencies (logQ correction, sampled negatives).
    - `encN_pooling=idf|sif`: frequency-weighted pooling; `adapt(train)` counts
      the tokens and sets the weights (a non-trainable weight of the encoder,
      saved and exported with the model).
    - `calibration_base_rate > 0`: the output layer gives logits and a
      `PriorCorrection` layer turns them into probabilities, shifted outside
      training to the base rate; `adapt(train)` measures the training prior.

    Args:
        hyperparameters: a `keras_o2v.Hyperparameters` or a dict for `from_dict`.
        use_cudnn: for bilstm encoders; "auto" uses cuDNN on a GPU. The export
            builds a twin with `use_cudnn=False`.
        **kwargs: forwarded to `keras.Model` (e.g. `name`).

    Example:
    >>> hp = keras_o2v.Hyperparameters(enc0_max_seq_len=10, enc0_vocab_size=100,
    ...     enc0_network="pooled_embedding", enc0_token_embedding_dim=16)
    >>> model = keras_o2v.Object2Vec(hp)
    >>> model.compile()
    >>> model.fit(keras_o2v.make_dataset("train.jsonl", hp))  # doctest: +SKIP
    >>> model.embed(in0=[[5, 6, 7], [8]]).shape
    (2, 16)
    """

    def __init__(self, hyperparameters, use_cudnn="auto", **kwargs):
        if not isinstance(hyperparameters, Hyperparameters):
            hyperparameters = Hyperparameters.from_dict(hyperparameters)
        hp = hyperparameters
        settings = (hp.encoder(0), hp.encoder(1))

        # === Layers ===
        freeze = [bool(s.pretrained_embedding_file and s.freeze_pretrained_embedding)
                  for s in settings]
        tied = hp.tied_token_embedding_weight
        sparse_updates = updates_rows_only(hp)
        table0 = TokenEmbedding(settings[0].vocab_size, settings[0].token_embedding_dim,
                                freeze_rows=any(freeze) if tied else freeze[0],
                                sparse_updates=sparse_updates,
                                name="token_embedding_shared" if tied else "token_embedding0")
        table1 = table0 if tied else TokenEmbedding(
            settings[1].vocab_size, settings[1].token_embedding_dim, freeze_rows=freeze[1],
            sparse_updates=sparse_updates, name="token_embedding1")
        encoders = [make_encoder(s, hp.enc_dim, use_cudnn, name=f"enc{s.side}") for s in settings]
        encoder_dropout = keras.layers.Dropout(hp.dropout, name="encoder_dropout")
        head = _PairHead(hp) if not hp.is_retrieval else None

        # === Functional Model ===
        inputs = {
            f"in{side}": keras.Input(shape=(None,), dtype="int64", name=f"in{side}")
            for side in (0, 1)
        }
        tables = (table0, table1)
        max_lens = [s.max_seq_len for s in settings]
        embeddings = _encode_sides(tables, encoders, max_lens, [inputs["in0"], inputs["in1"]])
        if hp.is_retrieval:
            similarity = Similarity(hp.retrieval_similarity, name="similarity")
            scores = similarity(embeddings)
        else:
            scores = head.score([encoder_dropout(e) for e in embeddings])
        super().__init__(inputs=inputs, outputs=scores, **kwargs)

        # === Config ===
        self.hyperparameters = hp
        self.use_cudnn = use_cudnn
        self.token_embeddings = tables
        self.encoders = tuple(encoders)
        self.encoder_dropout = encoder_dropout
        self.head = head
        if hp.is_retrieval:
            self.similarity = similarity
            self.candidate_frequencies = CandidateFrequencies(
                num_buckets(hp), alpha=hp.retrieval_sampling_alpha, name="candidate_frequencies")
        self._embed_functions = _UntrackedFunctions()
        self._hyperparameter_callbacks = []

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "hyperparameters": self.hyperparameters.to_dict(),
            "use_cudnn": self.use_cudnn,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(Hyperparameters.from_dict(config.pop("hyperparameters")), **config)

    # === Training defaults ===
    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        """`keras.Model.compile` with "auto" defaults taken from the hyperparameters."""
        hp = self.hyperparameters
        self._hyperparameter_callbacks = []
        if optimizer == "auto" and hp.learning_rate_decay < 1.0:
            self._hyperparameter_callbacks.append(
                LearningRateDecay(hp.learning_rate, hp.learning_rate_decay))
        if optimizer == "auto":
            optimizer = make_optimizer(hp)
            # Decay would shrink frozen pretrained rows (see TokenEmbedding).
            frozen = [t.embeddings for t in set(self.token_embeddings) if t.freeze_rows]
            if frozen:
                optimizer.exclude_from_weight_decay(var_list=frozen)
        if hp.is_retrieval:  # RetrievalSteps computes the loss and its metrics
            self.make_retrieval_trackers()
            loss = None if loss == "auto" else loss
            metrics = None if metrics == "auto" else metrics
        if loss == "auto":
            loss = (keras.losses.SparseCategoricalCrossentropy() if hp.is_classification
                    else keras.losses.MeanSquaredError())
        if metrics == "auto":
            metrics = default_metrics(hp)
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def get_compile_config(self):
        # A loaded model is compiled again from its hyperparameters ("auto").
        return {"auto": True} if self.compiled else None

    def compile_from_config(self, config):
        self.compile()
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            **kwargs):
        """`keras.Model.fit`, plus the callbacks the hyperparameters ask for.

        When `compile()` used the hyperparameters' optimizer and
        `learning_rate_decay` is below 1, a `LearningRateDecay` callback joins
        `callbacks`: epoch `e` (as Keras numbers it, so a run resumed with
        `initial_epoch` keeps the schedule) trains at `learning_rate * decay ** e`.
        A streamed dataset (any `make_dataset` output) ends its first pass with
        Keras' "ran out of data" warning although the pass is complete; it is not
        shown.
        """
        callbacks = [*(callbacks or []), *self._hyperparameter_callbacks]
        hp = self.hyperparameters
        needs_frequencies = hp.is_retrieval and hp.negatives != "full" and (
            hp.retrieval_logq_correction or hp.retrieval_sampled_negatives)
        if needs_frequencies and not self.candidate_frequencies.adapted:
            raise O2VError(
                "This retrieval model does not know the train channel's in1 frequencies "
                "(logQ correction, sampled negatives): call model.adapt(train_data) before "
                "fit, or set retrieval_logq_correction=False and retrieval_sampled_negatives=0.")
        unadapted = [f"enc{side}_pooling={hp.encoder(side).pooling}"
                     for side in hp.weighted_pooling_sides if not self.encoders[side].adapted]
        if unadapted:
            raise O2VError(
                f"{' and '.join(unadapted)} weigh tokens by their frequency in the train data, "
                "which this model has not counted yet: call model.adapt(train_data) before fit.")
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)  # it shuffles itself; Keras warns otherwise
        with quiet_unknown_length():
            return super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                               callbacks=callbacks, **kwargs)

    def evaluate(self, *args, **kwargs):
        """`keras.Model.evaluate`, without the "ran out of data" warning (see `fit`)."""
        with quiet_unknown_length():
            return super().evaluate(*args, **kwargs)

    # === Data-dependent state ===
    def adapt(self, data, pooling_corpus=None):
        """Reads what training needs to know about the train data, before `fit`.

        - retrieval mode: the frequencies of the in1 objects (the logQ correction
          and the sampling distribution of `keras_o2v.retrieval.CandidateFrequencies`);
        - `calibration_base_rate > 0`: the share of positives the classifier trains
          on (with `negative_sampling_rate` k generated negatives per positive),
          which sets the `PriorCorrection` shift;
        - `encN_pooling=idf|sif`: the token weights of that encoder, from the
          token counts of side N's objects (each object one document; see
          `keras_o2v.layers.token_weights`), in the same pass.

        Otherwise it only counts. In retrieval mode, records with label 0 are not
        softmax targets (their in1 objects are still candidates); the returned
        statistics say how many there are.

        Args:
            data: the train channel (JSON Lines file, folder, or a list of them) or a
                `tf.data.Dataset` of `({"in0", "in1"}, labels)` batches.
            pooling_corpus: optional channel (records of the same format; `label`
                may be absent) whose side-N objects give the `idf` / `sif` weights
                instead of `data`'s, e.g. a larger collection of the same kind of
                documents.

        Returns:
            The `keras_o2v.data.channel_statistics.ChannelStatistics` of the data
            (`tokens` holds the counts the weights came from).

        Example:
        >>> stats = model.adapt("train.jsonl")  # doctest: +SKIP
        >>> model.fit(keras_o2v.make_dataset("train.jsonl", hp))  # doctest: +SKIP
        """
        from keras_o2v.data.channel_statistics import channel_statistics

        hp = self.hyperparameters
        weighted = hp.weighted_pooling_sides
        stats = channel_statistics(data, hp, num_buckets(hp) if hp.is_retrieval else None,
                                   token_sides=() if pooling_corpus is not None else weighted)
        if weighted and pooling_corpus is not None:
            stats.tokens = channel_statistics(pooling_corpus, hp, token_sides=weighted,
                                              require_label=False).tokens
        for side in weighted:
            if stats.tokens[side].documents == 0:
                raise O2VError(f"enc{side}_pooling={hp.encoder(side).pooling} needs objects to "
                               "count tokens in, and the data holds none.")
            self.encoders[side].set_token_statistics(stats.tokens[side])
        if hp.is_retrieval:
            self.candidate_frequencies.set_counts(stats.in1_bucket_counts)
        if hp.calibration_base_rate:
            rate = stats.positive_rate(hp.negative_sampling_rate)
            if not 0.0 < rate < 1.0:
                raise O2VError(
                    f"calibration_base_rate={hp.calibration_base_rate} needs both labels in "
                    f"the train data, but it holds {stats.positives} positives and "
                    f"{stats.negatives} negatives (negative_sampling_rate="
                    f"{hp.negative_sampling_rate}).")
            self.head.prior_correction.set_shift(log_odds_shift(rate, hp.calibration_base_rate))
        return stats

    # === Scores of embeddings ===
    def score_embeddings(self, query_embeddings, candidate_embeddings, positive_class=None,
                         logits=False, pairwise=False):
        """Ranking scores of every (query, candidate) pair from their embeddings.

        The score is what `serving_default` gives for the pair, without running the
        encoders: for a retrieval model the `Similarity` (one matrix product); for a
        pair model the comparator, MLP and output layer on every pair (`[b * n]` head
        evaluations), giving the probability of `positive_class` (calibrated when
        `calibration_base_rate` is set) or the regression value. The top-k export
        signatures and the ranking metrics rank by it.

        Args:
            query_embeddings: enc0 embeddings `[b, d]` (tensor or array, `encode(0, ...)`).
            candidate_embeddings: enc1 embeddings `[n, d]` (`encode(1, ...)`).
            positive_class: for a softmax pair model, the class whose probability is
                the score (default: the highest class, class 1 of a binary model).
            logits: for a softmax pair model, the log-odds of `positive_class` instead
                of its probability (the same order, without saturation at 0 or 1).
            pairwise: score row i of the queries with row i of the candidates only
                (both `[n, d]`), returning `[n]`.

        Returns:
            float tensor `[b, n]` (`[n]` when pairwise).

        Example:
        >>> e0, e1 = model.embed(in0=[[1], [2]]), model.embed(in1=[[5], [6], [7]])  # doctest: +SKIP
        >>> model.score_embeddings(e0, e1).shape  # doctest: +SKIP
        TensorShape([2, 3])
        """
        queries = ops.convert_to_tensor(query_embeddings, "float32")
        candidates = ops.convert_to_tensor(candidate_embeddings, "float32")
        if self.hyperparameters.is_retrieval:
            if pairwise:
                return self.similarity([queries, candidates])[:, 0]
            return self.similarity.matrix(queries, candidates)
        return self.head.score_matrix(queries, candidates, positive_class, logits=logits,
                                      pairwise=pairwise)

    # === Export ===
    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None,
               **kwargs):
        """Keras' `Model.export`; its TensorFlow SavedModel is keras_o2v's serving export.

        With `format="tf_saved_model"` (the default) this writes at `filepath` what
        `keras_o2v.export_saved_model` writes as a version for TensorFlow Serving:
        the signatures `serving_default` (`in0`, `in1` -> `scores`), `embed_in0` and
        `embed_in1` (-> `embeddings`), a graph without CUDA-only ops (a bilstm is
        traced through a twin without cuDNN, also on a GPU host), warm-up records and
        `hyperparameters.json` in `assets.extra/`. The folder is written aside and
        renamed into place (an existing one is replaced). Other formats (`onnx`,
        `openvino`, `litert`) are Keras' own.

        Args:
            filepath: the SavedModel folder.
            format: "tf_saved_model", or another format of `keras.Model.export`.
            verbose: print what was written (default: True, as Keras does).
            input_signature: only for other formats; keras_o2v's signatures are
                its serving contract (`keras_o2v.serving_contract`).
            **kwargs: `warmup=False` leaves out the warm-up records; other formats
                take Keras' options.

        Example:
        >>> model.export("exports/o2v")  # doctest: +SKIP
        """
        if format != "tf_saved_model":
            return super().export(filepath, format=format, verbose=verbose,
                                  input_signature=input_signature, **kwargs)
        warmup = kwargs.pop("warmup", True)
        if input_signature is not None or kwargs:
            given = ["input_signature"] * (input_signature is not None) + sorted(kwargs)
            raise ValueError(
                f"Object2Vec.export(format='tf_saved_model') writes keras_o2v's serving "
                f"signatures and takes no {', '.join(given)}; use keras.export.ExportArchive "
                "for signatures of your own.")
        # Imported here: the export package builds on this module.
        from keras_o2v.export.at_path import export_at_path

        export_at_path(self, filepath, warmup=warmup)
        if verbose is None or verbose:
            print(f"Saved artifact at '{filepath}' with signatures serving_default (in0, in1 -> "
                  "scores), embed_in0 (in0 -> embeddings), embed_in1 (in1 -> embeddings).")

    # === Embeddings ===
    def encode(self, side, ids, training=False):
        """Embeddings `[batch, d]` of int ids `[batch, length]` (a tensor) for one side."""
        return _encode_sides([self.token_embeddings[side]], [self.encoders[side]],
                             [self.hyperparameters.encoder(side).max_seq_len], [ids],
                             training=training)[0]

    def embed(self, in0=None, in1=None, batch_size=256):
        """Embeds objects with enc0 (`in0=`) or enc1 (`in1=`) and returns numpy.

        Args:
            in0: token id sequences for encoder 0: a list of lists (ragged is
                fine) or a right-padded int array `[n, length]`.
            in1: the same for encoder 1. Give exactly one of `in0` and `in1`.
            batch_size: objects per forward pass.

        Returns:
            float32 numpy array `[n, d]`.
        """
        if (in0 is None) == (in1 is None):
            raise ValueError("Give exactly one of in0= or in1= to embed().")
        side, sequences = (0, in0) if in0 is not None else (1, in1)
        function = self._embed_functions.by_side.get(side)
        if function is None:
            function = tf.function(
                lambda ids: self.encode(side, ids),
                input_signature=[tf.TensorSpec([None, None], tf.int64)], reduce_retracing=True)
            self._embed_functions.by_side[side] = function
        outputs = [
            function(tf.constant(pad_sequences(sequences[start:start + batch_size])))
            for start in range(0, len(sequences), batch_size)
        ]
        if not outputs:
            width = self.encoders[side].compute_output_shape((None, None, None))[-1]
            return np.zeros((0, width), np.float32)
        return np.concatenate([np.asarray(o) for o in outputs], axis=0)


class _UntrackedFunctions:
    """`embed`'s compiled functions, per side, out of TensorFlow's object tracking.

    A dict attribute of a Keras model is tracked, and `tf.saved_model.save` (also
    Keras' own `export`) refuses a tracked dict keyed by integers; a plain object is
    not tracked, and the functions are a cache that need not be saved.
    """

    def __init__(self):
        self.by_side = {}


class _PairHead:
    """The comparator, MLP and output layer of a pair model (SageMaker's network).

    With `calibration_base_rate` the output layer gives logits and a
    `PriorCorrection` layer the probabilities; otherwise the output layer has
    SageMaker's softmax (or, for regression, no) activation.
    """

    def __init__(self, hp):
        self.hp = hp
        self.comparator = Comparator(hp.comparator_list, name="comparator")
        activation = None if hp.mlp_activation == "linear" else hp.mlp_activation
        self.mlp = []
        for i in range(hp.mlp_layers):
            self.mlp.append(keras.layers.Dense(hp.mlp_dim, activation=activation,
                                               name=f"mlp_fc{i}"))
            self.mlp.append(keras.layers.Dropout(hp.dropout, name=f"mlp_dropout{i}"))
        calibrated = bool(hp.calibration_base_rate)
        softmax = hp.is_classification and not calibrated
        self.output_layer = keras.layers.Dense(
            hp.num_outputs, activation="softmax" if softmax else None, name="output_layer")
        self.prior_correction = PriorCorrection(name="prior_correction") if calibrated else None

    def hidden(self, embeddings, training=None):
        x = self.comparator(embeddings)
        for layer in self.mlp:
            x = layer(x, training=training)
        return x

    def score(self, embeddings):
        scores = self.output_layer(self.hidden(embeddings))
        return self.prior_correction(scores) if self.prior_correction is not None else scores

    def score_matrix(self, queries, candidates, positive_class=None, logits=False,
                     pairwise=False):
        hp = self.hp
        num_queries, num_candidates = ops.shape(queries)[0], ops.shape(candidates)[0]
        if pairwise:
            pairs = [queries, candidates]
        else:
            pairs = [ops.repeat(queries, num_candidates, axis=0),
                     ops.tile(candidates, [num_queries, 1])]
        x = self.hidden(pairs, training=False)
        if not hp.is_classification:
            score = self.output_layer(x)[:, 0]
        else:
            column = hp.num_classes - 1 if positive_class is None else positive_class
            if logits or self.prior_correction is not None:
                z = ops.matmul(x, self.output_layer.kernel) + self.output_layer.bias
            if logits:  # log-odds of the class against all others
                others = ops.concatenate([z[:, :column], z[:, column + 1:]], axis=1)
                score = z[:, column] - ops.logsumexp(others, axis=1)
            elif self.prior_correction is not None:
                score = self.prior_correction(z, training=False)[:, column]
            else:
                score = self.output_layer(x)[:, column]
        return score if pairwise else ops.reshape(score, (num_queries, num_candidates))


def _encode_sides(tables, encoders, max_lens, side_ids, training=None):
    """Embeds each side's ids `[batch, length]` with its table and encoder.

    Ids are truncated to the side's `max_len`. A table shared by both sides is
    read once for both (see `TokenEmbedding`); pooled encoders get the table
    rows of the batch's distinct ids and their positions instead of
    `[batch, length, dim]` embeddings; frequency-weighted ones (`idf`, `sif`)
    also get the ids, to look up their weights.
    """
    side_ids = [_truncate(ids, max_len) for ids, max_len in zip(side_ids, max_lens)]
    looked_up = [None] * len(tables)
    for table in dict.fromkeys(tables):
        sides = [s for s, t in enumerate(tables) if t is table]
        as_rows = (all(isinstance(encoders[s], PooledEmbeddingEncoder) for s in sides)
                   and not all(max_lens[s] == 1 for s in sides))
        for side, value in zip(sides, table([side_ids[s] for s in sides], as_rows=as_rows)):
            looked_up[side] = value
    return [encoder(value, mask=keras.ops.not_equal(ids, 0), training=training,
                    **({"ids": ids} if getattr(encoder, "weighted", False) else {}))
            for encoder, value, ids in zip(encoders, looked_up, side_ids)]


def _truncate(ids, max_len):
    """`ids[:, :max_len]`; for `max_len` 1 with the static shape `[batch, 1]`.

    Summing the (zero or one) kept column gives that shape; an empty row gives
    id 0, padding, as the empty slice would.
    """
    if max_len == 1:
        return keras.ops.sum(ids[:, :1], axis=1, keepdims=True)
    return ids[:, :max_len]


def default_metrics(hyperparameters):
    """SageMaker's metric names: accuracy and cross_entropy, or mean_squared_error."""
    if hyperparameters.is_classification:
        return [keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
                keras.metrics.SparseCategoricalCrossentropy(name="cross_entropy")]
    return [keras.metrics.MeanSquaredError(name="mean_squared_error")]
