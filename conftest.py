"""Doctests of the package (``pytest --doctest-modules dnacourse``) see the names a notebook has."""

import numpy as np
import pandas as pd
import pytest
import torch

import dnacourse as dc


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    doctest_namespace.update(dc=dc, np=np, pd=pd, torch=torch)
