"""The notebooks: built from their sources, committed with a full-size run's outputs, and run
top to bottom.

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
def test_notebook_is_committed_with_the_outputs_of_a_full_size_run(name):
    """What a reader sees on GitHub is a real run: every code cell ran once, in order, in
    one kernel at full size (`python notebooks/build.py --execute NAME`), none failed, and
    the notebooks that plot show their figures."""
    notebook = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4
    run = notebook["metadata"].get("keras_o2v", {})
    assert run.get("size") == "full", (
        f"{name}: run python notebooks/build.py --execute {name} (metadata: {run})")
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert [cell["execution_count"] for cell in code] == list(range(1, len(code) + 1)), (
        f"{name}: cells were not run once each, top to bottom")
    outputs = [output for cell in code for output in cell["outputs"]]
    errors = [output for output in outputs if output["output_type"] == "error"]
    assert not errors, f"{name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    if name in WITH_PLOTS:
        assert any("image/png" in output.get("data", {}) for output in outputs), (
            f"{name} shows no figure")


def load_build_script():
    import importlib.util
    spec = importlib.util.spec_from_file_location("notebook_build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_markdown_edit_keeps_the_outputs_and_a_code_edit_drops_them():
    build = load_build_script()
    source = '"""\nTitle: T\n"""\n\nx = 1\n\n"""\nSome text.\n"""\n\nprint(x)\n'
    ran = build.to_notebook(build.parse_source(source), "t")
    for count, cell in enumerate((c for c in ran["cells"] if c["cell_type"] == "code"), 1):
        cell["execution_count"], cell["outputs"] = count, [{"output_type": "stream",
                                                            "name": "stdout", "text": ["1\n"]}]
    ran["metadata"]["keras_o2v"] = {"size": "full", "seconds": 3}
    edited_text = build.to_notebook(build.parse_source(source.replace("Some", "Other")), "t")
    kept = build.carry_outputs(ran, edited_text)
    assert [c["execution_count"] for c in kept["cells"] if c["cell_type"] == "code"] == [1, 2]
    assert kept["metadata"]["keras_o2v"] == {"size": "full", "seconds": 3}
    assert "Other text." in "".join(kept["cells"][2]["source"])
    edited_code = build.to_notebook(build.parse_source(source.replace("x = 1", "x = 2")), "t")
    dropped = build.carry_outputs(ran, edited_code)
    assert all(c["outputs"] == [] for c in dropped["cells"] if c["cell_type"] == "code")
    assert "keras_o2v" not in dropped["metadata"]


def run_notebook(name, size, tmp_path, monkeypatch):
    """Executes notebook `name` at `size` in a fresh kernel; returns (notebook, seconds)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("O2V_NOTEBOOK_SIZE", size)
    monkeypatch.setenv("O2V_NOTEBOOK_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
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
