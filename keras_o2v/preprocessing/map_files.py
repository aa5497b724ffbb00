"""Vocabulary and id-map files of `prepare_pairs` and `cut_pairs`: what to do with them, reading."""

import dataclasses

from keras_o2v.errors import DataError, O2VError
from keras_o2v.pretrained import load_vocab
from keras_o2v.text.reserved import PAD, UNK

MAP_MODES = ("reuse", "rebuild", "extend")


@dataclasses.dataclass
class MapReport:
    """What happened to one vocabulary / id map file."""

    path: str
    action: str  # "built", "extended", "reused" or "rebuilt"
    size: int  # ids in use: largest id + 1
    added: int = 0  # ids added by this run


def check_map_mode(maps):
    """Raises an `O2VError` unless `maps` is one of `MAP_MODES`."""
    if maps not in MAP_MODES:
        raise O2VError(f"maps must be one of {MAP_MODES}, got {maps!r}")


def load_map(path):
    """Reads a vocabulary / id map file and checks its reserved ids (`<pad>`=0, `<unk>`=1).

    Raises:
        DataError: a bad file, another token with id 0, or `<unk>` with another id.
    """
    mapping = load_vocab(path)
    zero = [token for token, token_id in mapping.items() if token_id == 0 and token != PAD]
    if zero:
        raise DataError(
            [(path, 0, f"id 0 is reserved for padding, but token {zero[0]!r} has it")]
        )
    if UNK in mapping and mapping[UNK] != 1:
        raise DataError([(path, 0, f"{UNK!r} must have id 1, has {mapping[UNK]}")])
    return mapping


def action_of(base, exists):
    """The `MapReport.action` of a map built from counts: extended, rebuilt or built."""
    if base is not None:
        return "extended"
    return "rebuilt" if exists else "built"
