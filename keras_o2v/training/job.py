"""The Object2Vec training job: SageMaker's channels, metrics and early stopping."""

import dataclasses
import os
import sys
from typing import Dict, List

import keras
import tensorflow as tf

from keras_o2v.data import make_dataset, validate_files
from keras_o2v.errors import DataError, O2VError
from keras_o2v.hyperparameters import Hyperparameters
from keras_o2v.keras_compat import quiet_unknown_length, skip_multi_worker_symbolic_build
from keras_o2v.models.object2vec import Object2Vec
from keras_o2v.training import validation_metric
from keras_o2v.training.adaptation import adapt_to_train_channel
from keras_o2v.training.metrics_reporter import MetricsReporter, sagemaker_metrics
from keras_o2v.training.model_dir import ModelDir
from keras_o2v.training.ranking_evaluation import job_ranking_tasks, ranking_metrics
from keras_o2v.training.strategy import choose_strategy, is_chief, multi_worker_config


@dataclasses.dataclass
class TrainingResult:
    """What a finished job produced.

    Args:
        model: the best model (loaded from `model_dir/model.keras`).
        model_dir: where the artifacts are.
        history: per-epoch metrics under SageMaker names.
        best_epoch: the epoch whose model was kept.
        stopped_early: whether early stopping ended the job.
        test_metrics: `test:*` metrics, empty without a test channel.
    """

    model: Object2Vec
    model_dir: str
    history: List[Dict[str, float]]
    best_epoch: int
    stopped_early: bool
    test_metrics: Dict[str, float]


def train(hyperparameters, train, model_dir, validation=None, test=None, auxiliary=None,
          strategy=None, gpus="all", resume=True, validate=True, seed=None, verbose="auto"):
    """Runs a whole Object2Vec training job, as SageMaker's container does.

    Every epoch trains on the train channel (with negative sampling when set),
    scores the validation channel, reports `train:*` and `validation:*`
    metrics, applies SageMaker's early-stopping rule and checkpoints. The best
    validation epoch (lowest validation loss; the last epoch without a
    validation channel) is saved to `model_dir/model.keras` and scored on the
    test channel. Rerunning the same job on the same `model_dir` resumes after
    the last completed epoch.

    keras_o2v extensions: with ranking metrics on (`ranking_metrics`, on by
    default in retrieval mode), the validation and test channels also report
    `hits_at_1|10|100`, `mrr`, `mean_rank` (and `auc` for labels 0/1), see
    `keras_o2v.training.ranking_evaluation`; `early_stopping_metric` picks the
    validation metric of the early-stopping rule and of the kept epoch.

    Args:
        hyperparameters: a `Hyperparameters`, or SageMaker's string map.
        train: train channel: a JSON Lines file, a folder of shards, or a list.
        model_dir: output folder (see `keras_o2v.training.model_dir`).
        validation: optional validation channel.
        test: optional test channel.
        auxiliary: optional folder holding the vocab and pretrained embedding
            files named by `encN_vocab_file` / `encN_pretrained_embedding_file`.
        strategy: a `tf.distribute.Strategy`; by default chosen from `gpus`
            and `TF_CONFIG` (see `keras_o2v.training.strategy`).
        gpus: "all" or a number of GPUs, when `strategy` is not given.
        resume: continue from `model_dir`'s checkpoints when present.
        validate: check every channel first and list all bad records at once.
        seed: makes initialisation, shuffling and negative sampling repeatable.
        verbose: "auto" (a progress bar on a terminal, one line per epoch
            otherwise), 0, 1 or 2 as in `keras.Model.fit`.

    Returns:
        A `TrainingResult`.

    Example:
    >>> result = keras_o2v.train(
    ...     {"enc0_max_seq_len": "1", "enc0_vocab_size": "944", "enc1_vocab_size": "1684",
    ...      "enc0_network": "pooled_embedding", "output_layer": "mean_squared_error"},
    ...     train="train.jsonl", validation="validation.jsonl", model_dir="out/")  # doctest: +SKIP
    >>> result.test_metrics  # doctest: +SKIP
    """
    hp = hyperparameters if isinstance(hyperparameters, Hyperparameters) else \
        Hyperparameters.from_dict(hyperparameters)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    strategy = strategy or choose_strategy(gpus)
    directory = ModelDir(model_dir, writer=is_chief())
    _check_same_job(directory, hp)
    if validate:
        for name, channel in (("train", train), ("validation", validation), ("test", test)):
            if channel is not None:
                validate_files(channel, hp).raise_if_bad()
    validation_metric.check_has_validation(hp, validation)
    ranking = job_ranking_tasks(hp, train, validation, test)
    directory.write_json(directory.hyperparameters, hp.to_string_map())
    if hp.bucket_width != hp.effective_bucket_width:
        print(f"bucket_width={hp.bucket_width} is ignored: token_embedding_storage_type=row_sparse "
              "switches length bucketing off (use bucketing: False).", flush=True)

    state = directory.read_json(directory.state) if resume and os.path.exists(directory.state) \
        else None
    early_stopping = validation_metric.make_early_stopping(hp)
    with strategy.scope():
        if state is not None:
            model = keras.saving.load_model(directory.checkpoint(state["epoch"]))
            early_stopping.set_state(state["early_stopping"])
            done = state["epoch"]
            print(f"Resuming from {directory.checkpoint(done)}: epochs 0..{done} are done; "
                  f"epoch {done + 1} (Keras' 'Epoch {done + 2}/{hp.epochs}') comes next.",
                  flush=True)
        else:
            model = Object2Vec(hp)
            _initialise_tables(model, hp, auxiliary)
            adapt_to_train_channel(model, train)
            model.compile()
    start_epoch = state["epoch"] + 1 if state else 0
    history = state["history"] if state else []
    stopped = bool(state and state.get("stopped_early"))
    reporter = MetricsReporter(directory.logs if directory.writer else None)
    callback = _EpochEnd(hp, directory, early_stopping, reporter, history,
                         has_validation=validation is not None, ranking=ranking)
    if start_epoch < hp.epochs and not stopped:
        data_seed = None if seed is None else seed + 1_000_003 * start_epoch
        train_data = _distributable(make_dataset(train, hp, training=True, seed=data_seed))
        validation_data = None if validation is None else _distributable(
            make_dataset(validation, hp, training=False))
        skip_multi_worker_symbolic_build(model, strategy)
        with quiet_unknown_length(), strategy.scope():
            model.fit(train_data, validation_data=validation_data, epochs=hp.epochs,
                      initial_epoch=start_epoch, callbacks=[callback], verbose=verbose,
                      shuffle=False)
        stopped = callback.stopped_early or stopped

    best_epoch = _best_epoch(early_stopping, history, validation is not None)
    with strategy.scope():
        best = keras.saving.load_model(directory.checkpoint(best_epoch))
    directory.save_model(best, directory.model)
    test_metrics = {}
    if test is not None:
        with quiet_unknown_length():
            logs = best.evaluate(_distributable(make_dataset(test, hp, training=False)),
                                 verbose=0, return_dict=True)
        test_metrics = sagemaker_metrics(logs, "test")
        test_metrics.update(ranking_metrics(ranking, "test", best))
        reporter.report(test_metrics, epoch=best_epoch)
    directory.write_json(directory.metrics, {
        "epochs": history, "best_epoch": best_epoch, "stopped_early": stopped,
        "test": test_metrics,
    })
    directory.prune_checkpoints(keep_epochs=[best_epoch])
    print(f"Best model based on epoch {best_epoch}. Saved to {directory.model}", flush=True)
    return TrainingResult(best, directory.path, history, best_epoch, stopped, test_metrics)


