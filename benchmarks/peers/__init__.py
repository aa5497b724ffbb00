"""Peers of the benchmarks. Most run in their own virtualenvs (see benchmarks/envs.py);
`topk_metrics` and `sentence_baselines` run in keras_o2v's (NumPy, SciPy, scikit-learn)."""
