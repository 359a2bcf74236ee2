"""dnacourse: the helper package of a notebook-first course on deep learning for DNA sequences.

    import dnacourse as dc
    x = dc.encoding.one_hot(["ACGT", "ACGTN"])     # (2, 4, 5) float32
"""

__version__ = "0.1.0"

# The project's git repository. Every notebook's "Open in Colab" badge and its Colab setup cell
# are built from this one constant (tests/test_notebooks_meta.py checks that they agree).
REPO_URL = "https://github.com/dnacourse/dnacourse"
BRANCH = "main"

from . import (  # noqa: E402
    augment,
    bench,
    data,
    encoding,
    exercises,
    interpret,
    metrics,
    models,
    plots,
    reference,
    reproduce,
    runtime,
    train,
)

__all__ = ["REPO_URL", "BRANCH", "augment", "bench", "data", "encoding", "exercises", "interpret", "metrics", "models", "plots", "reference",
           "reproduce", "runtime", "train", "colab_url", "pip_spec"]


def colab_url(notebook: str) -> str:
    """The Colab address of a notebook in this repository, e.g. ``colab_url("00_start_here.ipynb")``."""
    slug = REPO_URL.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{slug}/blob/{BRANCH}/notebooks/{notebook}"


def pip_spec() -> str:
    """What the Colab setup cell installs: this package straight from the git repository."""
    return f"dnacourse @ git+{REPO_URL}@{BRANCH}"
