"""The notebooks: built from their sources, committed without outputs, and run top to bottom.

Each notebook is executed by a real Jupyter kernel (nbclient) with
`O2V_NOTEBOOK_SIZE=small`; any cell error fails its test. The kernel gets the repository
root on `PYTHONPATH`, so it imports this checkout's keras_o2v. The small settings download
MovieLens 100k (2 MB) and 20 Newsgroups (about 25 MB) once into the dataset cache; GloVe
is only fetched at full size.
"""

import json
import os
import pathlib
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = sorted(path.stem for path in (NOTEBOOKS / "src").glob("*.py"))
# Notebooks that draw figures, and must therefore show at least one image.
WITH_PLOTS = {"02_movie_recommendation", "03_newsgroups_documents"}
CELL_TIMEOUT_S = {"small": 600, "full": 3600}


def test_every_source_has_a_notebook():
    assert len(NAMES) >= 4, NAMES
    for name in NAMES:
        assert (NOTEBOOKS / f"{name}.ipynb").exists(), f"run python notebooks/build.py ({name})"


def test_notebooks_are_built_from_their_sources():
    result = subprocess.run([sys.executable, str(NOTEBOOKS / "build.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_without_outputs(name):
    notebook = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, (
                f"{name}: cell {cell['id']} has outputs; notebooks are committed stripped")


def run_notebook(name, size, tmp_path, monkeypatch):
    """Executes notebook `name` at `size` in a fresh kernel; returns (notebook, seconds)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("O2V_NOTEBOOK_SIZE", size)
    monkeypatch.setenv("O2V_NOTEBOOK_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    client = nbclient.NotebookClient(
        notebook, timeout=CELL_TIMEOUT_S[size], kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}})
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    elapsed = time.perf_counter() - started
    (tmp_path / "executed.ipynb").write_text(json.dumps(notebook))
    print(f"{name} ({size}): {elapsed:.1f} s")
    return notebook, elapsed


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name, tmp_path, monkeypatch):
    notebook, _ = run_notebook(name, "small", tmp_path, monkeypatch)
    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    if name in WITH_PLOTS:
        assert any("image/png" in o.get("data", {}) for o in outputs), f"{name} drew no figure"


@pytest.mark.large
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_at_full_size(name, tmp_path, monkeypatch):
    """The real experiment (downloads GloVe, about 300 MB, on first use; minutes each)."""
    run_notebook(name, "full", tmp_path, monkeypatch)
