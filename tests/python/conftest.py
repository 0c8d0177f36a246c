"""Shared test data for the Python module's tests: planted low-rank ratings
with known noise, generated (nothing is read from files)."""

import numpy as np
import pytest


def low_rank(users=200, items=150, k=4, n=15000, noise=0.1, seed=0):
    """(user ids, item ids, ratings): r = 3 + p_u.q_i + noise, ids 0-based."""
    rng = np.random.default_rng(seed)
    p = rng.normal(scale=0.7, size=(users, k))
    q = rng.normal(scale=0.7, size=(items, k))
    u = rng.integers(0, users, n)
    i = rng.integers(0, items, n)
    r = 3.0 + (p[u] * q[i]).sum(axis=1) + noise * rng.normal(size=n)
    return u, i, r


@pytest.fixture(scope="session")
def data():
    return low_rank()


@pytest.fixture(scope="session")
def fitted(data):
    import hogmf
    u, i, r = data
    return hogmf.MF(k=8, epochs=30, l2=0.02, threads=2, seed=3).fit(u, i, r)
