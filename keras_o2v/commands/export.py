"""`o2v export`: a trained model dir's `model.keras` as a TF Serving SavedModel version."""

import os
import sys

COMMAND = "export"
HELP = "Export DIR/model.keras as BASE/<version>/ (SavedModel for TensorFlow Serving)."


def add_arguments(parser):
    parser.add_argument("--model-dir", required=True,
                        help="training output folder holding model.keras")
    parser.add_argument("--base-path", required=True,
                        help="TF Serving model base path; the version folder goes inside")
    parser.add_argument("--version", type=int, default=None,
                        help="integer version (default: one more than the highest present)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing --version")
    parser.add_argument("--no-warmup", action="store_true",
                        help="do not write assets.extra/tf_serving_warmup_requests")
    parser.add_argument("--candidates", metavar="FILE",
                        help='JSON Lines of {"id": <int>, "in1": [token ids]}: adds the top_k and '
                             "top_k_excluding signatures, which return the k best of these "
                             "candidates for an in0 (k is an input)")
    parser.add_argument("--positive-class", type=int, default=None,
                        help="softmax models: the class whose probability ranks candidates "
                             "(default: the highest class, 1 for a binary model)")


def run(args):
    import keras

    from keras_o2v.export import export_saved_model
    from keras_o2v.models import Object2Vec

    if args.candidates is not None and not os.path.isfile(args.candidates):
        print(f"o2v export: no candidates file at {args.candidates}", file=sys.stderr)
        return 2

    model_path = os.path.join(args.model_dir, "model.keras")
    if not os.path.isfile(model_path):
        print(f"o2v export: no model at {model_path} (train writes it there)", file=sys.stderr)
        return 2
    model = keras.saving.load_model(model_path, compile=False)
    if not isinstance(model, Object2Vec):
        print(f"o2v export: {model_path} holds a {type(model).__name__}, not an Object2Vec",
              file=sys.stderr)
        return 2
    try:
        path = export_saved_model(model, args.base_path, version=args.version,
                                  overwrite=args.overwrite, warmup=not args.no_warmup,
                                  candidates=args.candidates, positive_class=args.positive_class)
    except (FileExistsError, ValueError) as error:
        print(f"o2v export: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0
