"""Text preprocessing as part of the model: texts -> token ids in TensorFlow ops.

`TextPreprocessor` (a Keras layer) standardises texts, splits them with an RE2 token
pattern and looks the tokens up in a vocabulary, with `<unk>`=1 or FarmHash buckets
for tokens it lacks; it is the one implementation used by `o2v prepare`, `o2v cut`,
`tf.data`, the model and its SavedModel. Its saved form is a vocabulary JSON file
(token -> id) and `text_preprocessing.json` beside it (`keras_o2v.text.settings_file`).

Importing this package does not import TensorFlow; `TextPreprocessor`, `standardize`
and `find_all` do, on first use.

Example:
>>> pre = keras_o2v.text.TextPreprocessor(pattern="words")  # doctest: +SKIP
>>> pre.adapt(train_texts, min_count=2)  # doctest: +SKIP
>>> pre.save("aux/")  # aux/text_preprocessing.json + aux/vocab.json  # doctest: +SKIP
"""

from keras_o2v.lazy_exports import lazy_exports
from keras_o2v.text.patterns import ALPHANUMERIC, PATTERNS, WORDS, resolve_pattern
from keras_o2v.text.reserved import PAD, RESERVED, UNK
from keras_o2v.text.settings_file import (
    OOV_HASH,
    SETTINGS_FILE,
    TextSettings,
    check_oov_hash,
    read_settings,
    settings_of_vocabulary,
    settings_path,
    write_settings,
)
from keras_o2v.text.vocabulary import (
    check_text_vocabulary,
    first_oov_id,
    save_vocabulary,
    vocabulary_from_counts,
)

_EXPORTS = {
    "TextPreprocessor": "keras_o2v.text.text_preprocessor",
    "find_all": "keras_o2v.text.tokenization",
    "standardize": "keras_o2v.text.standardization",
}
__all__ = sorted([*_EXPORTS, "ALPHANUMERIC", "OOV_HASH", "PAD", "PATTERNS", "RESERVED",
                  "SETTINGS_FILE", "TextSettings", "UNK", "WORDS", "check_oov_hash",
                  "check_text_vocabulary", "first_oov_id", "read_settings", "resolve_pattern",
                  "save_vocabulary", "settings_of_vocabulary", "settings_path",
                  "vocabulary_from_counts", "write_settings"])
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
