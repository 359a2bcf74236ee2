"""Reference solutions of the notebooks' checked exercises, one module per notebook (``sNN_name.py``).

They live here, not in the notebooks, so the student edition never contains them; tests/test_exercises_common.py
proves that every ``dc.exercises.check_...`` accepts them.
"""
