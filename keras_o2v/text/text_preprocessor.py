"""`TextPreprocessor`: texts -> token ids, as a Keras layer of TensorFlow string ops."""

import collections
import functools
import os

import keras
import numpy as np
import tensorflow as tf

from keras_o2v.errors import O2VError
from keras_o2v.text import patterns
from keras_o2v.text.settings_file import (
    SETTINGS_FILE,
    SIDES,
    TextSettings,
    check_oov_hash,
    read_settings,
    settings_of_vocabulary,
    settings_path,
    write_settings,
)
from keras_o2v.text.standardization import standardize
from keras_o2v.text.token_lookup import lookup_ids, vocabulary_table
from keras_o2v.text.tokenization import find_all
from keras_o2v.text.vocabulary import (
    check_text_vocabulary,
    first_oov_id,
    save_vocabulary,
    vocabulary_from_counts,
)

ASSET_VOCABULARY = "vocabulary.json"
BATCH_SIZE = 1024
_TOKENIZE_FUNCTIONS = {}  # (pattern, lowercase) -> the eager calls' compiled tokenizer


class _Vocabulary:
    """Holds the token -> id dict outside Keras' and TensorFlow's attribute tracking."""

    def __init__(self, mapping):
        self.mapping = mapping
        self.first_oov_id = first_oov_id(mapping)


class _Functions:
    """Compiled `tf.function`s of eager calls, outside attribute tracking (not exported)."""

    def __init__(self):
        self.cache = {}


