"""Re-execute the notebooks in ``notebooks/`` and save them with their outputs.

    python scripts/run_notebooks.py                  # every notebook, full size, in place (to commit)
    python scripts/run_notebooks.py 02_bootstrap     # one (or a few) of them, by name or file
    python scripts/run_notebooks.py --smoke --out /tmp/nb   # small sizes, into another folder

Each notebook runs in a fresh kernel of this interpreter (``sys.executable``, whatever kernelspecs
are installed), from a temporary working folder, with ``RJ_NOTEBOOK_SMOKE=1`` under ``--smoke``
(the notebooks' parameters cell shrinks replicates, draws and designs), ``JAX_PLATFORMS=cpu``
unless set (the committed outputs are CPU numbers), and IPython's, Jupyter's and matplotlib's
folders in that temporary folder: nothing is written into ``$HOME`` or into the repository but
the notebooks themselves. Execution timestamps are not recorded and the notebook's kernelspec is
the plain ``python3`` one, so that re-running unchanged code gives small diffs. The tests
(``tests/test_notebooks.py``) call :func:`execute` at smoke size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def notebooks(names=()) -> list[Path]:
    """The notebooks to run: all of ``notebooks/*.ipynb`` in order, or those named (a stem, a file
    name or a path)."""
    every = sorted(NOTEBOOKS.glob("*.ipynb"))
    if not names:
        return every
    out = []
    for n in names:
        p = Path(n)
        hit = [q for q in every if q.stem == p.stem or q.name == p.name or q.stem.startswith(p.stem)]
        if p.suffix == ".ipynb" and p.exists():
            hit = [p.resolve()]
        if len(hit) != 1:
            raise SystemExit(f"no single notebook matches {n!r}; notebooks: {[q.name for q in every]}")
        out.append(hit[0])
    return out


def _kernel_manager(work: Path):
    """A kernel manager whose kernel is this interpreter (a kernelspec written into ``work``: the
    installed ``python3`` spec may name another ``python`` on the PATH)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec_dir = work / "kernels" / "rj-notebook"
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": KERNELSPEC["display_name"], "language": "python", "metadata": {"debugger": False},
    }), encoding="utf-8")
    ksm = KernelSpecManager(kernel_dirs=[str(work / "kernels")], ensure_native_kernel=False)
    km = KernelManager(kernel_name="rj-notebook", kernel_spec_manager=ksm)
    km.connection_file = str(work / "kernel-connection.json")  # not in Jupyter's runtime folder under $HOME
    ipc = str(work / "kernel-ipc")
    if sys.platform != "win32" and len(ipc) < 90:  # local sockets (paths under ~100 bytes): no TCP ports, no warning
        km.transport, km.ip = "ipc", ipc
    return km


def fast_compile_flags() -> str:
    """``XLA_FLAGS`` with the ``resilience-jax`` executable's compile settings
    (:func:`resilience_jax.cli.fast_compile`: codegen level 0 and, on the jaxlib versions that have
    the flag, XLA:CPU's legacy emitters), added to this process's own flags, which win; this
    process's environment is left as it was."""
    from resilience_jax.cli import fast_compile

    old = os.environ.get("XLA_FLAGS")
    try:
        fast_compile(0)
        return os.environ["XLA_FLAGS"]
    finally:
        if old is None:
            os.environ.pop("XLA_FLAGS", None)
        else:
            os.environ["XLA_FLAGS"] = old


def kernel_env(work: Path, *, smoke: bool, extra: dict | None = None) -> dict:
    """The kernel's environment: this process's, the notebooks' size switch, and every cache or
    configuration folder a kernel might write to inside ``work``. At smoke size the kernel also
    compiles as the ``resilience-jax`` executable does (:func:`fast_compile_flags`: about half the
    compile time, numbers equal to ~1e-12); full-size runs keep XLA's defaults, as a user's
    notebook session has them."""
    env = dict(os.environ)
    env.setdefault("JAX_PLATFORMS", "cpu")
    env["RJ_NOTEBOOK_SMOKE"] = "1" if smoke else "0"
    if smoke:
        env["XLA_FLAGS"] = fast_compile_flags()
    env["RJ_REPO_ROOT"] = str(ROOT)
    for var, sub in (("MPLCONFIGDIR", "matplotlib"), ("IPYTHONDIR", "ipython"), ("JUPYTER_RUNTIME_DIR", "jupyter/runtime"),
                     ("JUPYTER_DATA_DIR", "jupyter/data"), ("JUPYTER_CONFIG_DIR", "jupyter/config"),
                     ("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"), ("RESILIENCE_JAX_CACHE_DIR", "xla")):
        env[var] = str(work / sub)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # ipykernel's debugger note about frozen modules, on stderr
    env.pop("MPLBACKEND", None)  # ipykernel picks the inline backend
    env.update(extra or {})
    return env


def clean(nb) -> None:
    """Drop what changes from run to run without the code changing: timing metadata, the kernel's
    temporary name."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)


def execute(path: Path, out: Path | None = None, *, smoke: bool = False, timeout: int = 600,
            work: Path | None = None, env: dict | None = None):
    """Execute one notebook in a fresh kernel and write it (with its outputs) to ``out`` (default:
    in place). Returns ``(notebook, seconds)``; a cell error raises ``nbclient``'s
    ``CellExecutionError`` (the notebook, with the error, is still written to ``out``).

    ``work`` is the kernel's working and scratch folder (default: a temporary one, removed after);
    ``env`` adds or overrides kernel environment variables."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    out = Path(out) if out is not None else path
    own = work is None
    work = Path(tempfile.mkdtemp(prefix="rj-notebook-")) if own else Path(work)
    work.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, km=_kernel_manager(work), record_timing=False, allow_errors=False,
                            resources={"metadata": {"path": str(work)}})
    t0 = time.perf_counter()
    try:
        # cleanup_kc: shut the kernel down after the run (nbclient leaves a kernel it did not create running)
        client.execute(cleanup_kc=True, env=kernel_env(work, smoke=smoke, extra=env), cwd=str(work))
    finally:
        seconds = time.perf_counter() - t0
        clean(nb)
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)
        if own:
            shutil.rmtree(work, ignore_errors=True)
    return nb, seconds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="notebooks to run (stem, file name or path; default: all)")
    ap.add_argument("--smoke", action="store_true", help="small sizes (RJ_NOTEBOOK_SMOKE=1), as the tests run them")
    ap.add_argument("--out", type=Path, help="write the executed notebooks into this folder (default: in place)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    args = ap.parse_args(argv)
    failed = []
    for path in notebooks(args.names):
        target = args.out / path.name if args.out else path
        try:
            _, seconds = execute(path, target, smoke=args.smoke, timeout=args.timeout)
        except Exception as e:  # noqa: BLE001  (report every notebook, then fail)
            failed.append(path.name)
            print(f"{path.name}: FAILED ({type(e).__name__}); see {target}\n{e}", file=sys.stderr)
            continue
        print(f"{path.name}: {seconds:.1f} s -> {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
