"""`o2v train`: a whole training job with SageMaker's channels and hyperparameter names.

Example:
    o2v train --train train.jsonl --validation val.jsonl --test test.jsonl \\
        --model-dir out/ enc0_network=pooled_embedding enc0_max_seq_len=1 \\
        enc0_vocab_size=944 enc1_vocab_size=1684 output_layer=mean_squared_error
"""


from keras_o2v.commands._common import hyperparameter_map

COMMAND = "train"
HELP = "Train an Object2Vec model (SageMaker-compatible hyperparameters and channels)."


def add_arguments(parser):
    parser.add_argument("--train", required=True, nargs="+", help="train channel: files or folders")
    parser.add_argument("--validation", nargs="+", help="validation channel: files or folders")
    parser.add_argument("--test", nargs="+", help="test channel: files or folders")
    parser.add_argument("--auxiliary", help="folder with vocab and pretrained embedding files")
    parser.add_argument("--pooling-corpus", nargs="+",
                        help="records whose objects give the encN_pooling=idf|sif token weights "
                             "(default: the train channel)")
    parser.add_argument("--model-dir", required=True, help="output folder (resumed when rerun)")
    parser.add_argument("--hyperparameters", help="JSON file of name -> value (SageMaker map)")
    parser.add_argument("--gpus", help="'all' (default) or the number of GPUs (0: the CPU)")
    parser.add_argument("--devices", help="instead of --gpus: cpu:N trains with MirroredStrategy "
                                          "on N logical CPU devices, gpu:N on the first N GPUs")
    parser.add_argument("--no-resume", action="store_true", help="start over, ignoring checkpoints")
    parser.add_argument("--seed", type=int, help="seed for repeatable runs (a resumed job "
                                                 "repeats the uninterrupted one's numbers)")
    parser.add_argument("--progress-seconds", type=float, default=30,
                        help="when the output is not a terminal, a progress line every this many "
                             "seconds (default 30; 0: epoch lines only)")
    parser.add_argument("hyperparameter", nargs="*", metavar="name=value",
                        help="hyperparameters; they override --hyperparameters")


def run(args):
    from keras_o2v.training import train

    values = hyperparameter_map(args.hyperparameters, args.hyperparameter)
    train(values, train=args.train, validation=args.validation, test=args.test,
          auxiliary=args.auxiliary, model_dir=args.model_dir, gpus=args.gpus, devices=args.devices,
          resume=not args.no_resume, seed=args.seed, progress_seconds=args.progress_seconds,
          pooling_corpus=args.pooling_corpus)
    return 0
