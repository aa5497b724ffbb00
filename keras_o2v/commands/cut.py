"""`o2v cut`: training pairs cut from unlabeled documents, for the retrieval mode.

The input is a corpus (`.txt` one document per line, or `.jsonl` / `.tsv` with the
text in `--text-column`); the pairs (label 1) are cut from it for
`training_objective=retrieval`: `--mode rest` a window (or sentence, `--unit
sentence`) against the rest of its document, `pair` two windows of one document,
`context` a token against the `--window` tokens on each side. `--window` tokens per
window, `--per-document` windows kept per document (default: all), `--max-pairs` the
output size, `--seed` the random choices.

The vocabulary (`--vocab`, shared by in0 and in1) is read if it exists (`--reuse`,
the default), else built; `text_preprocessing.json` beside it records the
tokenisation (`--token-pattern`, `--no-lowercase`, `--oov-buckets`), so cutting
held-out documents needs only `--vocab`. Bad lines are listed with file and line,
and nothing is written then (exit 1). It ends by printing the length distribution
of each side and the hyperparameters to train with.

Examples:
    $ o2v cut --mode rest --input corpus.txt --output train.jsonl --vocab aux/vocab.json \\
        --window 10 --per-document 8 --seed 0 --min-count 2 --oov-buckets 4096
    $ o2v cut --mode rest --input heldout.txt --output validation.jsonl --vocab aux/vocab.json \\
        --window 10 --per-document 1
"""

import argparse
import sys

from keras_o2v.commands._text_options import (
    add_text_options,
    add_vocabulary_options,
    positive_int,
    print_lengths,
)
from keras_o2v.preprocessing.document_units import CUT_MODES, UNITS
from keras_o2v.preprocessing.documents import DEFAULT_SENTENCE_PATTERN

COMMAND = "cut"
HELP = "Cut training pairs (label 1, for the retrieval mode) out of unlabeled documents."
# The options only `o2v cut` has (the hidden `o2v prepare --cut` accepts them too).
CUT_ONLY_OPTIONS = ("unit", "window", "per_document", "stride", "max_pairs", "seed",
                    "text_column", "sentence_pattern")


def add_arguments(parser):
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = __doc__.split("\n\n", 1)[1]
    parser.add_argument("--input", required=True,
                        help="the corpus: .txt (a document per line), .jsonl or .tsv, optionally .gz")
    parser.add_argument("--output", required=True, help="training JSON Lines to write")
    parser.add_argument("--vocab", required=True,
                        help="the vocabulary file, shared by in0 and in1 (read if it exists)")
    parser.add_argument("--format", choices=["text", "jsonl", "tsv"],
                        help="input format (default: from the extension, then the first line)")
    parser.add_argument("--mode", choices=CUT_MODES, default="rest",
                        help="rest (default): a window against the rest of its document; pair: two "
                             "windows of one document; context: a token against its context")
    add_cut_options(parser)
    add_vocabulary_options(parser)
    add_text_options(parser)


def add_cut_options(parser, hidden=False):
    """The options of `CUT_ONLY_OPTIONS` (hidden and absent unless given, for the alias)."""

    def add(flag, **kwargs):
        if hidden:
            kwargs.update(help=argparse.SUPPRESS, default=argparse.SUPPRESS)
        parser.add_argument(flag, **kwargs)

    add("--unit", choices=UNITS, default="window",
        help="what a unit of rest / pair is: a window of tokens (default) or a sentence")
    add("--window", type=positive_int, default=10,
        help="tokens per window; for context the tokens on each side (default 10)")
    add("--per-document", type=positive_int, help="windows kept per document (default: all)")
    add("--stride", type=positive_int, help="tokens between window starts (default: the window length)")
    add("--max-pairs", type=positive_int, help="the most pairs to write (default: all)")
    add("--seed", type=int, default=0, help="seed of the random choices (default 0)")
    add("--text-column", default="text", help="JSON key or TSV column of the text (default text)")
    add("--sentence-pattern", default=DEFAULT_SENTENCE_PATTERN,
        help="Python regular expression that separates sentences (--unit sentence)")


def run(args, command="o2v cut"):
    from keras_o2v.errors import O2VError
    from keras_o2v.preprocessing.cut_pairs import cut_pairs

    try:
        report = cut_pairs(
            args.input, args.output, vocab_path=args.vocab, mode=args.mode, unit=args.unit,
            window=args.window, per_document=args.per_document, stride=args.stride,
            max_pairs=args.max_pairs, seed=args.seed, input_format=args.format,
            text_column=args.text_column, sentence_pattern=args.sentence_pattern,
            min_count=args.min_count, max_vocab=args.max_vocab, maps=args.maps,
            pattern=args.token_pattern, lowercase=args.lowercase, oov_buckets=args.oov_buckets)
    except O2VError as error:
        print(f"{command}: error: {error}", file=sys.stderr)
        return 1
    out = sys.stdout
    print(f"wrote {report.pairs} pairs (label 1) to {report.output_path}, cut from "
          f"{report.used_documents} of {report.documents} documents ({report.available} "
          f"available; {report.empty_documents} empty, {report.short_documents} too short)", file=out)
    item = report.map
    added = f", {item.added} added" if item.action == "extended" else ""
    print(f"{item.action} {item.path}: {item.size} ids{added}; tokenisation in "
          f"{report.text_settings}", file=out)
    if report.unknown_tokens:
        where = f"{report.oov_buckets} hashed ids" if report.oov_buckets else "<unk>"
        print(f"{report.unknown_tokens} tokens not in the vocabulary, mapped to {where}", file=out)
    for side in ("in0", "in1"):
        print_lengths(side, report.lengths[side], out)
    print(" ".join(f"{key}={value}" for key, value in report.hyperparameters().items()), file=out)
    return 0


def defaults():
    """The default value of every option of `o2v cut`."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return vars(parser.parse_args(["--input", "-", "--output", "-", "--vocab", "-"]))
