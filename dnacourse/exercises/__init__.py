"""Self-checks for the notebooks' exercises: ``dc.exercises.check_<name>(answer)``.

In a notebook, an exercise cell holds a stub and the next cell checks it::

    answer = None                                # the exercise cell: replace None by your answer
    dc.exercises.check_dog_table(answer);        # the check cell: prints feedback, returns True/False

A check never raises: it prints "not answered yet", what is wrong (with a hint), or "correct", and
returns True or False. The checks live in ``sequences`` (notebooks 00-04), ``classifiers`` (05-11)
and ``promoters`` (12-18); ``feedback`` holds the shared machinery and says how to add a check. The
student edition of the notebooks is built by ``dnacourse.tools.student``.

>>> check_one_hot(None)
Exercise 02.1 (one-hot with a dict): not answered yet. Write my_one_hot(seq), then run this cell again.
False
"""

from __future__ import annotations

from . import classifiers, promoters, sequences
from .classifiers import *  # noqa: F403 - each module's __all__ names its checks
from .promoters import *  # noqa: F403
from .sequences import *  # noqa: F403

# every check, in notebook order (each module lists its own)
__all__ = [*sequences.__all__, *classifiers.__all__, *promoters.__all__]
