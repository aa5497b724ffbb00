"""The Object2Vec training job: SageMaker's channels, metrics and early stopping."""

import dataclasses
import math
import os
import sys
from typing import Dict, List

import keras
import tensorflow as tf

from keras_o2v.data import channel_files, make_dataset, validate_files
from keras_o2v.data.holdout import HoldOut
from keras_o2v.errors import DataError, O2VError
from keras_o2v.evaluation.job_metrics import channel_metrics, job_ranking_tasks
from keras_o2v.hyperparameters import Hyperparameters
from keras_o2v.models.keras_compat import (
    quiet_unknown_length,
    restore_seed_generator_states,
    seed_generator_states,
    skip_multi_worker_symbolic_build,
)
from keras_o2v.models.object2vec import Object2Vec
from keras_o2v.training import validation_metric
from keras_o2v.training.adaptation import adapt_to_train_channel
from keras_o2v.training.metrics_reporter import MetricsReporter, sagemaker_metrics
from keras_o2v.training.model_dir import ModelDir
from keras_o2v.training.progress import ProgressLines, epoch_label
from keras_o2v.training.strategy import choose_strategy, device_names, is_chief, multi_worker_config


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
          strategy=None, gpus=None, devices=None, resume=True, validate=True, seed=None,
          verbose="auto", progress_seconds=30, pooling_corpus=None):
    """Runs a whole Object2Vec training job, as SageMaker's container does.

    Every epoch trains on the train channel (with negative sampling when set),
    scores the validation channel, reports `train:*` and `validation:*`
    metrics, applies SageMaker's early-stopping rule and checkpoints. The best
    validation epoch (lowest validation loss; the last epoch without a
    validation channel) is saved to `model_dir/model.keras` and scored on the
    test channel. Rerunning the same job on the same `model_dir` resumes after
    the last completed epoch; with a `seed`, a resumed job computes what the
    uninterrupted job would have (epoch `e`'s data order and negatives depend on
    `(seed, e)` only).

    Every channel is checked before training starts: bad records are listed
    with file and line (`validate`), and a channel without records is refused.
    With `validation_fraction > 0` (a keras_o2v extension) the validation pairs
    are held out from the train channel (`keras_o2v.data.holdout`) instead of
    coming from a validation channel.

    keras_o2v extensions: with ranking metrics on (`ranking_metrics`, on by
    default in retrieval mode), the validation and test channels also report
    `hits_at_1|10|100`, `mrr`, `mean_rank` (and `auc` for labels 0/1), see
    `keras_o2v.evaluation.channel_ranking`; `early_stopping_metric` picks the
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
            or `devices` and `TF_CONFIG` (see `keras_o2v.training.strategy`).
        gpus: None or "all" (every visible GPU), or a number of GPUs.
        devices: instead of `gpus`, a devices string: `cpu:2` trains with
            MirroredStrategy on two logical CPU devices (it must come before
            TensorFlow initialises its devices), `gpu:2` on the first two GPUs.
        resume: continue from `model_dir`'s checkpoints when present.
        validate: check every channel first and list all bad records at once.
        seed: makes initialisation, shuffling and negative sampling repeatable.
        verbose: "auto" (a Keras progress bar on a terminal, progress lines
            otherwise), 1 (the progress bar), 2 (progress lines: one every
            `progress_seconds` and one per epoch) or 0 (neither). The
            `#quality_metric` lines are printed in every case.
        progress_seconds: time between progress lines (`verbose=2`).
        pooling_corpus: optional channel (records, `label` optional) whose objects
            give the token weights of `encN_pooling=idf|sif` instead of the train
            channel's (see `Object2Vec.adapt`).

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
    # Logical devices (`cpu:2`) can only be made before anything initialises TensorFlow's.
    strategy = strategy or choose_strategy(gpus, devices)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    directory = ModelDir(model_dir, writer=is_chief())
    _check_same_job(directory, hp)
    channels, holdout = _channels(hp, train, validation, test)
    counts = _check_channels(channels, holdout, hp, validate)
    validation_metric.check_has_validation(hp, channels.get("validation"))
    ranking = job_ranking_tasks(hp, channels["train"], channels.get("validation"),
                                channels.get("test"))
    if pooling_corpus is not None and validate:
        validate_files(pooling_corpus, hp, require_label=False).raise_if_bad()
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
            restore_seed_generator_states(model, state.get("seed_generators", []))
            early_stopping.set_state(state["early_stopping"])
            done = state["epoch"]
            print(f"Resuming from {directory.checkpoint(done)}: {epoch_label(done, hp.epochs)} "
                  f"is the last one done.", flush=True)
        else:
            model = Object2Vec(hp)
            _initialise_tables(model, hp, auxiliary)
            adapt_to_train_channel(model, channels["train"], pooling_corpus=pooling_corpus)
            model.compile()
    start_epoch = state["epoch"] + 1 if state else 0
    history = state["history"] if state else []
    stopped = bool(state and state.get("stopped_early"))
    has_validation = "validation" in channels
    # TensorBoard gets the epochs of `history` afresh, so a resumed epoch is never there twice.
    reporter = MetricsReporter(directory.logs if directory.writer else None, history=history)
    epoch_end = _EpochEnd(hp, directory, early_stopping, reporter, history, has_validation,
                          ranking)
    callbacks = [epoch_end]
    if start_epoch < hp.epochs and not stopped:
        if verbose:
            print(_plan(hp, counts, strategy, start_epoch), flush=True)
        if verbose == 2:
            callbacks.insert(0, ProgressLines(hp.epochs, hp.mini_batch_size, progress_seconds,
                                              expected_steps=_expected_steps(hp, counts)))
        elif verbose == 1:  # first, so that the bar ends its line before the metric lines
            callbacks.insert(0, keras.callbacks.ProgbarLogger())
        train_data = _distributable(make_dataset(channels["train"], hp, training=True, seed=seed,
                                                 initial_epoch=start_epoch))
        validation_data = None if not has_validation else _distributable(
            make_dataset(channels["validation"], hp, training=False))
        skip_multi_worker_symbolic_build(model, strategy)
        with quiet_unknown_length(), strategy.scope():
            model.fit(train_data, validation_data=validation_data, epochs=hp.epochs,
                      initial_epoch=start_epoch, callbacks=callbacks, verbose=int(verbose == 1),
                      shuffle=False)
        stopped = epoch_end.stopped_early or stopped

    best_epoch = _best_epoch(early_stopping, history, has_validation)
    with strategy.scope():
        best = keras.saving.load_model(directory.checkpoint(best_epoch))
    directory.save_model(best, directory.model)
    test_metrics = {}
    if "test" in channels:
        with quiet_unknown_length():
            logs = best.evaluate(_distributable(make_dataset(channels["test"], hp, training=False)),
                                 verbose=0, return_dict=True)
        test_metrics = sagemaker_metrics(logs, "test")
        test_metrics.update(channel_metrics(ranking, "test", best))
        reporter.report(test_metrics, epoch=best_epoch)
    directory.write_json(directory.metrics, {
        "epochs": history, "best_epoch": best_epoch, "stopped_early": stopped,
        "test": test_metrics,
    })
    directory.prune_checkpoints(keep_epochs=[best_epoch])
    print(_best_model_line(hp, early_stopping, best_epoch, has_validation, directory.model),
          flush=True)
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
            if "val_loss" not in logs:
                raise DataError([("<validation>", 0, "the validation channel gave no records")])
            metrics.update(sagemaker_metrics(logs, "validation", prefix="val_"))
            metrics.update(channel_metrics(self.ranking, "validation", self.model))
            self.stopped_early = self.early_stopping.update(
                validation_metric.early_stopping_value(self.hp, logs, metrics))
            if self.stopped_early:
                self.model.stop_training = True
        self.history.append({"epoch": epoch, **metrics})
        self.directory.save_model(self.model, self.directory.checkpoint(epoch))
        self.directory.write_json(self.directory.state, {
            "epoch": epoch, "history": self.history, "stopped_early": self.stopped_early,
            "early_stopping": self.early_stopping.get_state(),
            "seed_generators": seed_generator_states(self.model),
        })
        self.reporter.report(metrics, epoch=epoch)
        best = _best_epoch(self.early_stopping, self.history, self.has_validation)
        self.directory.prune_checkpoints(keep_epochs=[best])
        if self.stopped_early:
            metric = validation_metric.describe(self.hp)
            lowest = "lowest" if self.early_stopping.direction == "min" else "highest"
            rule = "SageMaker's rule" + (", the tolerance a share of the gap"
                                         if self.early_stopping.is_relative else "")
            print(f"Stopping early after {epoch_label(epoch, self.hp.epochs)}: "
                  f"{self.early_stopping.describe_stop(metric)} ({rule}). "
                  + (f"This epoch has the {lowest} {metric}, but by less than the tolerance."
                     if best == epoch else
                     f"The {lowest} {metric} is {epoch_label(best, self.hp.epochs)}'s."),
                  flush=True)


def _channels(hp, train, validation, test):
    """`({name: channel}, holdout)`: the channels in use, and the validation hold-out.

    With `validation_fraction > 0` the train and validation channels are the two
    `ChannelPart`s of the train channel that `HoldOut` splits it into.
    """
    holdout = None
    channels = {"train": train}
    if hp.validation_fraction > 0:
        if validation is not None:
            raise O2VError(
                f"validation_fraction={hp.validation_fraction} holds validation pairs out of "
                "the train channel, and a validation channel was given too; use one of them")
        holdout = HoldOut(hp.validation_fraction, hp.validation_seed)
        channels = {"train": holdout.part(train), "validation": holdout.validation().part(train)}
    elif validation is not None:
        channels["validation"] = validation
    if test is not None:
        channels["test"] = test
    return channels, holdout


def _check_channels(channels, holdout, hp, validate):
    """Lists bad records (`validate`) and refuses empty channels; returns record counts.

    The train channel is read once for both of its parts when `holdout` splits it.
    Without `validate` only the first record of each channel is looked for, and the
    counts are left out.
    """
    counts = {}
    for name, channel in channels.items():
        if holdout is not None and name == "validation":
            continue  # counted with the train channel it comes from
        files = channel_files(channel)
        where = ", ".join(files)
        split = holdout if name == "train" else None
        if validate:
            report = validate_files(files, hp, holdout=split)
            report.raise_if_bad()
            records = report.records
            counts[name] = report.records - report.held_out
            if split is not None:
                counts["validation"] = report.held_out
        else:
            records = int(_has_records(files))
        if not records:
            raise DataError([(where, 0, f"the {name} channel holds no records (the file is "
                                        "empty or holds only blank lines)")])
        if split is not None and validate and not (counts["train"] and counts["validation"]):
            raise DataError([(where, 0, (
                f"validation_fraction={hp.validation_fraction} (validation_seed="
                f"{hp.validation_seed}) leaves {counts['train']} train and "
                f"{counts['validation']} validation pairs of the {records} in the train "
                "channel; both need some"))])
    return counts


def _has_records(files):
    for path in files:
        with open(path, "rb") as f:
            if any(line.strip() for line in f):
                return True
    return False


def _expected_steps(hp, counts):
    """Steps of one epoch estimated from the train record count (negatives included)."""
    records = counts.get("train")
    if not records:
        return None
    return math.ceil(records * (1 + hp.negative_sampling_rate) / hp.mini_batch_size)


def _plan(hp, counts, strategy, start_epoch):
    sizes = [f"{counts[name]:,} {name}" for name in ("train", "validation", "test") if name in counts]
    if hp.validation_fraction > 0 and "validation" in counts:
        sizes[1] += f" (held out of train, validation_fraction={hp.validation_fraction})"
    pairs = f"{', '.join(sizes)} pairs; " if sizes else ""
    devices = device_names(strategy)
    return (f"Training {pairs}epochs {start_epoch + 1}..{hp.epochs} of {hp.epochs}, "
            f"mini_batch_size {hp.mini_batch_size}, on {len(devices)} device(s): "
            f"{', '.join(devices)}")


def _best_model_line(hp, early_stopping, best_epoch, has_validation, path):
    label = epoch_label(best_epoch, hp.epochs)
    if not has_validation or best_epoch >= len(early_stopping.values):
        return (f"Best model: {label} (epoch={best_epoch} in the metrics), the last one "
                f"(no validation channel); saved to {path}")
    extreme = "lowest" if early_stopping.direction == "min" else "highest"
    return (f"Best model: {label} (epoch={best_epoch} in the metrics), the {extreme} "
            f"{validation_metric.describe(hp)} ({early_stopping.values[best_epoch]:.6g}); "
            f"saved to {path}")


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
