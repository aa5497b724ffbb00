"""The reserved token ids of every keras_o2v vocabulary: padding 0, unknown 1."""

PAD = "<pad>"
UNK = "<unk>"
PAD_ID = 0
UNK_ID = 1
RESERVED = {PAD: PAD_ID, UNK: UNK_ID}
