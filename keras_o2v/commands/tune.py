"""`o2v tune`: hyperparameter search; every trial is an `o2v train` job.

Example:
    o2v tune --train train.jsonl --validation val.jsonl --objective validation:accuracy \\
        --max-trials 20 --strategy bayesian --tuning-dir hpo/ \\
        enc0_max_seq_len=82 enc0_vocab_size=43533 num_classes=3 \\
        enc_dim=16:1024:log learning_rate=1e-4:1e-1:log mlp_layers=1:4 optimizer=adam,sgd
"""


from keras_o2v.commands._common import hyperparameter_map

COMMAND = "tune"
HELP = "Search hyperparameters with KerasTuner (random, bayesian, hyperband); trials are jobs."


def add_arguments(parser):
    parser.add_argument("--train", required=True, nargs="+", help="train channel: files or folders")
    parser.add_argument("--validation", required=True, nargs="+",
                        help="validation channel: files or folders")
    parser.add_argument("--test", nargs="+", help="test channel: files or folders")
    parser.add_argument("--auxiliary", help="folder with vocab and pretrained embedding files")
    parser.add_argument("--objective", required=True,
                        help="SageMaker metric: validation:accuracy (maximised), "
                             "validation:cross_entropy or validation:mean_squared_error "
                             "(minimised), or test:...; keras_o2v's ranking metrics "
                             "validation:hits_at_10, validation:mrr, validation:auc (maximised), "
                             "validation:mean_rank (minimised), "
                             "validation:retrieval_cross_entropy")
    parser.add_argument("--max-trials", type=int, default=10, help="number of trials (default 10)")
    parser.add_argument("--strategy", default="bayesian", choices=["random", "bayesian", "hyperband"],
                        help="search strategy (default bayesian)")
    parser.add_argument("--tuning-dir", required=True,
                        help="output folder: trials/<id>/, results.csv/json (resumed when rerun)")
    parser.add_argument("--hyperparameters", help="JSON file of name -> value or range")
    parser.add_argument("--no-default-ranges", action="store_true",
                        help="tune only the ranges given, not SageMaker's recommended ranges")
    parser.add_argument("--seed", type=int, help="seed for the oracle and every trial")
    parser.add_argument("hyperparameter", nargs="*", metavar="name=range",
                        help="fixed values (enc0_max_seq_len=1) or ranges: low:high[:log], "
                             "a,b,c (comparator_list: a|b)")


def run(args):
    from keras_o2v.tuning import tune

    values = hyperparameter_map(args.hyperparameters, args.hyperparameter)
    result = tune(values, train=args.train, validation=args.validation, test=args.test,
                  auxiliary=args.auxiliary, tuning_dir=args.tuning_dir, objective=args.objective,
                  max_trials=args.max_trials, strategy=args.strategy,
                  default_ranges=not args.no_default_ranges, seed=args.seed)
    return 0 if result.best is not None else 1
