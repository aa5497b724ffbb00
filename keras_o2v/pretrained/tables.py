"""Initialising a model's token tables from the auxiliary channel's pretrained vectors.

For each side whose `encN_pretrained_embedding_file` is set, the vocabulary
file `encN_vocab_file` and the embedding file are read from the auxiliary
folder, the vectors are aligned to the data's ids through the vocabulary, and
the rows that received a vector overwrite the token table. Rows without a
vector keep the table's normal random initialisation; row 0 (padding) is never
filled and always embeds to zeros.

With `encN_freeze_pretrained_embedding=True` (SageMaker's default) exactly
the rows that received a pretrained vector are frozen; the others train (see
`keras_o2v.layers.TokenEmbedding`). With `tied_token_embedding_weight=True`
the shared table is loaded once, from whichever side names a file
(`Hyperparameters` makes sure two named sources agree). Without tying, two
sides naming the same files read them once and each table gets the vectors.
"""

import os

from keras_o2v.errors import DataError, HyperparameterError
from keras_o2v.pretrained.embedding_file import load_pretrained_embeddings
from keras_o2v.pretrained.vocab_file import load_vocab


def initialise_token_tables(model, auxiliary_dir, verbose=True):
    """Loads the pretrained vectors named by a model's hyperparameters into its tables.

    Args:
        model: an `Object2Vec` (built from hyperparameters, before training).
        auxiliary_dir: folder holding the files named by `encN_vocab_file` and
            `encN_pretrained_embedding_file`.
        verbose: print one line per side with the number of tokens found.

    Returns:
        dict side -> number of vocabulary ids that received a pretrained vector,
        for the sides that name a pretrained file.

    Raises:
        HyperparameterError: a pretrained file is named without a vocab file.
        DataError: a file is missing or bad (naming file and line): a vector
            dimension other than `encN_token_embedding_dim`, a vocab id
            `>= encN_vocab_size`, an unparsable line.

    Example:
    >>> model = keras_o2v.Object2Vec(hp)  # doctest: +SKIP
    >>> initialise_token_tables(model, "auxiliary/")  # doctest: +SKIP
    enc0: 41,213 of 50,000 vocabulary tokens have a pretrained vector in glove.txt (82.4%); ...
    {0: 41213}
    """
    hp = model.hyperparameters
    loaded = {}
    counts = {}
    for side in (0, 1):
        settings = hp.encoder(side)
        if not settings.pretrained_embedding_file:
            continue
        if not settings.vocab_file:
            raise HyperparameterError(
                f"enc{side}_pretrained_embedding_file={settings.pretrained_embedding_file} "
                f"needs enc{side}_vocab_file (the JSON vocabulary mapping tokens to ids)")
        key = (settings.vocab_file, settings.pretrained_embedding_file, settings.vocab_size,
               settings.token_embedding_dim)
        if key not in loaded:
            loaded[key] = _read(auxiliary_dir, settings)
        vocab, vectors = loaded[key]
        table = model.token_embeddings[side]
        table.load_rows(vectors.matrix, vectors.found, freeze=table.freeze_rows)
        counts[side] = vectors.num_found
        if verbose:
            tokens = sum(1 for token_id in vocab.values() if token_id != 0)
            share = vectors.num_found / tokens if tokens else 0.0
            shared = " (shared table)" if hp.one_token_table else ""
            state = "frozen" if table.freeze_rows else "trainable"
            print(f"enc{side}: {vectors.num_found:,} of {tokens:,} vocabulary tokens have a "
                  f"pretrained vector in {settings.pretrained_embedding_file} ({share:.1%}); "
                  f"those rows are {state}, the other rows keep their random initialisation"
                  f"{shared}.", flush=True)
    return counts


def _read(auxiliary_dir, settings):
    side = settings.side
    vocab_path = _find(auxiliary_dir, settings.vocab_file, f"enc{side}_vocab_file")
    embedding_path = _find(auxiliary_dir, settings.pretrained_embedding_file,
                           f"enc{side}_pretrained_embedding_file")
    try:
        vocab = load_vocab(vocab_path, settings.vocab_size)
        vectors = load_pretrained_embeddings(embedding_path, vocab, settings.vocab_size,
                                             settings.token_embedding_dim)
    except DataError as error:
        hint = (f"(enc{side}_vocab_file={settings.vocab_file}, "
                f"enc{side}_pretrained_embedding_file={settings.pretrained_embedding_file}, "
                f"enc{side}_vocab_size={settings.vocab_size}, "
                f"enc{side}_token_embedding_dim={settings.token_embedding_dim})")
        raise DataError([(path, line, f"{message} {hint}")
                         for path, line, message in error.problems]) from None
    return vocab, vectors


def _find(auxiliary_dir, name, hyperparameter):
    path = os.path.join(str(auxiliary_dir), name)
    if not os.path.isfile(path):
        raise DataError([(path, 0, f"{hyperparameter}={name} is not a file in the auxiliary "
                                   f"channel {auxiliary_dir}")])
    return path
