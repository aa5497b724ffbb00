"""`text_preprocessing.json`: how texts become ids, saved beside the vocabulary.

One JSON object, written by `o2v prepare`, `o2v cut` and `TextPreprocessor.save`,
read by `TextPreprocessor.from_file`. Beside a vocabulary `vocab.json` it is
`text_preprocessing.json`, or `vocab.text_preprocessing.json` when the folder's
`text_preprocessing.json` describes another vocabulary (`settings_path`):

```
{
  "format": "keras_o2v.text_preprocessing",
  "format_version": 1,
  "vocabulary_file": "vocab.json",
  "vocabulary_size": 9414,
  "lowercase": true,
  "pattern": "[\\\\pL\\\\pM\\\\pN_]+(?:'[\\\\pL\\\\pM\\\\pN_]+)*|[^\\\\pL\\\\pM\\\\pN_\\\\s]",
  "pattern_name": "words",
  "oov_buckets": 2,
  "oov_hash": "farmhash64",
  "max_lengths": {"in0": 41, "in1": 41}
}
```

`vocabulary_file` is the vocabulary's file name, in the same folder (JSON token -> id,
the `encN_vocab_file` format). `vocabulary_size` is the `encN_vocab_size` the ids
need (largest id + 1 + `oov_buckets`). `pattern` is the RE2 token pattern itself
(`pattern_name` only tells which built-in one it is). `oov_hash` names the hash of
the out-of-vocabulary buckets: `farmhash64` is `tf.strings.to_hash_bucket_fast`
(FarmHash Fingerprint64 of the UTF-8 token, modulo `oov_buckets`). `max_lengths`
holds each side's maximum length where it is known.

A vocabulary without this file beside it was written before keras_o2v 0.2, whose
buckets were `crc32(token) % N`: it is accepted without buckets (its ids involve no
hash) and refused with buckets (`check_oov_hash`).
"""

import dataclasses
import json
import os
from typing import Dict, Optional

from keras_o2v.atomic_files import atomic_write
from keras_o2v.errors import DataError, O2VError
from keras_o2v.text.patterns import pattern_name

SETTINGS_FILE = "text_preprocessing.json"
FORMAT = "keras_o2v.text_preprocessing"
FORMAT_VERSION = 1
OOV_HASH = "farmhash64"
SIDES = ("in0", "in1")


@dataclasses.dataclass
class TextSettings:
    """The content of a `text_preprocessing.json` (see the module docstring).

    Args:
        pattern: the RE2 token pattern.
        lowercase: whether texts are lowercased.
        oov_buckets: hashed ids for tokens the vocabulary lacks (0: they get `<unk>`=1).
        max_lengths: dict side (`"in0"`, `"in1"`) -> maximum length, where known.
        vocabulary_file: the vocabulary's file name, beside the settings file.
        vocabulary_size: the `encN_vocab_size` the ids need; None when not known yet.
    """

    pattern: str
    lowercase: bool = True
    oov_buckets: int = 0
    max_lengths: Dict[str, int] = dataclasses.field(default_factory=dict)
    vocabulary_file: str = "vocab.json"
    vocabulary_size: Optional[int] = None

    def to_json(self):
        """The JSON object of the file."""
        return {"format": FORMAT, "format_version": FORMAT_VERSION,
                "vocabulary_file": self.vocabulary_file, "vocabulary_size": self.vocabulary_size,
                "lowercase": self.lowercase, "pattern": self.pattern,
                "pattern_name": pattern_name(self.pattern), "oov_buckets": self.oov_buckets,
                "oov_hash": OOV_HASH, "max_lengths": dict(self.max_lengths)}

    @classmethod
    def from_json(cls, data, path="text_preprocessing.json"):
        """Reads and checks the JSON object of a settings file; `DataError` names `path`."""

        def fail(message):
            raise DataError([(os.fspath(path), 0, message)])

        if not isinstance(data, dict) or data.get("format") != FORMAT:
            fail(f"not a keras_o2v text preprocessing file (no \"format\": {FORMAT!r})")
        version = data.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            fail(f"format_version must be a positive integer, got {version!r}")
        if version > FORMAT_VERSION:
            fail(f"format_version {version} was written by a newer keras_o2v (this one reads "
                 f"up to {FORMAT_VERSION}); upgrade keras_o2v")
        if data.get("oov_hash", OOV_HASH) != OOV_HASH:
            fail(f"oov_hash {data.get('oov_hash')!r} is not supported (only {OOV_HASH!r})")
        values = {}
        for key, kind, required in (("pattern", str, True), ("lowercase", bool, True),
                                    ("oov_buckets", int, True), ("vocabulary_file", str, True),
                                    ("vocabulary_size", int, False)):
            if key not in data or data[key] is None:
                if required:
                    fail(f"missing {key!r}")
                continue
            value = data[key]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                fail(f"{key!r} must be a {kind.__name__}, got {value!r}")
            values[key] = value
        if values["oov_buckets"] < 0:
            fail(f"'oov_buckets' must be >= 0, got {values['oov_buckets']}")
        if os.path.basename(values["vocabulary_file"]) != values["vocabulary_file"]:
            fail(f"'vocabulary_file' must be a file name in the same folder, got "
                 f"{values['vocabulary_file']!r}")
        lengths = data.get("max_lengths") or {}
        if not isinstance(lengths, dict) or any(
                side not in SIDES or isinstance(n, bool) or not isinstance(n, int) or n < 1
                for side, n in lengths.items()):
            fail(f"'max_lengths' must map {SIDES} to positive integers, got {lengths!r}")
        return cls(max_lengths=dict(lengths), **values)


