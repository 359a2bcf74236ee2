"""Where the course runs: device, seeds, quick mode, Colab, data directory, the machine.

Every notebook starts with::

    import dnacourse as dc
    dc.runtime.report()          # prints device, mode and data folders
    MODE = dc.runtime.mode()     # "quick", "cpu" or "full" (write MODE = "cpu" to choose one)

Three run modes (``mode()``): ``quick`` (CI: small real subsets, seconds), ``cpu`` (a laptop without a
GPU: the same experiments at a scale that learns for real in minutes), ``full`` (a GPU such as Colab's T4:
the faithful configuration).
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import random
import sys
from pathlib import Path

import numpy as np
import torch

QUICK_ENV = "DNACOURSE_QUICK"
MODE_ENV = "DNACOURSE_MODE"
MODES = ("quick", "cpu", "full")
DATA_DIR_ENV = "DNACOURSE_DATA_DIR"
BUILD_DIR_ENV = "DNACOURSE_BUILD_DIR"
DRIVE_FOLDER = "/content/drive/MyDrive/dnacourse"   # where use_drive() keeps the work on Colab
MIRROR_ENV = "DNACOURSE_MIRROR"

_TRUE = {"1", "true", "yes", "on"}


def mode(choice: str | None = None) -> str:
    """The run mode: ``"quick"``, ``"cpu"`` or ``"full"``.

    ``choice`` (a notebook's override) wins; then ``$DNACOURSE_MODE``; then ``quick`` when
    ``$DNACOURSE_QUICK`` is 1 (what CI and nbval set); else ``full`` when a CUDA GPU is present and
    ``cpu`` otherwise (an Apple GPU counts as ``cpu``: the course's choice, its full-mode sizes were
    set for a T4).

    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"DNACOURSE_QUICK": "1", "DNACOURSE_MODE": ""}):
    ...     mode(), mode("cpu")
    ('quick', 'cpu')
    >>> mode("fast")
    Traceback (most recent call last):
    ...
    ValueError: mode must be 'quick', 'cpu' or 'full', got 'fast'
    """
    if choice is None:
        env = os.environ.get(MODE_ENV, "").strip().lower()
        if env:
            if env not in MODES:
                raise ValueError(f"{MODE_ENV}={os.environ[MODE_ENV]!r}: must be quick, cpu or full (or unset)")
            return env
        if os.environ.get(QUICK_ENV, "").strip().lower() in _TRUE:
            return "quick"
        return "full" if torch.cuda.is_available() else "cpu"
    if choice not in MODES:
        raise ValueError(f"mode must be 'quick', 'cpu' or 'full', got {choice!r}")
    return choice


def quick() -> bool:
    """True in quick mode (``mode() == "quick"``): ``DNACOURSE_QUICK=1`` or ``DNACOURSE_MODE=quick``.

    Quick mode is what CI and nbval use: small real subsets, one or two epochs.

    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"DNACOURSE_QUICK": "1", "DNACOURSE_MODE": ""}):
    ...     quick()
    True
    """
    return mode() == "quick"


def in_colab() -> bool:
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def device() -> torch.device:
    """The best available device: CUDA, then Apple's MPS, then the CPU.

    >>> device().type in {"cuda", "mps", "cpu"}
    True
    """
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python, NumPy and PyTorch (all devices); return a fresh NumPy ``Generator``.

    Same seed, same CPU results. (CUDA kernels may still differ in the last bits.)

    >>> a = seed_everything(1).random(); b = seed_everything(1).random(); a == b
    True
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
    if not 0 <= seed < 2**63:
        raise ValueError(f"seed must be an int from 0 to 2**63 - 1, got {seed}")
    seed = int(seed)  # a NumPy integer (np.int64 from an array) is fine too; random.seed wants an int
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def _checkout_root() -> Path | None:
    """The project checkout this package was imported from, or None when pip-installed."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir():
        return root
    return None


def data_dir() -> Path:
    """Folder where downloaded datasets are cached (created if missing).

    ``$DNACOURSE_DATA_DIR`` if set; else ``data/`` of the checkout; else (package installed with
    pip, e.g. on Colab) the user cache folder, such as ``~/.cache/dnacourse``.
    """
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        path = Path(env).expanduser()
    elif (root := _checkout_root()) is not None:
        path = root / "data"
    else:
        import pooch

        path = Path(pooch.os_cache("dnacourse"))
    where = f"{DATA_DIR_ENV}={env}" if env else f"the data cache folder {path}"
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{where} is a file, not a folder: point {DATA_DIR_ENV} at a folder (it is "
                                 "created if missing), or unset it")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OSError(f"{where}: cannot create that folder ({err}); set {DATA_DIR_ENV} to a folder you "
                      "can write to") from err
    return path


def mirror_dir() -> Path | None:
    """A local copy of the datasets that stands in for the network (``$DNACOURSE_MIRROR``), or None."""
    env = os.environ.get(MIRROR_ENV)
    return Path(env).expanduser() if env else None


def build_dir() -> Path:
    """Folder for checkpoints, saved results, executed notebooks and benchmark output (created if
    missing): ``$DNACOURSE_BUILD_DIR`` if set (``use_drive`` sets it), else the checkout's git-ignored
    ``build/``, else ``build/`` in the current folder."""
    env = os.environ.get(BUILD_DIR_ENV)
    if env:
        path = Path(env).expanduser()
    else:
        root = _checkout_root()
        path = (root if root is not None else Path.cwd()) / "build"
    path.mkdir(parents=True, exist_ok=True)
    return path


