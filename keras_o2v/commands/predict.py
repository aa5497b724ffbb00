"""`o2v predict`: batch transform of a JSON Lines file with an exported model."""

import os
import sys

COMMAND = "predict"
HELP = ("Batch transform: JSON Lines instances in, one {\"scores\"} or {\"embeddings\"} line "
        "per input line out, in order (SageMaker batch transform).")


def add_arguments(parser):
    parser.add_argument("--model-base-path", required=True,
                        help="TF Serving model base path; the newest version is used")
    parser.add_argument("--version", type=int, default=None, help="use this version instead")
    parser.add_argument("--input", required=True, help="JSON Lines of {\"in0\", \"in1\"} instances")
    parser.add_argument("--output", required=True, help="JSON Lines answers (written atomically)")
    parser.add_argument("--batch-size", type=int, default=256, help="instances per model call")
    parser.add_argument("--strict", action="store_true",
                        help="stop at the first bad line and write no output")


def run(args):
    from keras_o2v.export.versions import latest_version
    from keras_o2v.inference.runtime.batch_transform import BatchTransformError, batch_transform
    from keras_o2v.inference.runtime.saved_model_runner import SavedModelRunner

    version = args.version if args.version is not None else latest_version(args.model_base_path)
    path = os.path.join(args.model_base_path, str(version))
    if version is None or not os.path.isfile(os.path.join(path, "saved_model.pb")):
        print(f"o2v predict: no exported version in {args.model_base_path}"
              + (f" (version {args.version})" if args.version is not None else ""), file=sys.stderr)
        return 2
    if not os.path.isfile(args.input):
        print(f"o2v predict: no such input file {args.input}", file=sys.stderr)
        return 2
    runner = SavedModelRunner(path)
    try:
        answered, problems = batch_transform(runner, args.input, args.output,
                                             batch_size=args.batch_size, strict=args.strict)
    except BatchTransformError as error:
        line, message = error.problems[0]
        print(f"{args.input}:{line}: {message}", file=sys.stderr)
        print("o2v predict: stopped (--strict); no output written", file=sys.stderr)
        return 1
    print(f"o2v predict: {answered} line(s) written to {args.output} with version {version}; "
          f"{len(problems)} bad line(s)", file=sys.stderr)
    return 1 if problems else 0
