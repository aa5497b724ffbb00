"""The `tf.data` input pipeline for Object2Vec training and evaluation."""

import itertools
import random

import numpy as np
import tensorflow as tf

from keras_o2v.data.negative_sampling import add_negatives, shuffle_chunk
from keras_o2v.data.records import DEFAULT_CHUNK_SIZE, channel_files, iter_chunks


def make_dataset(path_or_paths, hyperparameters, training=True, batch_size=None,
                 shuffle_buffer_size=16384, seed=None, chunk_size=DEFAULT_CHUNK_SIZE):
    """Builds a batched `tf.data.Dataset` from Object2Vec JSON Lines files.

    Elements are `({"in0": int64[b, len0], "in1": int64[b, len1]}, label)` with
    label int64 `[b]` (class ids) or float32 `[b, 1]` (regression). Sequences are
    truncated to `encN_max_seq_len` and right-padded with 0 to the longest row of
    the batch (or of its length bucket when `bucket_width > 0`). Files stream:
    they are read in chunks every epoch, never held in memory whole.

    When `training` is true, the file order and the records are shuffled (a
    shuffle buffer of `shuffle_buffer_size` records) and, with
    `negative_sampling_rate = k`, k fresh negatives per positive are generated
    each epoch. Validation and test channels (`training=False`) are read in
    order and never augmented. The last batch may be smaller than `batch_size`.

    Args:
        path_or_paths: a JSON Lines file, a folder of shards, or a list of them.
        hyperparameters: a `keras_o2v.Hyperparameters`.
        training: whether this is the train channel.
        batch_size: defaults to `hyperparameters.mini_batch_size`.
        shuffle_buffer_size: records in the shuffle buffer (training only).
        seed: makes shuffling and negative sampling reproducible.
        chunk_size: lines parsed per block.

    Raises:
        keras_o2v.errors.DataError: when the channel has no files. Bad records
            raise while iterating, naming file and line; run
            `keras_o2v.validate_files` first to list every problem at once.

    Example:
    >>> ds = keras_o2v.make_dataset("train.jsonl", hp)  # doctest: +SKIP
    >>> model.fit(ds, epochs=hp.epochs)  # doctest: +SKIP
    """
    hp = hyperparameters
    files = channel_files(path_or_paths)
    batch_size = batch_size or hp.mini_batch_size
    label_dtype = tf.int64 if hp.is_classification else tf.float32
    epoch_counter = itertools.count()

    def generate():
        epoch = next(epoch_counter)
        rng = np.random.default_rng(None if seed is None else [seed, epoch])
        ordered = list(files)
        if training:
            random.Random(int(rng.integers(2**31))).shuffle(ordered)
        for chunk in iter_chunks(ordered, hp, chunk_size=chunk_size):
            if training:
                chunk = shuffle_chunk(add_negatives(chunk, hp.negative_sampling_rate, rng), rng)
            yield (chunk.in0_values, chunk.in0_lengths,
                   chunk.in1_values, chunk.in1_lengths, chunk.labels)

    vector = lambda dtype: tf.TensorSpec([None], dtype)  # noqa: E731
    chunks = tf.data.Dataset.from_generator(
        generate,
        output_signature=(vector(tf.int64), vector(tf.int64), vector(tf.int64),
                          vector(tf.int64), vector(label_dtype)),
    )
    records = chunks.map(_split_rows).unbatch().map(_to_dense)
    if training:
        records = records.shuffle(shuffle_buffer_size, seed=seed, reshuffle_each_iteration=True)
    if hp.bucket_width > 0:
        longest = max(hp.encoder(0).max_seq_len, hp.encoder(1).max_seq_len)
        boundaries = list(range(hp.bucket_width + 1, longest + 1, hp.bucket_width))
        batches = records.bucket_by_sequence_length(
            element_length_func=lambda features, label: tf.maximum(
                tf.shape(features["in0"])[0], tf.shape(features["in1"])[0]),
            bucket_boundaries=boundaries,
            bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
        )
    else:
        batches = records.padded_batch(batch_size)
    if not hp.is_classification:
        batches = batches.map(lambda features, label: (features, label[:, None]))
    return batches.prefetch(tf.data.AUTOTUNE)


def _split_rows(in0_values, in0_lengths, in1_values, in1_lengths, labels):
    in0 = tf.RaggedTensor.from_row_lengths(in0_values, in0_lengths)
    in1 = tf.RaggedTensor.from_row_lengths(in1_values, in1_lengths)
    return {"in0": in0, "in1": in1}, labels


def _to_dense(features, label):
    return {key: tf.convert_to_tensor(value) if not isinstance(value, tf.RaggedTensor)
            else value.to_tensor() for key, value in features.items()}, label
