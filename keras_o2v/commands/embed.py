"""`o2v embed`: objects -> a vectors file with ids.

Two inputs:
  - `--input objects.jsonl`: one object per line, `{"id": ..., "in0": [ids]}` or
    `{"id": ..., "in1": [ids]}` (JSON Lines out);
  - `--pairs CHANNEL --side in0|in1`: the distinct objects of one side of a pairs
    channel (training format), written as `.npy` (with `<name>.ids.txt`) or JSON Lines
    by the output's extension.

Example:
    o2v embed --model-dir out/ --input movies.jsonl --output movie_vectors.jsonl
    o2v embed --model-dir out/ --pairs train.jsonl --side in1 --output movies.npy
    o2v neighbors --vectors movie_vectors.jsonl --queries movie_vectors.jsonl --k 5 \\
        --output nearest.jsonl
"""

import os

COMMAND = "embed"
HELP = ("Embed objects ({\"id\", \"in0\"|\"in1\"} JSON Lines, or one side of a pairs channel) "
        "into a vectors file.")


def add_arguments(parser):
    parser.add_argument("--model-dir", required=True,
                        help="training output folder (model.keras) or a .keras file")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", help="JSON Lines, one object per line")
    source.add_argument("--pairs", nargs="+",
                        help="a pairs channel (files or folders): embed the distinct objects "
                             "of --side")
    parser.add_argument("--side", choices=["in0", "in1"],
                        help="with --pairs: which side's objects to embed")
    parser.add_argument("--output", required=True,
                        help="vectors file to write: JSON Lines, or .npy (with --pairs)")
    parser.add_argument("--batch-size", type=int, default=1024)


def run(args):
    import keras

    path = args.model_dir
    if os.path.isdir(path):
        path = os.path.join(path, "model.keras")
    if args.pairs is not None and args.side is None:
        raise SystemExit("o2v embed: --pairs needs --side in0 or --side in1")
    if args.input is not None and args.output.endswith(".npy"):
        raise SystemExit("o2v embed: .npy output is written with --pairs; use JSON Lines "
                         "with --input")
    model = keras.saving.load_model(path)
    if args.pairs is not None:
        from keras_o2v.inference.runtime.embed_pairs import embed_pairs

        count = embed_pairs(model, args.pairs, int(args.side[-1]), args.output,
                            batch_size=args.batch_size)
    else:
        from keras_o2v.inference.runtime.embed_file import embed_file

        count = embed_file(model, args.input, args.output, batch_size=args.batch_size)
    print(f"Wrote {count} vectors to {args.output}")
    return 0
