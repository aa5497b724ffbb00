"""`o2v prepare`: raw pairs (JSON Lines or TSV) -> Object2Vec training JSON Lines.

Reads raw pairs whose inputs are text, categorical keys (user, item, ...) or ready
integer ids, and writes `{"label": ..., "in0": [ids], "in1": [ids]}` lines, plus the
vocabulary / id-map files (JSON `{key: id}`, `<pad>`=0 and `<unk>`=1 reserved) that fix
the ids and `text_preprocessing.json` beside the text vocabulary (how texts become
ids: the model's text layer reads it). It ends by printing each side's length
distribution (p50 / p95 / max) and the hyperparameters to train with.

Input: JSON Lines (`{"in0": "a soccer game", "in1": "men playing sport", "label": 1}`)
or TSV with a header row naming the columns (no quoting; `--no-header`: columns are
numbers from 1), chosen by extension (`.jsonl`/`.json`, `.tsv`/`.tab`, optionally
`.gz`) or by the first line, or `--format`. Several inputs (`--input train.tsv
dev.tsv test.tsv --output train.jsonl dev.jsonl test.jsonl`): the maps are built from
the first, and every input is encoded with them.

Maps: text inputs share the `--vocab` file; a category input uses
`<id-map-dir>/<column>.ids.json` (default directory: the output's); `--in0-map` /
`--in1-map` name any input's map explicitly (the same file twice = one shared map).
A map file that exists is reused as is (`--reuse`, the default), with the
tokenisation saved beside it, so preparing validation and test data after training
data, or re-running, gives the same ids; keys it lacks become `<unk>`=1. `--extend`
adds new keys after the existing ids; `--rebuild` rebuilds maps from this input.
`--min-count` and `--max-vocab` shape text vocabularies (ordered by count, then
token); id maps keep every key. `--label-type class` maps class names to ids 0, 1,
... (in name order) and saves the map (`--label-map`). `--pretrained glove.txt`
adds the words of every input that have a vector to the vocabulary and writes those
vectors (`--pretrained-output`) for `encN_pretrained_embedding_file`.

Lengths: records are kept whole unless `--in0-max-length` / `--in1-max-length` cut
them; train with `encN_max_seq_len` near the printed p95 (longer sequences are cut
in training), or the max when every token matters and the batch memory allows.

Every bad row is reported with file and line, and nothing is written then (exit 1).
Two streaming passes (count, then write); the outputs and maps are written atomically.

Examples:
    $ o2v prepare --input snli_train.tsv snli_dev.tsv snli_test.tsv \\
        --output train.jsonl validation.jsonl test.jsonl --vocab aux/vocab.json \\
        --in0-column sentence1 --in1-column sentence2 --label-column gold_label \\
        --label-type class --pretrained glove.840B.300d.txt --min-count 2
    $ o2v prepare --input ratings.tsv --output train.jsonl --in0-type category \\
        --in0-column user --in1-type category --in1-column movie --label-column rating
"""

import argparse
import sys

from keras_o2v.commands import cut as cut_command
from keras_o2v.commands._text_options import (
    add_text_options,
    add_vocabulary_options,
    positive_int,
    print_lengths,
)
from keras_o2v.preprocessing.pair_encoder import INPUT_TYPES, LABEL_TYPES

COMMAND = "prepare"
HELP = "Turn raw text/category pairs (JSON Lines or TSV) into training JSON Lines of ids."
# Options of labelled raw pairs, which `o2v cut` does not read.
PAIR_OPTIONS = ("in0_type", "in1_type", "in0_column", "in1_column", "in0_map", "in1_map",
                "id_map_dir", "no_label", "label_column", "label_type", "label_map", "no_header",
                "in0_max_length", "in1_max_length", "pretrained", "pretrained_output")
DEPRECATED_CUT = ("o2v prepare --cut MODE is deprecated and will be removed in the next release; "
                  "use o2v cut --mode MODE with the same options")


def add_arguments(parser):
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = __doc__.split("\n\n", 1)[1]
    parser.add_argument("--input", required=True, nargs="+",
                        help="raw pairs, .jsonl or .tsv (optionally .gz); several: the first builds "
                             "the maps")
    parser.add_argument("--output", required=True, nargs="+",
                        help="training JSON Lines to write, one per --input")
    parser.add_argument("--format", choices=["jsonl", "tsv", "text"], metavar="{jsonl,tsv}",
                        help="input format (default: from the extension, then the first line)")
    parser.add_argument("--no-header", action="store_true",
                        help="TSV files have no header row: name columns by number from 1")
    parser.add_argument("--vocab", help="vocabulary file of text inputs (read if it exists)")
    for name in ("in0", "in1"):
        parser.add_argument(f"--{name}-type", choices=INPUT_TYPES, default="text",
                            help=f"what {name} is: text (default), category (one key) or ids")
        parser.add_argument(f"--{name}-column", default=name,
                            help=f"raw column of {name} (default {name})")
        parser.add_argument(f"--{name}-map",
                            help=f"map file of {name} (default: --vocab for text, "
                                 f"<id-map-dir>/<column>.ids.json for a category)")
        parser.add_argument(f"--{name}-max-length", type=positive_int,
                            help=f"keep at most this many ids of {name} (default: all)")
    labels = parser.add_mutually_exclusive_group()
    labels.add_argument("--label-column", default="label", help="raw column of the label (default label)")
    labels.add_argument("--no-label", action="store_true", help="write records without label")
    parser.add_argument("--label-type", choices=LABEL_TYPES, default="number",
                        help="number (default) or class: class names mapped to ids 0, 1, ...")
    parser.add_argument("--label-map",
                        help="class map file of --label-type class (default: "
                             "<id-map-dir>/<label column>.classes.json)")
    parser.add_argument("--id-map-dir",
                        help="directory of category id maps and the class map (default: the "
                             "first output's)")
    add_vocabulary_options(parser)
    add_text_options(parser)
    parser.add_argument("--pretrained",
                        help="GloVe / word2vec text vectors: add every input's words that have one to "
                             "the vocabulary and write their vectors")
    parser.add_argument("--pretrained-output",
                        help="the trimmed vector file (default: <vocab name>.vectors.txt)")
    # keras_o2v 0.2 keeps `o2v prepare --cut MODE ...` as a hidden alias of `o2v cut`.
    parser.add_argument("--cut", choices=cut_command.CUT_MODES, default=argparse.SUPPRESS,
                        help=argparse.SUPPRESS)
    cut_command.add_cut_options(parser, hidden=True)


