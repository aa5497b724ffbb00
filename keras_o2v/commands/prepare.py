"""`o2v prepare`: raw pairs (JSON Lines or TSV) -> Object2Vec training JSON Lines.

Reads raw pairs whose inputs are text, categorical keys (user, item, ...) or ready
integer ids, and writes `{"label": ..., "in0": [ids], "in1": [ids]}` lines, plus the
vocabulary / id-map files (JSON `{key: id}`, `<pad>`=0 and `<unk>`=1 reserved) that fix
the ids. It ends by printing the `enc*_vocab_size` and `enc*_max_seq_len` to train with.

Input: JSON Lines (`{"in0": "a soccer game", "in1": "men playing sport", "label": 1}`)
or TSV with a header row naming the columns (no quoting), chosen by extension
(`.jsonl`/`.json`, `.tsv`/`.tab`, optionally `.gz`) or by the first line, or `--format`.

Maps: text inputs share the `--vocab` file; a category input uses
`<id-map-dir>/<column>.ids.json` (default directory: the output's); `--in0-map` /
`--in1-map` name any input's map explicitly (the same file twice = one shared map).
A map file that exists is reused as is (`--reuse`, the default), so preparing
validation and test data after training data, or re-running, gives the same ids;
keys it lacks become `<unk>`=1. `--extend` adds new keys after the existing ids;
`--rebuild` rebuilds maps from this input. `--min-count` and `--max-vocab` shape text
vocabularies (ordered by count, then token); id maps keep every key.

Every bad row is reported with file and line, and nothing is written then (exit 1).
Two streaming passes (count, then write); the output and maps are written atomically.

Documents without labels (`--cut MODE`, see `keras_o2v.cut_pairs`): the input is a
corpus (`.txt` one document per line, or `.jsonl` / `.tsv` with the text in
`--text-column`), and the pairs are cut from it for `training_objective=retrieval`:
`rest` a window (or sentence, `--unit sentence`) against the rest of its document,
`pair` two windows of one document, `context` a token against the `--window` tokens
on each side. `--window` tokens per window, `--per-document` windows kept per
document (default: all), `--max-pairs` the output size, `--seed` the random choices.

Examples:
    $ o2v prepare --input snli_train.tsv --output train.jsonl --vocab vocab.json \\
        --in0-column sentence1 --in1-column sentence2 --min-count 2 --max-vocab 50000
    $ o2v prepare --input snli_dev.tsv --output validation.jsonl --vocab vocab.json \\
        --in0-column sentence1 --in1-column sentence2
    $ o2v prepare --input ratings.tsv --output train.jsonl --in0-type category \\
        --in0-column user --in1-type category --in1-column movie --label-column rating
    $ o2v prepare --cut rest --input corpus.txt --output train.jsonl --vocab vocab.json \\
        --window 10 --per-document 8 --seed 0 --min-count 2
"""

import argparse
import sys

from keras_o2v.errors import O2VError
from keras_o2v.preprocessing.cut_pairs import cut_pairs
from keras_o2v.preprocessing.document_units import CUT_MODES, UNITS
from keras_o2v.preprocessing.documents import DEFAULT_SENTENCE_PATTERN
from keras_o2v.preprocessing.pair_encoder import INPUT_TYPES
from keras_o2v.preprocessing.prepare_pairs import prepare_pairs
from keras_o2v.preprocessing.tokenizer import DEFAULT_PATTERN, Tokenizer

COMMAND = "prepare"
HELP = ("Turn raw text/category pairs (JSON Lines or TSV), or unlabeled documents (--cut), "
        "into training JSON Lines of ids.")
# Options of labelled raw pairs, which --cut does not read.
_PAIR_OPTIONS = ("in0_type", "in1_type", "in0_column", "in1_column", "in0_map", "in1_map",
                 "id_map_dir", "no_label")


