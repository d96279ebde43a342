"""The kernels' on-disk cache follows every file of w2v.kernels, not only the kernel's own:
a kernel's machine code holds the helpers it inlines from the other files."""

import shutil
import subprocess
import sys
from pathlib import Path

import w2v

PROBE = """\
from numba import njit

from w2v.kernels.sampling import clamp


@njit(cache=True)
def probe(x):
    return clamp(x)
"""


def test_an_edit_of_an_inlined_helper_recompiles_the_cached_kernel(tmp_path):
    package = tmp_path / "w2v"
    shutil.copytree(Path(w2v.__file__).parent, package,
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    (package / "kernels" / "probe.py").write_text(PROBE)
    run = [sys.executable, "-c", "from w2v.kernels.probe import probe; print(probe(100.0))"]

    def probe():
        done = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, check=True)
        return float(done.stdout)

    assert probe() == 20.0  # compiled: clamped to sampling.MAX_SCORE
    assert probe() == 20.0  # loaded from the cache
    assert list((package / "kernels" / "__pycache__").glob("probe.probe-*.nbi"))
    sampling = package / "kernels" / "sampling.py"
    before, after = "MAX_SCORE = np.float32(20.0)", "MAX_SCORE = np.float32(30.0)"
    text = sampling.read_text()
    assert before in text
    sampling.write_text(text.replace(before, after))
    assert probe() == 30.0  # probe.py is unchanged; its cache is stale all the same
