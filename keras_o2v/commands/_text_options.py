"""Options shared by `o2v prepare` and `o2v cut`: the vocabulary file's handling and the tokenisation."""

import argparse

PATTERN_HELP = ("token pattern: words (default: runs of letters/digits of any script joined by "
                "inner apostrophes, and each other non-space character), alphanumeric "
                "([a-z0-9]+(?:'[a-z]+)?), or an RE2 regular expression; default: the one saved "
                "with an existing vocabulary")


def positive_int(text):
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def non_negative_int(text):
    """argparse type: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def add_vocabulary_options(parser):
    """--min-count, --max-vocab and --reuse / --extend / --rebuild."""
    parser.add_argument("--min-count", type=positive_int, default=1,
                        help="minimum count for a token to enter a vocabulary built here (default 1)")
    parser.add_argument("--max-vocab", type=positive_int,
                        help="maximum size of a vocabulary built here, the reserved ids included")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--reuse", dest="maps", action="store_const", const="reuse",
                      help="use existing vocabulary / map files unchanged (default)")
    mode.add_argument("--extend", dest="maps", action="store_const", const="extend",
                      help="add new keys to existing files after their ids")
    mode.add_argument("--rebuild", dest="maps", action="store_const", const="rebuild",
                      help="rebuild the files from this input (with the tokenisation given)")
    parser.set_defaults(maps="reuse")


def add_text_options(parser):
    """--token-pattern, --no-lowercase and --oov-buckets (None when not given)."""
    parser.add_argument("--token-pattern", help=PATTERN_HELP)
    parser.add_argument("--no-lowercase", dest="lowercase", action="store_const", const=False,
                        help="keep the texts' case (default: lowercase, or as saved with the "
                             "vocabulary)")
    parser.add_argument("--oov-buckets", type=non_negative_int,
                        help="hash tokens the vocabulary lacks into this many ids after it "
                             "instead of <unk> (FarmHash64; default 0, or as saved with the "
                             "vocabulary)")


def print_lengths(name, lengths, out):
    """Prints the p50 / p95 / max of a side's lengths (a Counter length -> records)."""
    from keras_o2v.preprocessing.lengths import describe_lengths

    print(describe_lengths(name, lengths), file=out)
