"""Shared pytest configuration and fixtures.

The default suite uses tiny models and data and runs in-process; a test starts a
process only where the process boundary is what it tests (a job killed with SIGKILL,
MultiWorkerMirroredStrategy workers, logical devices made before TensorFlow starts,
`o2v serve`, the demo's server, a fresh interpreter's imports, the notebooks' kernels).
`@pytest.mark.large` marks what needs minutes or the network: full-size training and
benchmarks, real data-set downloads, notebooks at full size, and second multi-process
checks of what a default test already covers (a search killed mid-trial, row_sparse
under MirroredStrategy); `--run_large` runs them.

The session-wide fixtures below are built once and shared by every test file that
asks for them; the helpers they use are in `tests/harness.py`.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest  # noqa: E402

from tests.harness import modular_match_pairs, write_jsonl  # noqa: E402


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


@pytest.fixture(scope="session")
def pair_channels(tmp_path_factory):
    """Train / validation / test JSON Lines of `modular_match_pairs` (2,000 / 400 / 400)."""
    folder = tmp_path_factory.mktemp("pair_channels")
    return {
        "train": write_jsonl(folder / "train.jsonl", modular_match_pairs(2000, seed=1)),
        "validation": write_jsonl(folder / "validation.jsonl", modular_match_pairs(400, seed=2)),
        "test": write_jsonl(folder / "test.jsonl", modular_match_pairs(400, seed=3)),
    }


@pytest.fixture(scope="session")
def tiny_bilstm_export(tmp_path_factory):
    """`(model, version_dir)`: a tiny bilstm model (seed 4) exported once for the session."""
    from tests.harness import export_tiny

    return export_tiny(tmp_path_factory.mktemp("tiny_bilstm") / "o2v", network="bilstm", seed=4)


@pytest.fixture(scope="session")
def served_tiny_model(tiny_bilstm_export):
    """`(model, url)`: `tiny_bilstm_export` served by `o2v serve` in a thread of this process."""
    import keras_o2v_serving as serving

    model, version_dir = tiny_bilstm_export
    config = serving.ServerConfig(model_base_path=os.path.dirname(version_dir),
                                  max_request_bytes=64 * 1024)
    with serving.BackgroundServer(config) as background:
        yield model, background.url
