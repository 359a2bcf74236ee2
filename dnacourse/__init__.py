"""dnacourse: the helper package of a notebook-first course on deep learning for DNA sequences.

    import dnacourse as dc
    x = dc.encoding.one_hot(["ACGT", "ACGTN"])     # (2, 4, 5) float32

The modules, one idea each (loaded on first use, so ``import dnacourse`` is fast):

* both tracks: ``runtime`` (device, seeds, run mode, folders), ``encoding``, ``augment``, ``data``
  (dataset registry, downloads, loaders, ``SequenceData``), ``train`` (the one training loop),
  ``metrics``, ``plots``, ``interpret``, ``reference`` (published numbers), ``results`` (saving a
  notebook's results), ``cost`` (FLOPs, GPU-minute estimates, memory), ``exercises``;
* gene families (notebooks 01-11): ``splits`` (leak-free splits), ``models`` (the seven
  classifiers, from-scratch cells, ``build`` for every model), ``classify`` (train and score one
  classifier on one split);
* promoters (notebooks 12-18): ``legnet`` (LegNet and its four extensions), ``promoters``
  (LegNet's input, loss, prediction, recipe and evaluation on the DREAM data), ``challenge`` (the
  DREAM 2022 challenge's own weighted score, paired subsets on alt - ref differences).

Maintainer tools (notebook runner, README rendering, benchmark CLI, student edition) live in
``dnacourse.tools``, which ``import dnacourse`` does not load.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# The project's git repository and the ref (branch, tag or commit) Colab opens and installs. Every
# notebook's "Open in Colab" badge and its Colab setup cell name them (tests/test_project.py checks
# that they agree); `python -m dnacourse set-repo OWNER/NAME --ref REF` rewrites all of them.
REPO_URL = "https://github.com/dnacourse/dnacourse"
BRANCH = "main"

MODULES = ("augment", "challenge", "classify", "cost", "data", "encoding", "exercises", "interpret", "legnet",
           "metrics", "models", "plots", "promoters", "reference", "results", "runtime", "splits",
           "train")

__all__ = ["REPO_URL", "BRANCH", "colab_url", "pip_spec", *MODULES]


def __getattr__(name: str):
    """``dc.models`` and friends: import the submodule the first time it is used."""
    if name in MODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'dnacourse' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def colab_url(notebook: str) -> str:
    """The Colab address of a notebook in this repository.

    >>> colab_url("00_start_here.ipynb").endswith(f"/blob/{BRANCH}/notebooks/00_start_here.ipynb")
    True
    """
    slug = REPO_URL.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{slug}/blob/{BRANCH}/notebooks/{notebook}"


def pip_spec() -> str:
    """What the Colab setup cell installs: this package straight from the git repository.

    >>> pip_spec().startswith("dnacourse @ git+https://")
    True
    """
    return f"dnacourse @ git+{REPO_URL}@{BRANCH}"