def settings_path(vocabulary_path):
    """Where the settings of a vocabulary file are: `text_preprocessing.json` beside it, or
    `<name>.text_preprocessing.json` (`vocab.json` -> `vocab.text_preprocessing.json`)
    when the folder's `text_preprocessing.json` belongs to another vocabulary.

    Returns the file that describes the vocabulary, else the one to write.
    """
    own = _own_settings_path(vocabulary_path)
    shared = os.path.join(os.path.dirname(own), SETTINGS_FILE)
    if os.path.exists(own) or not os.path.exists(shared):
        return own if os.path.exists(own) else shared
    named = read_settings(shared).vocabulary_file
    return shared if named == os.path.basename(os.fspath(vocabulary_path)) else own


def _own_settings_path(vocabulary_path):
    path = os.path.abspath(os.fspath(vocabulary_path))
    stem = os.path.splitext(os.path.basename(path))[0]
    return os.path.join(os.path.dirname(path), f"{stem}.{SETTINGS_FILE}")


def read_settings(path):
    """Reads a `text_preprocessing.json` into `TextSettings`.

    Raises:
        DataError: the file is missing, not JSON, or breaks the format (file named).
    """
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as error:
        raise DataError([(path, 0, f"cannot read: {error.strerror or error}")]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        line = getattr(error, "lineno", 0)
        raise DataError([(path, line, f"invalid JSON: {error}")]) from None
    return TextSettings.from_json(data, path)


def write_settings(path, settings):
    """Writes `TextSettings` to `path` atomically."""
    with atomic_write(path) as handle:
        json.dump(settings.to_json(), handle, indent=2, ensure_ascii=False)
        handle.write("\n")


def settings_of_vocabulary(vocabulary_path):
    """The `TextSettings` saved beside a vocabulary file, or None when it has none.

    A settings file that names another vocabulary file does not describe this one.
    """
    path = settings_path(vocabulary_path)
    if not os.path.exists(path):
        return None
    settings = read_settings(path)
    if settings.vocabulary_file != os.path.basename(os.fspath(vocabulary_path)):
        return None
    return settings


def check_oov_hash(vocabulary_path, oov_buckets, rebuild="rebuild the vocabulary"):
    """Refuses to hash out-of-vocabulary tokens for a vocabulary written before FarmHash.

    keras_o2v before 0.2 put a token the vocabulary lacked into bucket
    `crc32(token) % N`; it is now FarmHash64 (`tf.strings.to_hash_bucket_fast`). A
    vocabulary without `text_preprocessing.json` beside it comes from then: with
    `oov_buckets > 0` its data and model used the old bucket ids, so this raises
    rather than give the same tokens other ids. Without buckets no hash is involved
    and the vocabulary is accepted.

    Args:
        vocabulary_path: the vocabulary file.
        oov_buckets: the buckets about to be used with it.
        rebuild: how to rebuild it, for the message (e.g. "o2v cut ... --rebuild").

    Raises:
        O2VError: buckets asked for an old vocabulary.
    """
    if not oov_buckets or not os.path.exists(os.fspath(vocabulary_path)):
        return
    if settings_of_vocabulary(vocabulary_path) is None:
        raise O2VError(
            f"{os.fspath(vocabulary_path)} has no {SETTINGS_FILE} beside it: it was written "
            f"before keras_o2v 0.2, when the ids of out-of-vocabulary buckets were "
            f"crc32(token) % N; they are now FarmHash64 (tf.strings.to_hash_bucket_fast), so "
            f"oov_buckets={oov_buckets} would give its unknown tokens other ids than its data "
            f"and model have. {rebuild[0].upper() + rebuild[1:]} and re-encode the data (without "
            f"out-of-vocabulary buckets the vocabulary is accepted as it is)")
