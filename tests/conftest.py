"""Shared pytest setup.

The data mirror: when DNACOURSE_MIRROR is unset and ``<repo>/../shared/data`` exists, tests use it
(CI sets DNACOURSE_MIRROR itself). Tests that need it take the ``mirror`` fixture, which skips otherwise.
"""

import os
from pathlib import Path

import pytest
import torch

_DEFAULT_MIRROR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
if not os.environ.get("DNACOURSE_MIRROR") and _DEFAULT_MIRROR.is_dir():
    os.environ["DNACOURSE_MIRROR"] = str(_DEFAULT_MIRROR)


@pytest.fixture
def mirror() -> Path:
    """The data mirror folder; skips the test when there is none."""
    path = Path(os.environ.get("DNACOURSE_MIRROR", "")).expanduser()
    if not os.environ.get("DNACOURSE_MIRROR") or not path.is_dir():
        pytest.skip("no data mirror: set DNACOURSE_MIRROR to a copy of shared/data (see its PROVENANCE.md)")
    return path


@pytest.fixture
def tmp_data_dir(tmp_path, monkeypatch) -> Path:
    """An empty, temporary DNACOURSE_DATA_DIR, so no test writes into the checkout's data/ folder."""
    path = tmp_path / "data_cache"
    monkeypatch.setenv("DNACOURSE_DATA_DIR", str(path))
    return path


@pytest.fixture(scope="module")
def one_thread():
    """One PyTorch thread for a test module (``pytestmark = pytest.mark.usefixtures("one_thread")``):
    tiny models gain nothing from threads, and one thread keeps a busy 2-core machine responsive."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
