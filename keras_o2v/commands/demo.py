"""`o2v demo`: the README's main job on MovieLens 100k (train, export, serve, query)."""

import tempfile

COMMAND = "demo"
HELP = "MovieLens 100k end to end: fetch, train, export, serve, query over HTTP."


def add_arguments(parser):
    parser.add_argument("--workdir", help="where data, model and export go (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)


def run(args):
    from keras_o2v.demo import run_demo

    if args.workdir:
        run_demo(args.workdir, seed=args.seed)
    else:
        with tempfile.TemporaryDirectory(prefix="o2v-demo-") as workdir:
            run_demo(workdir, seed=args.seed)
    return 0
