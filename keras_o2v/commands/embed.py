"""`o2v embed`: a JSON Lines file of objects -> a vectors file with ids.

Example:
    o2v embed --model-dir out/ --input movies.jsonl --output movie_vectors.jsonl
    o2v neighbors --vectors movie_vectors.jsonl --queries movie_vectors.jsonl --k 5 \\
        --output nearest.jsonl
"""

import os

COMMAND = "embed"
HELP = "Embed objects ({\"id\", \"in0\"|\"in1\"} JSON Lines) into a vectors file."


def add_arguments(parser):
    parser.add_argument("--model-dir", required=True,
                        help="training output folder (model.keras) or a .keras file")
    parser.add_argument("--input", required=True, help="JSON Lines, one object per line")
    parser.add_argument("--output", required=True, help="vectors file to write (JSON Lines)")
    parser.add_argument("--batch-size", type=int, default=1024)


def run(args):
    import keras

    from keras_o2v.inference.runtime.embed_file import embed_file

    path = args.model_dir
    if os.path.isdir(path):
        path = os.path.join(path, "model.keras")
    model = keras.saving.load_model(path)
    count = embed_file(model, args.input, args.output, batch_size=args.batch_size)
    print(f"Wrote {count} vectors to {args.output}")
    return 0
