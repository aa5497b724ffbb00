"""The `tf.data` input pipeline for Object2Vec training and evaluation.

Records are parsed, validated, shuffled, bucketed, batched and padded in
vectorized numpy, a block of records at a time, inside one generator; tf.data
only carries finished batches and prefetches them, so the pipeline runs ahead
of the training step instead of paying a per-record cost in tf.data.
"""

import itertools
import os
import random

import numpy as np
import tensorflow as tf

from keras_o2v.data.negative_sampling import add_negatives
from keras_o2v.data.ragged_rows import concatenate, pad_rows, select
from keras_o2v.data.records import DEFAULT_CHUNK_SIZE, ChannelPart, channel_files, iter_chunks

DEFAULT_CACHE_MAX_BYTES = 256 * 2**20


def make_dataset(path_or_paths, hyperparameters, training=True, batch_size=None,
                 shuffle_buffer_size=16384, seed=None, chunk_size=DEFAULT_CHUNK_SIZE,
                 cache_max_bytes=DEFAULT_CACHE_MAX_BYTES, initial_epoch=0):
    """Builds a batched `tf.data.Dataset` from Object2Vec JSON Lines files.

    Elements are `({"in0": int64[b, len0], "in1": int64[b, len1]}, label)` with
    label int64 `[b]` (class ids) or float32 `[b, 1]` (regression). Sequences are
    truncated to `encN_max_seq_len` and right-padded with 0 to the longest row of
    the batch. A channel of at most `cache_max_bytes` of files is parsed once and
    its parsed records (smaller than the text) are kept in memory for later
    epochs; a larger channel streams: it is read in chunks every epoch, never held
    in memory whole. Shuffling, negative sampling and batching happen afresh every
    epoch either way.

    When `training` is true, the file order is shuffled, records are shuffled
    within blocks of `shuffle_buffer_size` records, and, with
    `negative_sampling_rate = k`, k fresh negatives per positive are generated
    each epoch. With `bucket_width > 0` (and dense token tables: `row_sparse`
    switches bucketing off, as in SageMaker), each block's records are grouped by
    length (the longer of in0 and in1, in steps of `bucket_width`) before
    batching, and the batches are shuffled. Validation and test channels
    (`training=False`) are read in order and never augmented. Only the last
    batch (or, with bucketing, the last batch of a bucket in a block) may be
    smaller than `batch_size`.

    Args:
        path_or_paths: a JSON Lines file, a folder of shards, a list of them, or a
            `keras_o2v.data.records.ChannelPart` (a validation hold-out, or the
            train channel without it).
        hyperparameters: a `keras_o2v.Hyperparameters`.
        training: whether this is the train channel.
        batch_size: defaults to `hyperparameters.mini_batch_size`.
        shuffle_buffer_size: records shuffled together (training only).
        seed: makes shuffling and negative sampling reproducible: epoch `e`
            draws from a generator seeded with `(seed, e)`.
        chunk_size: lines parsed per block.
        cache_max_bytes: channels whose files total at most this many bytes keep
            their parsed records after the first complete pass; 0 always streams.
        initial_epoch: the number of the first pass, so that a resumed job's
            epoch `e` is shuffled and sampled as in an uninterrupted one.

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
    part = path_or_paths if isinstance(path_or_paths, ChannelPart) else None
    batch_size = batch_size or hp.mini_batch_size
    block_size = max(shuffle_buffer_size if training else chunk_size, batch_size)
    epoch_counter = itertools.count(initial_epoch)
    cacheable = sum(os.path.getsize(path) for path in files) <= cache_max_bytes
    parsed = {}  # file -> its chunks, once a pass has read the whole file

    def file_chunks(path):
        if path in parsed:
            yield from parsed[path]
            return
        chunks = []
        for chunk in iter_chunks(path, hp, chunk_size=chunk_size):
            if part is not None:
                chunk = part.select(chunk)
            chunks.append(chunk)
            yield chunk
        if cacheable:
            parsed[path] = chunks

    def generate():
        epoch = next(epoch_counter)
        rng = np.random.default_rng(None if seed is None else [seed, epoch])
        ordered = list(files)
        if training:
            random.Random(int(rng.integers(2**31))).shuffle(ordered)
        chunks = itertools.chain.from_iterable(file_chunks(path) for path in ordered)
        if training:
            chunks = (add_negatives(c, hp.negative_sampling_rate, rng) for c in chunks)
        for block in _blocks(chunks, block_size, batch_size):
            if training:
                block = select(block, rng.permutation(len(block)))
            order = rng if training else None
            for rows in _batch_rows(block, batch_size, hp.effective_bucket_width, order):
                yield _padded_batch(select(block, rows), hp.is_classification)

    label_spec = (tf.TensorSpec([None], tf.int64) if hp.is_classification
                  else tf.TensorSpec([None, 1], tf.float32))
    batches = tf.data.Dataset.from_generator(
        generate,
        output_signature=({"in0": tf.TensorSpec([None, None], tf.int64),
                           "in1": tf.TensorSpec([None, None], tf.int64)}, label_spec),
    )
    return batches.prefetch(tf.data.AUTOTUNE)


def _blocks(chunks, block_size, batch_size):
    """Regroups chunks into blocks of at least `block_size` records.

    Each block but the last holds a multiple of `batch_size` records; the rest
    is carried over to the front of the next block, so batches stay full.
    """
    pending, count = [], 0
    for chunk in chunks:
        pending.append(chunk)
        count += len(chunk)
        if count >= block_size:
            block = concatenate(pending)
            full = len(block) - len(block) % batch_size
            yield select(block, np.arange(full))
            pending = [select(block, np.arange(full, len(block)))] if full < len(block) else []
            count = len(block) - full
    if count:
        yield concatenate(pending)


def _batch_rows(block, batch_size, bucket_width, rng):
    """Row indices of each batch of a block, bucketed by length when asked."""
    if bucket_width <= 0:
        return [np.arange(start, min(start + batch_size, len(block)))
                for start in range(0, len(block), batch_size)]
    lengths = np.maximum(block.in0_lengths, block.in1_lengths)
    buckets = (lengths - 1) // bucket_width
    order = np.argsort(buckets, kind="stable")
    batches = []
    for bucket in np.unique(buckets):
        rows = order[buckets[order] == bucket]
        batches.extend(rows[start:start + batch_size] for start in range(0, len(rows), batch_size))
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def _padded_batch(chunk, classification):
    features = {"in0": pad_rows(chunk.in0_values, chunk.in0_lengths),
                "in1": pad_rows(chunk.in1_values, chunk.in1_lengths)}
    labels = chunk.labels if classification else chunk.labels.astype(np.float32)[:, None]
    return features, labels
