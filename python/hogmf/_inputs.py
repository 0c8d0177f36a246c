"""Turning what users hold (arrays, lists, pandas objects, SciPy sparse
matrices, file paths) into the engine's ratings and id arrays.

Contiguous int32/int64/uint32/uint64 id arrays and float32/float64 rating
arrays are handed to C++ as they are (no copy); other integer or float
dtypes are converted once; anything else is taken as string ids."""

import os

import numpy as np

from . import _hogmf

_BORROWED_IDS = (np.int32, np.int64, np.uint32, np.uint64)


def _column(values):
    """A 1-D NumPy view of an array-like (pandas Series included)."""
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        values = values.to_numpy()
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"expected a 1-D array of ids or ratings, got shape {array.shape}")
    return array


def ids(values, what):
    """(ids, kind): a contiguous integer array ("int") or a sequence of str ("str")."""
    array = _column(values)
    kind = array.dtype.kind
    if kind in "iu":
        if array.dtype.type not in _BORROWED_IDS:
            array = array.astype(np.int64)
        return np.ascontiguousarray(array), "int"
    if kind == "f":
        if array.size and not np.all(np.isfinite(array) & (array == np.round(array))):
            raise ValueError(f"{what}: float ids must be whole numbers")
        return array.astype(np.int64), "int"
    if kind == "U":
        return array.astype(object), "str"
    if kind == "S":
        return np.char.decode(array, "utf-8").astype(object), "str"
    if kind == "O":
        if array.size and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                              for v in array):
            return array.astype(np.int64), "int"
        return array, "str"
    if kind == "b":
        raise ValueError(f"{what}: bool ids are not ids; expected integers or strings")
    return array.astype(str).astype(object), "str"


def values(ratings):
    """A contiguous float32/float64 array, or None for no ratings."""
    if ratings is None:
        return None
    array = _column(ratings)
    if array.dtype not in (np.float32, np.float64):
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError("ratings: expected numbers") from None
    return np.ascontiguousarray(array)


def is_path(data):
    return isinstance(data, (str, bytes, os.PathLike))


def _is_sparse(data):
    try:
        import scipy.sparse
    except ImportError:
        return False
    return scipy.sparse.issparse(data)


def _is_frame(data):
    return hasattr(data, "columns") and hasattr(data, "iloc")


def columns(users, items=None, ratings=None, *, user="user", item="item", rating="rating"):
    """The (users, items, ratings) array-likes of a DataFrame, a tuple or arrays."""
    if _is_frame(users):
        frame = users
        for name in (user, item):
            if name not in frame.columns:
                raise ValueError(f"DataFrame has no column {name!r}; "
                                 f"columns: {list(frame.columns)}")
        if rating is not None and rating not in frame.columns:
            raise ValueError(f"DataFrame has no column {rating!r}; set rating=None "
                             f"for pairs without values; columns: {list(frame.columns)}")
        return frame[user], frame[item], None if rating is None else frame[rating]
    if items is None and isinstance(users, tuple) and len(users) in (2, 3):
        return users + (None,) * (3 - len(users))
    if items is None:
        raise ValueError("expected users and items arrays, a DataFrame, a sparse matrix "
                         "or a path")
    return users, items, ratings


def to_ratings(data, items=None, ratings=None, *, user="user", item="item",
               rating="rating", format="auto", user_column="", item_column="",
               rating_column=""):
    """(_hogmf.Ratings, user kind, item kind) from any of fit's input forms."""
    if is_path(data):
        path = os.fsdecode(data)
        read = _hogmf.read_ratings(path, format, user_column, item_column, rating_column)
        return read, read.user_kind, read.item_kind
    if _is_sparse(data):
        coo = data.tocoo()
        rows = np.ascontiguousarray(coo.row, dtype=np.int64)
        cols = np.ascontiguousarray(coo.col, dtype=np.int64)
        vals = values(coo.data)
        return (_hogmf.ratings_from_ids(rows, cols, vals, "int", "int", "identity"),
                "int", "int")
    users, items, ratings = columns(data, items, ratings, user=user, item=item, rating=rating)
    user_ids, user_kind = ids(users, "users")
    item_ids, item_kind = ids(items, "items")
    made = _hogmf.ratings_from_ids(user_ids, item_ids, values(ratings), user_kind, item_kind)
    return made, user_kind, item_kind