def use_drive(folder=None) -> Path:
    """Keep this notebook's work where a disconnect cannot lose it; return the folder.

    On Colab, without ``folder``: mounts Google Drive (Colab asks for permission) and uses
    ``MyDrive/dnacourse``. Elsewhere, or to choose: any folder (a synced or network folder). Sets
    ``$DNACOURSE_BUILD_DIR`` (checkpoints, saved results) to ``<folder>/build`` and
    ``$DNACOURSE_DATA_DIR`` (downloaded data) to ``<folder>/data`` for the rest of this kernel, so
    call it before anything trains or downloads. A run interrupted by a disconnect resumes from its
    last checkpoint there: run the notebook again after reconnecting, and call this first again.
    """
    if folder is None:
        if not in_colab():
            raise RuntimeError("use_drive() without a folder mounts Google Drive, which only works on Colab; "
                               "elsewhere pass the folder to keep the work in, e.g. use_drive('~/dnacourse-work')")
        from google.colab import drive  # Colab only

        drive.mount("/content/drive")
        folder = DRIVE_FOLDER
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"use_drive: {folder} is a file, not a folder")
    for name, env in (("build", BUILD_DIR_ENV), ("data", DATA_DIR_ENV)):
        (folder / name).mkdir(parents=True, exist_ok=True)
        os.environ[env] = str(folder / name)
    print(f"checkpoints and results: {build_dir()}\ndownloaded data: {data_dir()}")
    return folder


def report() -> str:
    """Print (and return) where this notebook runs: device, mode, data folders.

    On Colab without a GPU it says how to switch the T4 on.
    """
    dev = device()
    lines = [f"dnacourse {sys.modules['dnacourse'].__version__} · torch {torch.__version__}"]
    if dev.type == "cuda":
        lines.append(f"device: cuda ({torch.cuda.get_device_name(0)})")
    elif dev.type == "mps":
        lines.append("device: mps (Apple GPU)")
    else:
        lines.append("device: cpu (no GPU found)")
        if in_colab():
            lines.append("  → Colab: Runtime ▸ Change runtime type ▸ T4 GPU, then run all cells again.")
        else:
            lines.append("  → quick and cpu modes run here; full mode wants a GPU (e.g. Colab's T4).")
    lines.extend(_mode_lines(dev))
    if in_colab() and not os.environ.get(BUILD_DIR_ENV):
        lines.append("work folder: /content, LOST when Colab recycles the runtime; to keep checkpoints and "
                     "results, set USE_DRIVE = True in the setup cell (dc.runtime.use_drive())")
    elif os.environ.get(BUILD_DIR_ENV):
        lines.append(f"checkpoints and results: {build_dir()}")
    try:
        lines.append(f"data cache: {data_dir()}")
    except OSError as err:  # say what is wrong and go on: the mirror may still serve every file
        lines.append(f"data cache: NOT USABLE: {err}")
    mirror = mirror_dir()
    if mirror is not None:
        lines.append(f"data mirror: {mirror}{'' if mirror.is_dir() else '  (NOT FOUND)'}")
    text = "\n".join(lines)
    print(text)
    return text


_MODE_WHAT = {"quick": "small real subsets, seconds: proves the code runs, its numbers are no finding",
              "cpu": "a scale that learns for real on a CPU, minutes per notebook",
              "full": "the faithful configuration, wants a GPU (a Colab T4 is enough)"}


def _mode_lines(dev: torch.device) -> list[str]:
    """What ``report`` says about the mode: which one, why, and how to change it in one line."""
    try:
        current = mode()
    except ValueError as err:
        return [f"mode: NOT SET ({err})"]
    if os.environ.get(MODE_ENV, "").strip():
        why = f"from {MODE_ENV}"
    elif current == "quick":
        why = f"from {QUICK_ENV}=1"
    else:
        why = "automatic: a CUDA GPU" if current == "full" else f"automatic: no CUDA GPU ({dev.type})"
    return [f"mode: {current} ({why}): {_MODE_WHAT[current]}",
            '  → to change it, write e.g. MODE = "quick" in the parameters cell (quick, cpu or full), '
            f"set {MODE_ENV} before starting Jupyter (Colab: %env {MODE_ENV}=quick, then run all)"]


def now() -> str:
    """The current time in UTC to the second, ISO 8601: the date stamp of saved results.

    >>> import datetime
    >>> datetime.datetime.fromisoformat(now()).utcoffset()
    datetime.timedelta(0)
    """
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _cpu_model() -> str:
    """The CPU's model name (Linux: from /proc/cpuinfo), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict:
    """Where results are measured: device type and name, CPU, core count, versions, data source.

    Nothing in it names a path or a host. ``device_name`` is the GPU's name on CUDA, else the CPU's.

    >>> sorted(machine())
    ['cpu', 'cpu_count', 'data', 'device', 'device_name', 'gpu', 'platform', 'python', 'threads', 'torch']
    """
    dev = device()
    gpu = torch.cuda.get_device_name(0) if dev.type == "cuda" else None
    mirror = mirror_dir()
    return {
        "device": dev.type,
        "device_name": gpu or ("Apple GPU (mps)" if dev.type == "mps" else _cpu_model()),
        "gpu": gpu,
        "cpu": _cpu_model(),
        "cpu_count": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "threads": torch.get_num_threads(),   # CPU threads PyTorch uses: CPU timings depend on it
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "data": "offline mirror" if mirror is not None and mirror.is_dir() else "downloads / cache",
    }
