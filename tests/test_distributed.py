"""Multi-process runs on JAX's multi-controller runtime (two local processes, localhost
coordinator, gloo collectives on the CPU) give the numbers of one process: the bootstrap's
replicates (tables path and gathered rows), a weights study and a Sobol study, from the library and
from the command line's ``--distributed``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import resilience_jax as rj
from resilience_jax.cli import main

# each process: the library's bootstrap (both paths) and sensitivity studies, then the executable's
# entry point with --distributed (the runtime is already joined: its call is a no-op), which ends
# the process through os._exit after every process is done
SCRIPT = """
import sys, numpy as np, resilience_jax as rj
from resilience_jax.bootstrap.driver import init_distributed, is_writer
from resilience_jax.cli import console_main
rank, count = init_distributed()  # from the environment, as a cluster job gives it
assert count == 2 and is_writer() == (rank == 0)
r = rj.bootstrap(n_boot=53, seed=9, chunk_size=20)
g = rj.bootstrap(n_boot=53, seed=9, chunk_size=20, path="general")
w = rj.sensitivity(n=300, seed=5, chunk_size=64)
s = rj.sensitivity(study="sobol", n=32, seed=2, chunk_size=256)
np.savez(sys.argv[1], draws=r.draws.to_numpy(), mult=r.multiplicities, general=g.draws.to_numpy(),
         w=w.tidy().to_numpy(float), sobol=s.tidy()[["beta", "ab", "share"]].to_numpy(float))
sys.argv = ["resilience-jax", "bootstrap", "--n-boot", "400", "--seed", "3", "--chunk-size", "128", "--distributed",
            "--out", sys.argv[2]]
console_main()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("distributed")
    env = dict(os.environ, JAX_PLATFORMS="cpu", JAX_COORDINATOR_ADDRESS=f"localhost:{_free_port()}",
               JAX_NUM_PROCESSES="2", MPLBACKEND="Agg")
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp / f"rank{r}.npz"), str(tmp / f"out{r}")],
                              env=dict(env, JAX_PROCESS_ID=str(r)), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for r in (0, 1)]
    logs = []
    try:
        for p in procs:
            logs.append(p.communicate(timeout=600)[0])
    except subprocess.TimeoutExpired:
        for p in procs:
            p.kill()
        pytest.fail("the two processes did not finish in 600 s:\n" + "\n".join(p.communicate()[0][-2000:] for p in procs))
    assert [p.returncode for p in procs] == [0, 0], "\n".join(logs)[-4000:]
    return tmp, logs


def test_two_processes_give_the_numbers_of_one(two_processes):
    tmp, _ = two_processes
    panel = rj.load_panel()
    one = rj.bootstrap(panel, n_boot=53, seed=9, chunk_size=20)
    general = rj.bootstrap(panel, n_boot=53, seed=9, chunk_size=20, path="general")
    w = rj.sensitivity(panel, n=300, seed=5, chunk_size=64).tidy().to_numpy(float)
    s = rj.sensitivity(panel, study="sobol", n=32, seed=2, chunk_size=256).tidy()[["beta", "ab", "share"]]
    # to 1e-12, absolute and relative (a replicate's share a*b/c reaches 15: its last bits are ~1e-15
    # relative; two processes' executables may differ from this one's in the last bits, as two
    # compilations can)
    for r in (0, 1):  # every process holds the whole result
        got = np.load(tmp / f"rank{r}.npz")
        np.testing.assert_array_equal(got["mult"], one.multiplicities)  # the same draws
        np.testing.assert_allclose(got["draws"], one.draws.to_numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got["general"], general.draws.to_numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got["w"], w, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got["sobol"], s.to_numpy(float), rtol=1e-12, atol=1e-12)


def test_cli_distributed_process_zero_writes_the_one_process_outputs(two_processes, tmp_path, capsys):
    tmp, logs = two_processes
    assert not (tmp / "out1").exists() or not any((tmp / "out1").iterdir())  # rank 1 writes nothing
    assert "Wrote:" in logs[0] and "Wrote:" not in logs[1]
    assert main(["bootstrap", "--n-boot", "400", "--seed", "3", "--chunk-size", "128", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in (tmp / "out0").iterdir()) == sorted(p.name for p in tmp_path.iterdir())
    two = pd.read_parquet(tmp / "out0" / "bootstrap_cluster_mediation_REIC_draws.parquet")
    one = pd.read_parquet(tmp_path / "bootstrap_cluster_mediation_REIC_draws.parquet")
    pd.testing.assert_frame_equal(two, one, check_exact=False, rtol=1e-12, atol=1e-12)
    assert (np.load(tmp / "out0" / "bootstrap_cluster_mediation_REIC_weights.npz")["multiplicities"]
            == np.load(tmp_path / "bootstrap_cluster_mediation_REIC_weights.npz")["multiplicities"]).all()


def test_bad_settings_are_named():
    from resilience_jax.bootstrap.driver import init_distributed
    from resilience_jax.errors import EstimationError

    with pytest.raises(EstimationError, match="process_id must be between 0 and num_processes - 1 = 1, got 2"):
        init_distributed("localhost:1", num_processes=2, process_id=2)