@keras.saving.register_keras_serializable(package="keras_o2v")
class TextPreprocessor(keras.layers.Layer):
    """Turns texts into token ids: standardise, split by a pattern, look up, pad.

    The one implementation of keras_o2v's text preprocessing, in TensorFlow ops that
    stock TensorFlow Serving runs (`tf.strings`, `tf.lookup`, ragged ops): the same
    layer prepares the training files (`o2v prepare`, `o2v cut`, run eagerly on
    batches), runs in `tf.data`, in a model and in its SavedModel export, so ids
    computed in Python and in the graph are the same.

    A text is standardised (`keras_o2v.text.standardization`: invalid UTF-8 -> U+FFFD,
    Unicode lowercasing, ’ -> ', control characters and Unicode spaces -> " "),
    split into the matches of `pattern` (`keras_o2v.text.patterns`; the literal
    `<unk>` is always a token), and each token is looked up: vocabulary ids, then
    `<unk>` = 1 for tokens the vocabulary lacks, or with `oov_buckets = N` one of N
    ids after the vocabulary's (`first + FarmHash64(token) % N`, `first` = largest id
    + 1, `tf.strings.to_hash_bucket_fast`). The literal `<unk>` maps to 1 also with
    buckets: it stands for a word the corpus already removed, which no bucket should
    share with real words. Id 0 is padding: no token gets it.

    Calling the layer on strings `[batch]` (or `[batch, 1]`) returns int64 ids
    `[batch, length]`, right-padded with 0, `length` the longest row of the batch
    (capped by `max_length`, or by `max_lengths[side]` with `side`).

    Args:
        vocabulary: dict token -> id (`<pad>`=0 and `<unk>`=1 reserved; `<unk>` is
            added when missing), the path of a vocabulary JSON file, or None to
            `adapt` or load one later.
        pattern: a built-in pattern name (`"words"`, `"alphanumeric"`) or an RE2
            pattern.
        lowercase: lowercase texts before splitting.
        oov_buckets: hashed ids for tokens the vocabulary lacks (0: they get 1).
        max_lengths: optional dict side (`"in0"`, `"in1"`) -> maximum length.
        **kwargs: Keras layer arguments (`name`, ...).

    Example:
    >>> pre = TextPreprocessor({"<pad>": 0, "<unk>": 1, "men": 2, "play": 3, ",": 4})
    >>> pre(["Men play, men", "women play"]).numpy().tolist()
    [[2, 3, 4, 2], [1, 3, 0, 0]]
    >>> pre.tokenize(["L’été, 2 <UNK>!"]).to_list()[0] == [t.encode() for t in
    ...     ["l'été", ",", "2", "<unk>", "!"]]
    True
    """

    def __init__(self, vocabulary=None, pattern=patterns.DEFAULT_PATTERN_NAME, lowercase=True,
                 oov_buckets=0, max_lengths=None, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        try:
            self.pattern = patterns.resolve_pattern(pattern)
        except ValueError as error:
            raise O2VError(str(error)) from None
        self._check_pattern(self.pattern)
        if not isinstance(lowercase, bool):
            raise O2VError(f"lowercase must be True or False, got {lowercase!r}")
        if isinstance(oov_buckets, bool) or not isinstance(oov_buckets, (int, np.integer)) \
                or oov_buckets < 0:
            raise O2VError(f"oov_buckets must be an integer >= 0, got {oov_buckets!r}")
        self.lowercase = lowercase
        self.oov_buckets = int(oov_buckets)
        self.max_lengths = self._checked_lengths(max_lengths)
        self._vocabulary = None
        self._table = None
        self._functions = _Functions()
        self.built = True
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    # --- vocabulary ---
    def set_vocabulary(self, vocabulary):
        """Sets the vocabulary: a dict token -> id or the path of a vocabulary JSON file.

        Call it before tracing a function that uses the layer: the lookup table is
        made anew.

        Raises:
            O2VError: a reserved id held by another token; or a vocabulary file
                written before FarmHash buckets, with `oov_buckets > 0`.
        """
        where = "the vocabulary"
        if isinstance(vocabulary, (str, os.PathLike)):
            from keras_o2v.pretrained import load_vocab

            where = os.fspath(vocabulary)
            check_oov_hash(where, self.oov_buckets)
            vocabulary = load_vocab(where)
        if not isinstance(vocabulary, collections.abc.Mapping):
            raise O2VError(f"vocabulary must be a dict token -> id or a file path, got "
                           f"{type(vocabulary).__name__}")
        vocabulary = check_text_vocabulary(dict(vocabulary), where)
        self._vocabulary = _Vocabulary(vocabulary)
        self._table = vocabulary_table(vocabulary)
        self._functions.cache.clear()

    def get_vocabulary(self):
        """A copy of the vocabulary, dict token -> id."""
        self._require_vocabulary()
        return dict(self._vocabulary.mapping)

    @property
    def has_vocabulary(self):
        return self._vocabulary is not None

    @property
    def first_oov_id(self):
        """The id of out-of-vocabulary bucket 0: the vocabulary's largest id + 1."""
        self._require_vocabulary()
        return self._vocabulary.first_oov_id

    @property
    def vocabulary_size(self):
        """The number of ids the layer gives out: the `encN_vocab_size` to train with."""
        return self.first_oov_id + self.oov_buckets

    @property
    def pattern_name(self):
        """The built-in name of the pattern (`"words"`, `"alphanumeric"`), or None."""
        return patterns.pattern_name(self.pattern)

    def adapt(self, data, min_count=1, max_size=None, batch_size=BATCH_SIZE):
        """Builds the vocabulary from texts, with this layer's tokenisation.

        Tokens are numbered from 2 by count (descending), then token (ascending).

        Args:
            data: texts: a list or array of strings, any iterable of strings
                (streamed in batches) or a `tf.data.Dataset` of strings (batched or not).
            min_count: minimum count for a token to get an id.
            max_size: optional maximum vocabulary size, the two reserved ids included.
            batch_size: texts per TensorFlow call.

        Example:
        >>> pre = TextPreprocessor()
        >>> pre.adapt(["b a b", "c b a"])
        >>> pre.get_vocabulary()
        {'<pad>': 0, '<unk>': 1, 'b': 2, 'a': 3, 'c': 4}
        """
        counts = self.count_tokens(data, batch_size=batch_size)
        self.set_vocabulary(vocabulary_from_counts(counts, min_count=min_count, max_size=max_size))

    def count_tokens(self, data, counts=None, batch_size=BATCH_SIZE):
        """Counts the tokens of texts (see `adapt` for `data`), streaming.

        Returns:
            A `collections.Counter` token (str) -> occurrences (`counts` updated if given).
        """
        counts = collections.Counter() if counts is None else counts
        for batch in _string_batches(data, batch_size):
            flat = self.tokenize(batch).flat_values.numpy()
            if flat.size:
                tokens, numbers = np.unique(flat, return_counts=True)
                for token, number in zip(tokens, numbers.tolist()):
                    counts[token.decode("utf-8")] += number
        return counts

    # --- texts -> tokens -> ids ---
    def standardize(self, texts):
        """The standardised texts, a `tf.string` tensor."""
        return standardize(_string_tensor(texts), self.lowercase)

    def tokenize(self, texts):
        """The tokens of texts `[batch]`: a `tf.RaggedTensor` of strings `[batch, None]`."""
        texts = _string_tensor(texts)
        if not tf.executing_eagerly():
            return self._tokenize(texts)
        key = (self.pattern, self.lowercase)  # shared by layers: traced once per process
        if key not in _TOKENIZE_FUNCTIONS:
            _TOKENIZE_FUNCTIONS[key] = tf.function(
                functools.partial(_tokenize, pattern=self.pattern, lowercase=self.lowercase),
                input_signature=[tf.TensorSpec([None], tf.string)])
        return _TOKENIZE_FUNCTIONS[key](texts)

    def lookup(self, tokens):
        """The ids of tokens: a string tensor or `tf.RaggedTensor` (or a list of strings,
        or a list of lists of strings, taken as ragged) -> int64 of the same shape. Tokens are looked up as
        given (not standardised)."""
        self._require_vocabulary()
        if not isinstance(tokens, (tf.Tensor, tf.RaggedTensor)):
            tokens = list(tokens)
            if all(isinstance(token, (str, bytes)) for token in tokens):
                tokens = tf.constant(tokens, tf.string, shape=[len(tokens)])
            elif any(tokens):
                tokens = tf.ragged.constant(tokens, dtype=tf.string, ragged_rank=1)
            else:
                tokens = tf.RaggedTensor.from_row_lengths(tf.zeros([0], tf.string), [0] * len(tokens))
        if isinstance(tokens, tf.RaggedTensor) and tf.executing_eagerly():  # ragged ops cost
            return tokens.with_flat_values(self.lookup(tokens.flat_values))  # ms eagerly
        return lookup_ids(self._table, tokens, self.first_oov_id, self.oov_buckets)

    def ids(self, texts, ragged=False, max_length=None, side=None):
        """The token ids of texts `[batch]`.

        Args:
            texts: strings `[batch]` or `[batch, 1]` (tensor, array or list).
            ragged: return a `tf.RaggedTensor` `[batch, None]` instead of padding.
            max_length: keep at most this many ids per text (the first ones).
            side: `"in0"` or `"in1"`: cap at `max_lengths[side]` (when `max_length`
                is not given and the side has one).

        Returns:
            int64 ids `[batch, length]` right-padded with 0, or ragged.
        """
        self._require_vocabulary()
        limit = self._limit(max_length, side)
        return self._run(("ids", limit, ragged), lambda t: self._ids(t, limit, ragged),
                         _string_tensor(texts))

    def _tokenize(self, texts):
        return _tokenize(texts, self.pattern, self.lowercase)

    def _ids(self, texts, limit, ragged):
        ids = lookup_ids(self._table, self._tokenize(texts), self.first_oov_id, self.oov_buckets)
        if limit is not None:
            ids = ids[:, :limit]
        return ids if ragged else ids.to_tensor(default_value=0)

    def _run(self, key, ops, texts):
        """`ops(texts)`: inline in a graph; eagerly, as a `tf.function` compiled once per
        `key` (eager ragged ops cost milliseconds of Python per call)."""
        if not tf.executing_eagerly():
            return ops(texts)
        function = self._functions.cache.get(key)
        if function is None:
            function = tf.function(ops, input_signature=[tf.TensorSpec([None], tf.string)])
            self._functions.cache[key] = function
        return function(texts)

    def call(self, inputs, max_length=None, side=None):
        return self.ids(inputs, max_length=max_length, side=side)

    def compute_output_spec(self, inputs, max_length=None, side=None):
        length = self._limit(max_length, side)
        return keras.KerasTensor((inputs.shape[0], length if length else None), dtype="int64")

    def token_lists(self, texts, batch_size=BATCH_SIZE):
        """The tokens of each text as Python lists of str, computed in batches."""
        return [[token.decode("utf-8") for token in row]
                for batch in _string_batches(texts, batch_size)
                for row in self.tokenize(batch).to_list()]

    def id_lists(self, texts, max_length=None, side=None, batch_size=BATCH_SIZE):
        """The ids of each text as Python lists of int, computed in batches."""
        self._require_vocabulary()
        limit = self._limit(max_length, side)
        rows = []
        for batch in _string_batches(texts, batch_size):
            tokens = self.tokenize(batch)
            ids = self.lookup(tokens.flat_values).numpy().tolist()
            splits = tokens.row_splits.numpy().tolist()
            rows.extend(ids[start:end if limit is None else min(end, start + limit)]
                        for start, end in zip(splits[:-1], splits[1:]))
        return rows

    # --- saving ---
    def get_config(self):
        """The settings (the vocabulary is saved as a Keras asset, `save_assets`)."""
        return {**super().get_config(), "pattern": self.pattern, "lowercase": self.lowercase,
                "oov_buckets": self.oov_buckets, "max_lengths": dict(self.max_lengths)}

    def save_assets(self, dir_path):
        if self.has_vocabulary:
            save_vocabulary(self._vocabulary.mapping, os.path.join(dir_path, ASSET_VOCABULARY))

    def load_assets(self, dir_path):
        path = os.path.join(dir_path, ASSET_VOCABULARY)
        if os.path.exists(path):
            from keras_o2v.pretrained import load_vocab

            self.set_vocabulary(load_vocab(path))

    def settings(self):
        """The layer's `TextSettings` (the content of `text_preprocessing.json`)."""
        return TextSettings(pattern=self.pattern, lowercase=self.lowercase,
                            oov_buckets=self.oov_buckets, max_lengths=dict(self.max_lengths),
                            vocabulary_size=self.vocabulary_size if self.has_vocabulary else None)

    def save(self, folder, vocabulary_file="vocab.json"):
        """Writes `folder/text_preprocessing.json` and `folder/<vocabulary_file>`, atomically.

        Returns:
            The path of `text_preprocessing.json`.
        """
        self._require_vocabulary()
        os.makedirs(folder, exist_ok=True)
        save_vocabulary(self._vocabulary.mapping, os.path.join(folder, vocabulary_file))
        settings = self.settings()
        settings.vocabulary_file = vocabulary_file
        path = os.path.join(folder, SETTINGS_FILE)
        write_settings(path, settings)
        return path

    @classmethod
    def from_file(cls, path, **kwargs):
        """A `TextPreprocessor` from `text_preprocessing.json` (or the folder holding it)
        and the vocabulary it names.

        Args:
            path: the settings file or its folder.
            **kwargs: Keras layer arguments (`name`, ...).

        Raises:
            DataError: a bad settings or vocabulary file, or sizes that disagree.
        """
        from keras_o2v.errors import DataError
        from keras_o2v.pretrained import load_vocab

        path = os.fspath(path)
        if os.path.isdir(path):
            path = os.path.join(path, SETTINGS_FILE)
        settings = read_settings(path)
        vocab_path = os.path.join(os.path.dirname(path), settings.vocabulary_file)
        layer = cls(pattern=settings.pattern, lowercase=settings.lowercase,
                    oov_buckets=settings.oov_buckets, max_lengths=settings.max_lengths, **kwargs)
        layer.set_vocabulary(load_vocab(vocab_path))
        if settings.vocabulary_size is not None and settings.vocabulary_size != layer.vocabulary_size:
            raise DataError([(path, 0, f"vocabulary_size is {settings.vocabulary_size}, but "
                                       f"{vocab_path} has ids up to {layer.first_oov_id - 1} and "
                                       f"oov_buckets={layer.oov_buckets} make "
                                       f"{layer.vocabulary_size}")])
        return layer

    @classmethod
    def from_vocabulary_file(cls, vocabulary_path, oov_buckets=0, **kwargs):
        """A `TextPreprocessor` for a vocabulary file: from the `text_preprocessing.json`
        beside it when there is one, else with `oov_buckets` and `kwargs`.

        Raises:
            O2VError: `oov_buckets > 0` for a vocabulary written before FarmHash
                buckets (`check_oov_hash`), or settings that contradict `oov_buckets`.
        """
        settings = settings_of_vocabulary(vocabulary_path)
        if settings is None:
            check_oov_hash(vocabulary_path, oov_buckets)
            return cls(vocabulary_path, oov_buckets=oov_buckets, **kwargs)
        if oov_buckets and oov_buckets != settings.oov_buckets:
            raise O2VError(f"{vocabulary_path} is used with oov_buckets={settings.oov_buckets} "
                           f"({SETTINGS_FILE}), not {oov_buckets}")
        return cls.from_file(settings_path(vocabulary_path), **{k: v for k, v in kwargs.items()
                                      if k not in ("pattern", "lowercase", "max_lengths")})

    # --- helpers ---
    def _require_vocabulary(self):
        if self._vocabulary is None:
            raise O2VError(f"{self.name} has no vocabulary: give one, adapt() it on texts, "
                           "or load one (TextPreprocessor.from_file)")

    def _limit(self, max_length, side):
        if max_length is not None:
            return int(max_length)
        if side is not None:
            if side not in SIDES:
                raise O2VError(f"side must be one of {SIDES}, got {side!r}")
            return self.max_lengths.get(side)
        return None

    @staticmethod
    def _checked_lengths(max_lengths):
        lengths = dict(max_lengths or {})
        for side, length in lengths.items():
            if side not in SIDES or isinstance(length, bool) or not isinstance(length, int) \
                    or length < 1:
                raise O2VError(f"max_lengths must map {SIDES} to positive integers, got {lengths!r}")
        return lengths

    @staticmethod
    def _check_pattern(pattern):
        try:
            tf.strings.regex_replace(tf.constant([""]), f"({pattern})", r"\1")
        except tf.errors.InvalidArgumentError as error:
            raise O2VError(f"token pattern {pattern!r} is not a valid RE2 pattern: "
                           f"{error.message}") from None


def _tokenize(texts, pattern, lowercase):
    return find_all(standardize(texts, lowercase), patterns.tokenizing_pattern(pattern))


def _string_tensor(texts):
    """Texts as a `tf.string` tensor `[batch]` (a `[batch, 1]` input is squeezed)."""
    if isinstance(texts, (str, bytes)):
        raise O2VError("give a batch of texts (a list), not a single string")
    if not isinstance(texts, tf.Tensor):
        texts = tf.constant(_utf8_array(texts), tf.string)
    if texts.dtype != tf.string:
        raise O2VError(f"texts must be strings, got {texts.dtype.name}")
    if texts.shape.rank == 2:
        texts = tf.squeeze(texts, axis=-1)
    return texts


def _utf8_array(texts):
    """A 1-d object array of UTF-8 bytes; lone surrogates pass through as invalid UTF-8
    (they become U+FFFD in `standardize`)."""
    values = texts.tolist() if isinstance(texts, np.ndarray) else list(texts)
    if values and isinstance(values[0], list):  # [batch, 1]
        values = [row[0] for row in values]
    encoded = [v.encode("utf-8", "surrogatepass") if isinstance(v, str) else v for v in values]
    for value in encoded:
        if not isinstance(value, bytes):
            raise O2VError(f"texts must be strings, got {type(value).__name__}")
    return np.array(encoded, dtype=object).reshape([len(encoded)])


def _string_batches(data, batch_size):
    """`[batch]` string tensors of texts given as a tensor, list, iterable or `tf.data.Dataset`."""
    if isinstance(data, tf.data.Dataset):
        if data.element_spec.shape.rank == 0:
            data = data.batch(batch_size)
        for batch in data:
            yield batch
        return
    if isinstance(data, (tf.Tensor, np.ndarray)):
        data = tf.convert_to_tensor(data, tf.string) if isinstance(data, tf.Tensor) else data
        for start in range(0, int(data.shape[0]), batch_size):
            yield _string_tensor(data[start:start + batch_size])
        return
    if isinstance(data, (str, bytes)):
        raise O2VError("give a batch of texts (a list), not a single string")
    batch = []
    for text in data:
        batch.append(text)
        if len(batch) == batch_size:
            yield _string_tensor(batch)
            batch = []
    if batch:
        yield _string_tensor(batch)

