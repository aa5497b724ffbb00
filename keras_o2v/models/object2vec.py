"""The Object2Vec model: a backbone (tables and encoders) and a task (the objective)."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops
from keras.src.losses.loss import scale_loss_for_distribution

from keras_o2v.data.ragged_rows import pad_sequences
from keras_o2v.errors import O2VError
from keras_o2v.hyperparameters import Hyperparameters
from keras_o2v.models.backbone import Object2VecBackbone
from keras_o2v.models.keras_compat import quiet_unknown_length, rank1_when_multi_worker
from keras_o2v.optimizers.factory import make_optimizer
from keras_o2v.optimizers.learning_rate_decay import LearningRateDecay
from keras_o2v.tasks.from_hyperparameters import task_from_hyperparameters

# `get_config`'s "config_version": 2 since keras_o2v 0.3. A config without one was
# written by 0.2, whose networks are these hyperparameters' values (defaults since
# changed or extensions added since), so that its weights fit.
CONFIG_VERSION = 2
VERSION_1_HYPERPARAMETERS = {"enc0_common_components": 0, "enc1_common_components": 0}


@keras.saving.register_keras_serializable(package="keras_o2v")
class Object2Vec(keras.Model):
    """Object2Vec: two encoders and an objective that scores a pair.

    `in0` and `in1` are int token ids `[batch, length]`, right-padded with 0.
    The model is two parts, as keras-hub and TensorFlow Recommenders split them:

    - `backbone` (`Object2VecBackbone`): each side is truncated to its
      `encN_max_seq_len`, embedded (a token table per side, or one shared table
      with `tied_token_embedding_weight`), encoded (`pooled_embedding`, `hcnn` or
      `bilstm`) and passed through dropout while training: one embedding per side;
    - `task` (`keras_o2v.tasks`), chosen by `training_objective`: it owns the head
      that scores the two embeddings, the loss and the metrics.
      `training_objective=pair` is SageMaker's network (`PairScoringTask`):
      `comparator_list`, `mlp_layers` x (Dense(`mlp_dim`) -> `mlp_activation` ->
      dropout) and softmax probabilities over `num_classes`
      (`output_layer=softmax`) or one regression value. `training_objective=retrieval`
      (`RetrievalTask`) scores a pair by the `retrieval_similarity` of its
      embeddings and trains by softmax over candidates; call `adapt(train)` before
      `fit` so it knows the train channel's in1 frequencies (logQ correction,
      sampled negatives).

    `train_step` and `test_step` (below) embed the batch with the backbone and hand
    the embeddings to `task.compute_loss`; the logs are the task's metrics, under
    SageMaker's names (`loss`, `accuracy`, `cross_entropy`, `mean_squared_error`;
    `retrieval_cross_entropy`).

    Pretrained vectors (`encN_pretrained_embedding_file`) are loaded into the
    tables by `keras_o2v.pretrained.initialise_token_tables`; with
    `encN_freeze_pretrained_embedding=True` the table is built with a
    `frozen_rows` mask (see `TokenEmbedding`), so the loaded rows stay fixed
    and the others train, also after a save/load or a resumed job.

    `compile()` with no arguments uses the hyperparameters' optimizer. With
    `token_embedding_storage_type=row_sparse` that optimizer is the lazy one of
    `keras_o2v.optimizers.lazy` (only the token rows of a batch are updated).

    Further keras_o2v extensions:
    - `encN_pooling=idf|sif`: frequency-weighted pooling; `adapt(train)` counts
      the tokens and sets the weights (a non-trainable weight of the encoder,
      saved and exported with the model).
    - `calibration_base_rate > 0`: the output layer gives logits and a
      `PriorCorrection` layer turns them into probabilities, shifted outside
      training to the base rate; `adapt(train)` measures the training prior.

    `model.layers` lists the leaf layers (inputs, tables, encoders, dropout, the
    task's layers), as `.keras` files of every keras_o2v release store them.

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

        # === Layers ===
        backbone = Object2VecBackbone.from_hyperparameters(hp, use_cudnn=use_cudnn,
                                                           name="backbone")
        task = task_from_hyperparameters(hp)

        # === Functional Model ===
        inputs = {f"in{side}": keras.Input(shape=(None,), dtype="int64", name=f"in{side}")
                  for side in (0, 1)}
        scores = task(backbone(inputs))
        super().__init__(inputs=inputs, outputs=scores, **kwargs)

        # === Config ===
        self.hyperparameters = hp
        self.use_cudnn = use_cudnn
        self.backbone = backbone
        self.task = task
        self._compiled_functions = _UntrackedFunctions()
        self._hyperparameter_callbacks = []

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "hyperparameters": self.hyperparameters.to_dict(),
            "use_cudnn": self.use_cudnn,
            "config_version": CONFIG_VERSION,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        values = config.pop("hyperparameters")
        if config.pop("config_version", 1) < 2:
            values = {**VERSION_1_HYPERPARAMETERS, **values}
        return cls(Hyperparameters.from_dict(values), **config)

    # === Parts ===
    @property
    def layers(self):
        backbone = getattr(self, "backbone", None)
        if backbone is None:  # still inside keras.Model.__init__
            return super().layers
        inputs = [layer for layer in super().layers if isinstance(layer, keras.layers.InputLayer)]
        return [*inputs, *backbone.flat_layers, *self.task.flat_layers]

    @property
    def token_embeddings(self):
        """`(table0, table1)`, the backbone's `TokenEmbedding`s (one layer twice when tied)."""
        return self.backbone.token_embeddings

    @property
    def encoders(self):
        """`(encoder0, encoder1)`, the backbone's encoder layers."""
        return self.backbone.encoders

    @property
    def candidate_frequencies(self):
        """A retrieval task's `CandidateFrequencies` (the in1 frequencies of the train channel)."""
        return self.task.candidate_frequencies

    # === Training ===
    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        """`keras.Model.compile`; the task brings the loss and the metrics.

        Args:
            optimizer: "auto" for the hyperparameters' optimizer (`make_optimizer`,
                and a `LearningRateDecay` callback in `fit` when `learning_rate_decay`
                is below 1), or any Keras optimizer.
            loss: "auto" (or None): the task's loss.
            metrics: "auto" (or None): the task's metrics.
            **kwargs: forwarded to `keras.Model.compile` (`run_eagerly`,
                `steps_per_execution`, `jit_compile`, ...).
        """
        for name, value in (("loss", loss), ("metrics", metrics)):
            if value not in ("auto", None):
                raise ValueError(
                    f"Object2Vec's {name} is its task's ({type(self.task).__name__}); "
                    f"compile() takes {name}='auto'. Choose the objective with "
                    "training_objective.")
        hp = self.hyperparameters
        self._hyperparameter_callbacks = []
        if optimizer == "auto":
            if hp.learning_rate_decay < 1.0:
                self._hyperparameter_callbacks.append(
                    LearningRateDecay(hp.learning_rate, hp.learning_rate_decay))
            optimizer = make_optimizer(**hp.optimizer_arguments())
            # Decay would shrink frozen pretrained rows (see TokenEmbedding).
            frozen = [t.embeddings for t in set(self.token_embeddings) if t.freeze_rows]
            if frozen:
                optimizer.exclude_from_weight_decay(var_list=frozen)
        super().compile(optimizer=optimizer, **kwargs)

    def get_compile_config(self):
        # A loaded model is compiled again from its hyperparameters ("auto"); its
        # optimizer is built only if the saved one was, so that its variables load.
        if not self.compiled:
            return None
        return {"auto": True, "optimizer_built": bool(self.optimizer and self.optimizer.built)}

    def compile_from_config(self, config):
        self.compile()
        if self.built and config.get("optimizer_built", True):
            self.optimizer.build(self.trainable_variables)

    @property
    def metrics(self):
        return self.task.metrics

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The task's loss of a batch (the mean over this replica's rows); updates `metrics`.

        `y_pred` is not used: the task scores the backbone's embeddings of `x` itself
        (a retrieval task scores every candidate, not only the pair).
        """
        embeddings = self.backbone(x, training=training)
        loss = self.task.compute_loss(embeddings, y, sample_weight, training=training,
                                      inputs=x, backbone=self.backbone)
        if self.losses:
            loss = loss + ops.sum(self.losses)
        return loss

    def train_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            loss = self.compute_loss(x, y, sample_weight=sample_weight, training=True)
            scaled = self.optimizer.scale_loss(scale_loss_for_distribution(loss))
        variables = self.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return rank1_when_multi_worker(self.get_metrics_result())

    def test_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        self.compute_loss(x, y, sample_weight=sample_weight, training=False)
        return rank1_when_multi_worker(self.get_metrics_result())

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
        self.task.check_ready()
        hp = self.hyperparameters
        unadapted = [f"enc{side}_pooling={hp.encoder(side).pooling}"
                     for side, encoder in self.backbone.weighted_encoders if not encoder.adapted]
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
          and the sampling distribution of `keras_o2v.tasks.CandidateFrequencies`);
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
        # Imported here: keras_o2v.data is not part of the layers' import chain.
        from keras_o2v.data.channel_statistics import channel_statistics

        hp = self.hyperparameters
        weighted = tuple(side for side, _ in self.backbone.weighted_encoders)
        buckets = getattr(getattr(self.task, "candidate_frequencies", None), "num_buckets", None)
        stats = channel_statistics(data, hp, buckets,
                                   token_sides=() if pooling_corpus is not None else weighted)
        if weighted and pooling_corpus is not None:
            stats.tokens = channel_statistics(pooling_corpus, hp, token_sides=weighted,
                                              require_label=False).tokens
        for side, encoder in self.backbone.weighted_encoders:
            if stats.tokens[side].documents == 0:
                raise O2VError(f"enc{side}_pooling={hp.encoder(side).pooling} needs objects to "
                               "count tokens in, and the data holds none.")
            encoder.set_token_statistics(stats.tokens[side])
        self._fit_common_components(data if pooling_corpus is None else pooling_corpus,
                                    require_label=pooling_corpus is None)
        self.task.adapt(stats, negative_sampling_rate=hp.negative_sampling_rate)
        return stats

    def _fit_common_components(self, data, require_label, batch_size=1024):
        """Sets each pooled encoder's `common_components`: the first principal directions
        (uncentred, as in SIF's code) of its side's pooled embeddings over `data`'s objects."""
        from keras_o2v.data.channel_statistics import channel_chunks
        from keras_o2v.data.ragged_rows import pad_rows

        fitted = {}  # id(encoder) -> (encoder, its sides, the Gram matrix of its embeddings)
        for side, encoder in enumerate(self.encoders):
            if getattr(encoder, "common_components", 0):
                fitted.setdefault(id(encoder), [encoder, [], 0.0])[1].append(side)
        if not fitted:
            return
        for encoder, _, _ in fitted.values():  # embeddings without any removal
            encoder.set_common_components(np.zeros(tuple(encoder.components.shape), np.float32))
        for _, sides, _ in channel_chunks(data, self.hyperparameters, require_label):
            for entry in fitted.values():
                for side in entry[1]:
                    ids = pad_rows(*sides[side])
                    for start in range(0, len(ids), batch_size):
                        batch = tf.constant(ids[start:start + batch_size])
                        pooled = np.asarray(self.encode(side, batch), np.float64)
                        entry[2] = entry[2] + pooled.T @ pooled
        for encoder, sides, gram in fitted.values():
            if np.isscalar(gram):
                raise O2VError(f"enc{sides[0]}_common_components needs objects to fit the "
                               "directions on, and the data holds none.")
            _, vectors = np.linalg.eigh(gram)  # eigenvalues ascending
            encoder.set_common_components(vectors[:, ::-1][:, :encoder.common_components].T)

    # === Scores ===
    def score_embeddings(self, query_embeddings, candidate_embeddings, positive_class=None,
                         logits=False, pairwise=False):
        """Ranking scores of every (query, candidate) pair from their embeddings.

        The score is what `serving_default` gives for the pair, without running the
        encoders (`task.score_matrix`): for a retrieval model the `Similarity` (one
        matrix product); for a pair model the comparator, MLP and output layer on
        every pair (`[b * n]` head evaluations), giving the probability of
        `positive_class` (calibrated when `calibration_base_rate` is set) or the
        regression value. The top-k export signatures and the ranking metrics rank
        by it.

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
        return self.task.score_matrix(queries, candidates, positive_class, logits=logits,
                                      pairwise=pairwise)

    def score(self, in0, in1, batch_size=256):
        """Pair scores of `(in0[i], in1[i])` as numpy: what `serving_default` returns.

        Args:
            in0: token id sequences for encoder 0: a list of lists (ragged is fine)
                or a right-padded int array `[n, length]`.
            in1: as many sequences for encoder 1.
            batch_size: pairs per forward pass.

        Returns:
            float32 `[n, num_classes]` probabilities, or `[n, 1]` (a regression value,
            or a retrieval model's similarity).

        Example:
        >>> model.score(in0=[[5, 6], [7]], in1=[[8], [9, 10]]).shape  # doctest: +SKIP
        (2, 2)
        """
        if len(in0) != len(in1):
            raise ValueError(f"score() needs as many in0 as in1 sequences, got {len(in0)} "
                             f"and {len(in1)}")
        function = self._compiled_functions.get(
            "score", lambda: tf.function(
                lambda a, b: self({"in0": a, "in1": b}, training=False),
                input_signature=[tf.TensorSpec([None, None], tf.int64)] * 2,
                reduce_retracing=True))
        outputs = [
            function(tf.constant(pad_sequences(in0[start:start + batch_size])),
                     tf.constant(pad_sequences(in1[start:start + batch_size])))
            for start in range(0, len(in0), batch_size)
        ]
        if not outputs:
            return np.zeros((0, int(self.outputs[0].shape[-1])), np.float32)
        return np.concatenate([np.asarray(o) for o in outputs], axis=0)

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
        return self.backbone.encode(side, ids, training=training)

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
        function = self._compiled_functions.get(
            f"embed{side}", lambda: tf.function(
                lambda ids: self.encode(side, ids),
                input_signature=[tf.TensorSpec([None, None], tf.int64)], reduce_retracing=True))
        outputs = [
            function(tf.constant(pad_sequences(sequences[start:start + batch_size])))
            for start in range(0, len(sequences), batch_size)
        ]
        if not outputs:
            return np.zeros((0, self.backbone.embedding_dim), np.float32)
        return np.concatenate([np.asarray(o) for o in outputs], axis=0)


class _UntrackedFunctions:
    """`embed`'s and `score`'s compiled functions, out of TensorFlow's object tracking.

    A dict attribute of a Keras model is tracked, and `tf.saved_model.save` (also
    Keras' own `export`) refuses a tracked dict keyed by integers; a plain object is
    not tracked, and the functions are a cache that need not be saved.
    """

    def __init__(self):
        self._functions = {}

    def get(self, name, make):
        """The function cached as `name`, made by `make()` on first use."""
        if name not in self._functions:
            self._functions[name] = make()
        return self._functions[name]
