"""Shared pytest configuration: `--run_large` enables slow or network tests."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest  # noqa: E402


def pytest_addoption(parser):
    parser.addoption(
        "--run_large",
        action="store_true",
        default=False,
        help="Run large tests (full-size training, network access, benchmarks).",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "large: slow or network test, skipped unless --run_large")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run_large"):
        return
    skip_large = pytest.mark.skip(reason="needs --run_large")
    for item in items:
        if "large" in item.keywords:
            item.add_marker(skip_large)
