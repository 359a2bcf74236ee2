"""Maintainer tools, not loaded by ``import dnacourse``.

* ``reproduce``: run the notebooks headless and collect their results (``python -m dnacourse reproduce``);
* ``readme``: the generated results: the README's short summary and docs/results.md;
* ``bench``: the benchmark (``python -m dnacourse bench``);
* ``notebooks``: notebook hygiene (``python -m dnacourse.tools.notebooks clean|check ...``);
* ``student``: the student edition of the notebooks (``make student``, ``python -m dnacourse student``);
* ``setrepo``: point the notebooks, README and package at a fork (``python -m dnacourse set-repo OWNER/NAME``).
"""
