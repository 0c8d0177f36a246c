"""Errors reach Python as exceptions with the library's messages: ValueError
for bad data and parameters, FileNotFoundError and OSError for files,
RuntimeError for the rest."""

import numpy as np
import pytest

import hogmf
from hogmf import _hogmf


def test_nan_ratings_name_their_position():
    with pytest.raises(ValueError, match=r"values\[2\]"):
        hogmf.MF(k=2, epochs=1).fit([1, 2, 3], [1, 2, 3], [1.0, 2.0, np.nan])


def test_mismatched_lengths_are_value_errors():
    with pytest.raises(ValueError, match="different lengths"):
        hogmf.MF(k=2, epochs=1).fit([1, 2, 3], [1, 2], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="different lengths"):
        hogmf.MF(k=2, epochs=1).fit(["a", "b"], ["x"], [1.0, 2.0])


def test_empty_data_and_bad_ids_are_value_errors():
    with pytest.raises(ValueError, match="no training ratings"):
        hogmf.MF(k=2, epochs=1).fit(np.array([], dtype=np.int64), np.array([], dtype=np.int64),
                                    np.array([]))
    with pytest.raises(ValueError, match="whole numbers"):
        hogmf.MF(k=2, epochs=1).fit([1.5, 2.0], [1, 2], [1.0, 2.0])
    with pytest.raises(TypeError, match=r"users\[1\]"):
        hogmf.MF(k=2, epochs=1).fit(np.array(["a", 3.5], dtype=object), [1, 2], [1.0, 2.0])
    with pytest.raises(ValueError, match="column 'stars'"):
        import pandas as pd
        hogmf.MF(k=2, epochs=1).fit(pd.DataFrame({"user": [1], "item": [2]}), rating="stars")


def test_missing_files_are_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        hogmf.MF(k=2, epochs=1).fit(str(tmp_path / "nope.csv"))
    with pytest.raises(FileNotFoundError):
        hogmf.load(tmp_path / "nope.model")


def test_bad_file_content_is_a_value_error_naming_the_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("1 2 3\n4 5 abc\n")
    with pytest.raises(ValueError, match="bad.txt:2"):
        hogmf.MF(k=2, epochs=1).fit(str(path), format="libmf")
    with pytest.raises(ValueError, match="not a hogmf or LIBMF model"):
        hogmf.load(path)
    with pytest.raises(ValueError, match="format"):
        hogmf.MF(k=2, epochs=1).fit(str(path), format="xml")


def test_saving_into_a_missing_folder_is_an_error(tmp_path):
    model = hogmf.MF(k=2, epochs=1, l2=0.1).fit([1, 2], [1, 2], [1.0, 2.0])
    with pytest.raises(ValueError):
        model.save(tmp_path / "no" / "such" / "model")


def test_a_run_past_max_memory_is_a_memory_error_before_training():
    users = np.arange(200) % 20
    items = np.arange(200) % 7
    with pytest.raises(MemoryError, match=r"max_memory_bytes \(--max-memory\)"):
        hogmf.MF(model="seed", max_memory=1000).fit(users, items, np.ones(200))
    with pytest.raises(ValueError, match="max_memory"):
        hogmf.MF(max_memory=-1).fit(users, items, np.ones(200))
    model = hogmf.MF(model="seed", max_memory=1 << 30).fit(users, items, np.ones(200))
    assert model.get_params()["max_memory"] == 1 << 30


def test_divergence_is_a_runtime_error():
    rng = np.random.default_rng(1)
    u, i = rng.integers(0, 50, 3000), rng.integers(0, 50, 3000)
    r = rng.normal(size=3000) * 1e3
    with pytest.raises(RuntimeError):
        hogmf.MF(k=8, epochs=20, lr=1e3, lr_schedule="constant", l2=0.0,
                 threads=1).fit(u, i, r)


def test_bad_keywords_at_fit_time_are_value_errors():
    model = hogmf.MF(k=2, epochs=1, early_stop=3)
    with pytest.raises(ValueError, match="validation"):
        model.fit([1, 2], [1, 2], [1.0, 2.0])
    model = hogmf.MF(k=2, epochs=1, isa="no-such-kernel")
    with pytest.raises(ValueError, match="no-such-kernel"):
        model.fit([1, 2], [1, 2], [1.0, 2.0])


def test_queries_before_fit_and_with_unknown_ids():
    with pytest.raises(ValueError, match="no model yet"):
        hogmf.MF().recommend([1])
    model = hogmf.MF(k=2, epochs=1, l2=0.1).fit([1, 2], [1, 2], [1.0, 2.0])
    with pytest.raises(ValueError, match="unknown item id"):
        model.similar_items([99])
    with pytest.raises(ValueError, match="n = 0"):
        model.recommend([1], n=0)


@pytest.mark.parametrize("code, exception", [
    (3, ValueError),           # kInvalidArgument
    (9, ValueError),           # kFailedPrecondition
    (11, ValueError),          # kOutOfRange
    (5, FileNotFoundError),    # kNotFound
    (13, OSError),             # kInternal
    (10, RuntimeError),        # kAborted
    (8, MemoryError),          # kResourceExhausted
    (2, RuntimeError),         # kUnknown
])
def test_every_status_code_maps_to_one_exception(code, exception):
    with pytest.raises(exception, match="the message"):
        _hogmf._raise_status(code, "the message")
