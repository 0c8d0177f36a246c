"""fit's input forms: arrays of every id width, lists, pandas Series and
DataFrames, string ids, SciPy sparse matrices and files of any reader
format; each gives the same model, speaking the user's ids."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

import hogmf


def fit(*args, **kwargs):
    model = hogmf.MF(k=4, epochs=5, l2=0.05, threads=1, seed=7)
    return model.fit(*args, **kwargs)


@pytest.fixture(scope="module")
def small(data):
    u, i, r = data
    return u[:3000], i[:3000], r[:3000]


@pytest.fixture(scope="module")
def reference(small):
    u, i, r = small
    return fit(u.astype(np.int64), i.astype(np.int64), r)


@pytest.mark.parametrize("id_type", [np.int32, np.int64, np.uint32, np.uint64, np.int16])
@pytest.mark.parametrize("value_type", [np.float32, np.float64, np.int64])
def test_every_integer_width_and_value_type_gives_the_same_model(
        small, reference, id_type, value_type):
    u, i, r = small
    values = np.round(r).astype(value_type) if value_type == np.int64 else r.astype(value_type)
    model = fit(u.astype(id_type), i.astype(id_type), values)
    assert model.user_ids.dtype == np.int64
    np.testing.assert_array_equal(model.user_ids, reference.user_ids)
    if value_type == np.float64:
        np.testing.assert_array_equal(model.user_factors, reference.user_factors)


def test_lists_series_and_dataframes_match_arrays(small, reference):
    u, i, r = small
    expected = reference.predict(u[:50], i[:50])
    by_list = fit(u.tolist(), i.tolist(), r.tolist())
    np.testing.assert_array_equal(by_list.predict(u[:50], i[:50]), expected)
    frame = pd.DataFrame({"who": u, "what": i, "stars": r})
    by_series = fit(frame["who"], frame["what"], frame["stars"])
    np.testing.assert_array_equal(by_series.predict(u[:50], i[:50]), expected)
    by_frame = fit(frame, user="who", item="what", rating="stars")
    np.testing.assert_array_equal(by_frame.predict(u[:50], i[:50]), expected)
    default_columns = frame.rename(columns={"who": "user", "what": "item", "stars": "rating"})
    np.testing.assert_array_equal(fit(default_columns).predict(u[:50], i[:50]), expected)


def test_string_ids_are_interned_and_spoken_back(small, reference):
    u, i, r = small
    users = np.array([f"user-{x}" for x in u])
    items = [f"item-{x}" for x in i]
    model = fit(users, items, r)
    assert model.user_ids.dtype == object
    assert model.user_ids[0] == users[0]
    np.testing.assert_array_equal(model.predict(users[:50], items[:50]),
                                  reference.predict(u[:50], i[:50]))
    top, _ = model.recommend(users[:3], n=5)
    assert all(isinstance(x, str) and x.startswith("item-") for x in top.ravel())


def test_sparse_matrix_rows_are_users_and_columns_items(small):
    u, i, r = small
    matrix = scipy.sparse.coo_matrix((r, (u, i))).tocsr()
    matrix.sum_duplicates()
    model = fit(matrix)
    np.testing.assert_array_equal(model.user_ids, np.arange(u.max() + 1))
    coo = matrix.tocoo()
    assert model.evaluate(coo.row, coo.col, coo.data)["unseen_pairs"] == 0


def test_files_in_every_reader_format(small, reference, tmp_path):
    u, i, r = small
    csv = tmp_path / "ratings.csv"
    pd.DataFrame({"userId": u, "movieId": i, "rating": r}).to_csv(csv, index=False)
    from_csv = fit(str(csv))
    np.testing.assert_allclose(from_csv.predict(u[:50], i[:50]),
                               reference.predict(u[:50], i[:50]), rtol=1e-5)
    tsv = tmp_path / "ratings.tsv"
    pd.DataFrame({"a": u, "b": i, "c": r}).to_csv(tsv, sep="\t", index=False)
    from_tsv = fit(tsv, format="tsv", user_column="a", item_column="b", rating_column="c")
    np.testing.assert_allclose(from_tsv.predict(u[:50], i[:50]),
                               reference.predict(u[:50], i[:50]), rtol=1e-5)
    libmf = tmp_path / "ratings.txt"
    np.savetxt(libmf, np.column_stack([u, i, r]), fmt=["%d", "%d", "%.17g"])
    from_libmf = fit(str(libmf), format="libmf")
    np.testing.assert_array_equal(from_libmf.user_ids, np.arange(u.max() + 1))


def test_validation_takes_every_input_form(small, tmp_path):
    u, i, r = small
    frame = pd.DataFrame({"user": u[:500], "item": i[:500], "rating": r[:500]})
    path = tmp_path / "held.csv"
    frame.to_csv(path, index=False)
    figures = []
    for validation in ((u[:500], i[:500], r[:500]), frame, str(path)):
        model = fit(u[500:], i[500:], r[500:], validation=validation)
        assert model.report["validation_rmse"] is not None
        figures.append(model.report["validation_rmse"])
    assert figures[0] == pytest.approx(figures[1]) == pytest.approx(figures[2], rel=1e-5)
