"""Peer-library runners; each runs in its own virtualenv (see benchmarks/envs.py)."""
