"""The feedback machinery shared by every exercise check.

A check **never raises**, so "Run all" always works. It prints one of three things:

* ``not answered yet`` while the answer is ``None`` (or a function that still returns ``None`` or
  raises ``NotImplementedError``);
* what is wrong: the input it tried, what came back, what was expected, and a hint;
* ``correct``, with one line on why.

Checks test meaning, not wording. A function is run on several inputs, edge cases included, and its
output is compared with a trusted implementation (``dc.encoding.one_hot``, ``dc.augment.delete``,
``torch.nn.GRU``, ``dc.metrics.thresholded_metrics`` ...). A number is compared with a value the check
computes itself from the same data, never with a number written into the check.

Adding a check (e.g. for notebook 12)
-------------------------------------
1. In ``sequences.py`` (notebooks 00-04), ``classifiers.py`` (05-11) or ``promoters.py`` (12-18), in
   the notebook's section, write ``check_<name>(answer, ...)`` under the ``@_never_raises``
   decorator, with a docstring that starts ``Exercise NN.k:`` and says what ``answer`` must be; add
   its name to that module's ``__all__`` and import it in ``dnacourse/exercises/__init__.py`` (its
   ``__all__`` too). ``_Feedback("12.1 soft labels")``
   prints every verdict under the exercise's number and name; ``_call`` runs the student's function
   and turns its exceptions into feedback::

       @_never_raises
       def check_soft_labels(soft_labels):
           fb = _Feedback("12.1 soft labels")
           if not _ready(fb, soft_labels, "soft_labels", "write soft_labels(y)"):
               return False                                # None: "not answered yet"
           for y in CASES:                                # several inputs, edge cases included
               ok, got = _call(soft_labels, y)             # the student's exceptions become feedback
               if not ok:
                   return fb.raised(got, f"soft_labels({y!r})")
               ...                                         # compare with the package's answer
               if wrong:
                   return fb.wrong("what is wrong", tried=..., got=..., expected=..., hint=...)
           return fb.correct("one line on why it is right")

   Recognise the typical mistakes (compare with the wrong variants too) and name them in the message.
   Let the verdict say why an answer is right, not answer the exercise's open questions.

2. Put the reference solution in ``tests/solutions/s12_promoter_data.py`` -- never in a notebook.
3. In the tests (``tests/test_exercises*.py``) add the check to the table of its notebook: the
   reference answer, and two or more typical wrong answers, each with a word that the printed
   feedback must contain. ``tests/test_exercises_common.py`` then runs the generic tests on it too.
4. In the notebook: a markdown cell with the task, a code cell starting ``# Exercise N`` with the stub
   (``answer = None`` or a function that returns ``None``), then a cell that calls the check.

"Explain what happens" exercises have no check: a markdown cell and an empty code cell.

>>> fb = _Feedback("02.1 one-hot with a dict")
>>> fb.wrong("column 3 is wrong.", got=[0, 1], hint="look at base 3")
Exercise 02.1 (one-hot with a dict): not right yet. Column 3 is wrong.
  got:      [0, 1]
  hint:     look at base 3
False
"""

from __future__ import annotations

import functools

import numpy as np
import torch


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Feedback:
    """Prints the verdict of one exercise and returns True (correct) or False."""

    def __init__(self, title: str):
        number, _, name = title.partition(" ")
        self.title = f"{number} ({name})" if name else number

    def unanswered(self, todo: str) -> bool:
        print(f"Exercise {self.title}: not answered yet. {_sentence(todo)}, then run this cell again.")
        return False

    def wrong(self, problem: str, *, tried=None, got=None, expected=None, hint=None) -> bool:
        lines = [f"Exercise {self.title}: not right yet. {_sentence(problem)}"]
        for label, value in (("tried", tried), ("got", got), ("expected", expected), ("hint", hint)):
            if value is not None:
                text = str(value).replace("\n", "\n" + " " * 12)
                lines.append(f"  {label + ':':<10}{text}")
        print("\n".join(lines))
        return False

    def raised(self, err: Exception, call: str, hint: str | None = None) -> bool:
        if isinstance(err, NotImplementedError):
            return self.unanswered(f"your {call.split('(')[0]} still raises NotImplementedError: write its body")
        return self.wrong(f"calling {call} raised {type(err).__name__}: {err}", tried=call, hint=hint)

    def correct(self, why: str) -> bool:
        print(f"Exercise {self.title}: correct. {_sentence(why)}")
        return True


def _never_raises(check):
    """Decorator: a bug in a check (or an answer nobody foresaw) is reported, never raised."""

    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        try:
            with torch.random.fork_rng(devices=[]):  # the notebook's random numbers stay as they were
                return check(*args, **kwargs)
        except Exception as err:  # noqa: BLE001 - a check must not break "Run all"
            print(f"{check.__name__} could not check this answer ({type(err).__name__}: {err}). "
                  "Look at the type and shape of your answer; the exercise text says what it must be.")
            return False

    return wrapper


def _call(fn, *args):
    """``(True, fn(*args))``, or ``(False, exception)`` if the student's function raised."""
    try:
        return True, fn(*args)
    except Exception as err:  # noqa: BLE001 - the student's code may raise anything
        return False, err


def _as_array(x):
    """NumPy view of an answer (tensor, list, array); None if it cannot be one."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    try:
        arr = np.asarray(x)
    except Exception:  # noqa: BLE001
        return None
    return arr if arr.dtype != object else None


def _brief(x, width: int = 300) -> str:
    """Short text of a value for feedback: arrays with their shape, long reprs cut."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    if isinstance(x, np.ndarray):
        body = np.array2string(x, threshold=40, edgeitems=4, precision=4, max_line_width=90)
        text = f"array of shape {x.shape}, {x.dtype}:\n{body}"
    else:
        text = repr(x)
    return text if len(text) <= width else text[: width - 3] + "..."


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _is_number(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _ready(fb: _Feedback, answer, name: str, todo: str) -> bool:
    """True when ``answer`` is something to call; otherwise print why not (unanswered: ``todo``) -> False."""
    if answer is None:
        return fb.unanswered(todo)
    if not callable(answer):
        return _not_a_function(fb, answer, name)
    return True


def _not_a_function(fb: _Feedback, fn, name: str) -> bool:
    return fb.wrong(f"expected the function {name} itself, got {type(fn).__name__}: {_brief(fn, 80)}.",
                    hint=f"pass the function without calling it: check(...)({name}), not {name}(...)")