def run(args):
    given_cut = [name for name in cut_command.CUT_ONLY_OPTIONS if name in vars(args)]
    if "cut" in vars(args):
        return _run_cut(args)
    if given_cut:
        names = ", ".join("--" + name.replace("_", "-") for name in given_cut)
        print(f"o2v prepare: error: {names} cut pairs from documents: they are options of "
              "`o2v cut`", file=sys.stderr)
        return 2
    if args.format == "text":
        print("o2v prepare: error: --format text is a corpus of documents: use `o2v cut`",
              file=sys.stderr)
        return 2
    from keras_o2v.errors import O2VError
    from keras_o2v.preprocessing.prepare_pairs import prepare_pairs

    max_lengths = {name: getattr(args, f"{name}_max_length") for name in ("in0", "in1")
                   if getattr(args, f"{name}_max_length") is not None}
    try:
        report = prepare_pairs(
            args.input, args.output, vocab_path=args.vocab, in0_type=args.in0_type,
            in1_type=args.in1_type, in0_column=args.in0_column, in1_column=args.in1_column,
            label_column=None if args.no_label else args.label_column, in0_map=args.in0_map,
            in1_map=args.in1_map, id_map_dir=args.id_map_dir, input_format=args.format,
            min_count=args.min_count, max_vocab=args.max_vocab, maps=args.maps,
            pattern=args.token_pattern, lowercase=args.lowercase, oov_buckets=args.oov_buckets,
            header=not args.no_header, label_type=args.label_type, label_map=args.label_map,
            max_lengths=max_lengths, pretrained=args.pretrained,
            pretrained_output=args.pretrained_output)
    except O2VError as error:
        print(f"o2v prepare: error: {error}", file=sys.stderr)
        return 1
    out = sys.stdout
    for item in report.files:
        print(f"wrote {item.records} records to {item.output_path}", file=out)
    for item in report.maps:
        added = f", {item.added} added" if item.action == "extended" else ""
        print(f"{item.action} {item.path}: {item.size} ids{added}", file=out)
    for path in report.text_settings:
        print(f"tokenisation in {path}", file=out)
    if report.label_map is not None:
        classes = ", ".join(f"{name}={i}" for name, i in sorted(report.label_map.items(),
                                                                 key=lambda item: item[1]))
        print(f"classes in {report.label_map_path}: {classes}", file=out)
    if report.pretrained is not None:
        p = report.pretrained
        print(f"wrote {p.vectors} vectors ({p.dim}-d) of the vocabulary's tokens to {p.path}"
              f" ({p.added} tokens added for their vectors)", file=out)
    for item in report.files:
        for name, stats in item.inputs.items():
            print_lengths(f"{item.output_path} {name}", stats.lengths, out)
            if stats.truncated:
                print(f"{item.output_path} {name}: {stats.truncated} records cut to "
                      f"{report.max_lengths[name]} ids", file=out)
            if stats.unknown:
                print(f"{item.output_path} {name}: {stats.unknown} of {stats.total} tokens not in "
                      "the vocabulary", file=out)
    print(" ".join(f"{key}={value}" for key, value in report.hyperparameters().items()), file=out)
    return 0


def _run_cut(args):
    print(f"o2v prepare: warning: {DEPRECATED_CUT}", file=sys.stderr)
    defaults = pair_defaults()
    given = [name for name in PAIR_OPTIONS if getattr(args, name) != defaults[name]]
    if given:
        names = ", ".join("--" + name.replace("_", "-") for name in given)
        print(f"o2v prepare: error: {names} describe labelled raw pairs; --cut reads documents "
              "(--text-column names their text)", file=sys.stderr)
        return 2
    if not args.vocab:
        print("o2v prepare: error: --cut needs --vocab (the vocabulary file)", file=sys.stderr)
        return 2
    if len(args.input) != 1 or len(args.output) != 1:
        print("o2v prepare: error: --cut reads one --input and writes one --output", file=sys.stderr)
        return 2
    values = cut_command.defaults()
    values.update({key: value for key, value in vars(args).items() if key in values})
    values.update(input=args.input[0], output=args.output[0], mode=args.cut)
    return cut_command.run(argparse.Namespace(**values), command="o2v prepare --cut")


def pair_defaults():
    """The default value of every option of `o2v prepare`."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return vars(parser.parse_args(["--input", "-", "--output", "-"]))
