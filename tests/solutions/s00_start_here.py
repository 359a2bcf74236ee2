"""Notebook 00, exercise 3: the dog table."""


def dog_table_answer(dog):
    """(number of sequences, name of the largest family) of the dog table."""
    counts = dog["family"].value_counts()
    return len(dog), counts.index[0]