def add_arguments(parser):
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = __doc__.split("\n\n", 1)[1]
    parser.add_argument("--input", required=True, help="raw pairs, .jsonl or .tsv (with header)")
    parser.add_argument("--output", required=True, help="training JSON Lines to write")
    parser.add_argument("--format", choices=["jsonl", "tsv", "text"],
                        help="input format (default: guess; text: a document per line, --cut)")
    parser.add_argument("--vocab", help="vocabulary file of text inputs (read if it exists)")
    for name in ("in0", "in1"):
        parser.add_argument(
            f"--{name}-type", choices=INPUT_TYPES, default="text", help=f"{name} kind"
        )
        parser.add_argument(f"--{name}-column", default=name, help=f"raw column of {name}")
        parser.add_argument(f"--{name}-map", help=f"map file of {name} (overrides the default)")
    labels = parser.add_mutually_exclusive_group()
    labels.add_argument("--label-column", default="label", help="raw column of the label")
    labels.add_argument("--no-label", action="store_true", help="write records without label")
    parser.add_argument("--id-map-dir", help="directory of category id maps (default: output's)")
    parser.add_argument("--min-count", type=positive_int, default=1, help="min token count (text)")
    parser.add_argument(
        "--max-vocab", type=positive_int, help="max text vocabulary size, reserved ids included"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--reuse", dest="maps", action="store_const", const="reuse",
                      help="use existing map files unchanged (default)")
    mode.add_argument("--extend", dest="maps", action="store_const", const="extend",
                      help="add new keys to existing map files")
    mode.add_argument("--rebuild", dest="maps", action="store_const", const="rebuild",
                      help="rebuild map files from this input")
    parser.set_defaults(maps="reuse")
    parser.add_argument("--token-pattern", default=DEFAULT_PATTERN,
                        help="regular expression whose matches are the tokens")
    parser.add_argument("--no-lowercase", action="store_true", help="keep the text's case")
    cut = parser.add_argument_group("pairs cut from unlabeled documents (--cut)")
    cut.add_argument("--cut", choices=CUT_MODES,
                     help="rest: a window against the rest of its document; pair: two windows "
                          "of one document; context: a token against its context")
    cut.add_argument("--unit", choices=UNITS, default="window",
                     help="what a window is (rest, pair): a window of tokens or a sentence")
    cut.add_argument("--window", type=positive_int, default=10,
                     help="tokens per window; for context the tokens on each side (default 10)")
    cut.add_argument("--per-document", type=positive_int,
                     help="windows kept per document (default: all)")
    cut.add_argument("--stride", type=positive_int,
                     help="tokens between window starts (default: the window length)")
    cut.add_argument("--max-pairs", type=positive_int, help="the most pairs to write")
    cut.add_argument("--seed", type=int, default=0, help="seed of the random choices (default 0)")
    cut.add_argument("--text-column", default="text", help="text column of .jsonl / .tsv documents")
    cut.add_argument("--oov-buckets", type=int, default=0,
                     help="hash tokens the vocabulary lacks into this many ids after it "
                          "instead of <unk> (encode queries the same way)")
    cut.add_argument("--sentence-pattern", default=DEFAULT_SENTENCE_PATTERN,
                     help="regular expression that separates sentences (--unit sentence)")


def run(args):
    if args.cut:
        return _run_cut(args)
    try:
        report = prepare_pairs(
            args.input,
            args.output,
            vocab_path=args.vocab,
            in0_type=args.in0_type,
            in1_type=args.in1_type,
            in0_column=args.in0_column,
            in1_column=args.in1_column,
            label_column=None if args.no_label else args.label_column,
            in0_map=args.in0_map,
            in1_map=args.in1_map,
            id_map_dir=args.id_map_dir,
            input_format=args.format,
            min_count=args.min_count,
            max_vocab=args.max_vocab,
            maps=args.maps,
            tokenizer=Tokenizer(args.token_pattern, lowercase=not args.no_lowercase),
        )
    except O2VError as error:
        print(f"o2v prepare: error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {report.records} records to {report.output_path}")
    for item in report.maps:
        added = f", {item.added} added" if item.action == "extended" else ""
        print(f"{item.action} {item.path}: {item.size} ids{added}")
    for name, stats in report.inputs.items():
        if stats.unknown:
            print(f"{name}: {stats.unknown} of {stats.total} tokens mapped to <unk>")
    print(" ".join(f"{key}={value}" for key, value in report.hyperparameters().items()))
    return 0


def _run_cut(args):
    defaults = add_arguments_defaults()
    given = [name for name in _PAIR_OPTIONS if getattr(args, name) != defaults[name]]
    if given:
        names = ", ".join("--" + name.replace("_", "-") for name in given)
        print(f"o2v prepare: error: {names} describe labelled raw pairs; --cut reads documents "
              "(--text-column names their text)", file=sys.stderr)
        return 2
    if not args.vocab:
        print("o2v prepare: error: --cut needs --vocab (the vocabulary file)", file=sys.stderr)
        return 2
    try:
        report = cut_pairs(
            args.input, args.output, vocab_path=args.vocab, mode=args.cut, unit=args.unit,
            window=args.window, per_document=args.per_document, stride=args.stride,
            max_pairs=args.max_pairs, seed=args.seed, input_format=args.format,
            text_column=args.text_column, sentence_pattern=args.sentence_pattern,
            min_count=args.min_count, max_vocab=args.max_vocab, maps=args.maps,
            tokenizer=Tokenizer(args.token_pattern, lowercase=not args.no_lowercase),
            oov_buckets=args.oov_buckets)
    except O2VError as error:
        print(f"o2v prepare: error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {report.pairs} pairs (label 1) to {report.output_path}, cut from "
          f"{report.used_documents} of {report.documents} documents ({report.available} "
          f"available; {report.empty_documents} empty, {report.short_documents} too short)")
    item = report.map
    added = f", {item.added} added" if item.action == "extended" else ""
    print(f"{item.action} {item.path}: {item.size} ids{added}")
    if report.unknown_tokens:
        where = f"{args.oov_buckets} hashed ids" if args.oov_buckets else "<unk>"
        print(f"{report.unknown_tokens} tokens not in the vocabulary, mapped to {where}")
    print(" ".join(f"{key}={value}" for key, value in report.hyperparameters().items()))
    return 0


def add_arguments_defaults():
    """The default value of every option of `o2v prepare`."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return vars(parser.parse_args(["--input", "-", "--output", "-"]))


def positive_int(text):
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value