class _EpochEnd(keras.callbacks.Callback):
    """Per-epoch bookkeeping: metrics, early stopping, checkpoint and state."""

    def __init__(self, hp, directory, early_stopping, reporter, history, has_validation,
                 ranking=None):
        super().__init__()
        self.ranking = ranking or {}
        self.hp = hp
        self.directory = directory
        self.early_stopping = early_stopping
        self.reporter = reporter
        self.history = history
        self.has_validation = has_validation
        self.stopped_early = False

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        metrics = sagemaker_metrics(logs, "train")
        if self.has_validation:
            metrics.update(sagemaker_metrics(logs, "validation", prefix="val_"))
            metrics.update(ranking_metrics(self.ranking, "validation", self.model))
            self.stopped_early = self.early_stopping.update(
                validation_metric.early_stopping_value(self.hp, logs, metrics))
            if self.stopped_early:
                self.model.stop_training = True
        self.reporter.report(metrics, epoch=epoch)
        self.history.append({"epoch": epoch, **metrics})
        self.directory.save_model(self.model, self.directory.checkpoint(epoch))
        self.directory.write_json(self.directory.state, {
            "epoch": epoch, "history": self.history, "stopped_early": self.stopped_early,
            "early_stopping": self.early_stopping.get_state(),
        })
        best = _best_epoch(self.early_stopping, self.history, self.has_validation)
        self.directory.prune_checkpoints(keep_epochs=[best])
        if self.stopped_early:
            print(f"Early stopping at epoch {epoch}: {validation_metric.describe(self.hp)} did "
                  f"not improve by "
                  f"{self.hp.early_stopping_tolerance} for more than "
                  f"{self.hp.early_stopping_patience} epochs.", flush=True)


def _best_epoch(early_stopping, history, has_validation):
    if has_validation and early_stopping.best_epoch is not None:
        return early_stopping.best_epoch
    return history[-1]["epoch"]


def _check_same_job(directory, hp):
    if not os.path.exists(directory.hyperparameters):
        return
    previous = Hyperparameters.from_json(directory.hyperparameters)
    if previous != hp:
        changed = sorted(k for k in set(previous.to_dict()) | set(hp.to_dict())
                         if previous.to_dict().get(k) != hp.to_dict().get(k))
        raise O2VError(
            f"{directory.path} holds a job with other hyperparameters ({', '.join(changed)}); "
            "use a new --model-dir, or the same hyperparameters to resume."
        )


def _distributable(dataset):
    """Data-sharding across workers: the generator-backed pipeline has no files to split."""
    if multi_worker_config() is None:
        return dataset
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def _initialise_tables(model, hp, auxiliary):
    """Loads pretrained token vectors named by the hyperparameters (auxiliary channel)."""
    wanted = [s for s in (hp.encoder(0), hp.encoder(1)) if s.pretrained_embedding_file]
    if not wanted:
        return
    if auxiliary is None:
        names = ", ".join(f"enc{s.side}_pretrained_embedding_file={s.pretrained_embedding_file}"
                          for s in wanted)
        raise DataError([("<auxiliary>", 0, f"{names} needs an auxiliary channel (--auxiliary DIR)")])
    from keras_o2v.pretrained.tables import initialise_token_tables

    initialise_token_tables(model, auxiliary)
