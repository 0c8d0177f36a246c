"""Model files and pickling: hogmf's native format, LIBMF's text model
both ways, and pickle round trips that keep ids, params and history."""

import pickle

import numpy as np
import pytest

import hogmf


def test_save_and_load_keep_every_prediction_and_id(fitted, data, tmp_path):
    u, i, _ = data
    path = tmp_path / "model.hogmf"
    fitted.save(path)
    loaded = hogmf.load(path)
    np.testing.assert_array_equal(loaded.user_ids, fitted.user_ids)
    np.testing.assert_array_equal(loaded.predict(u, i), fitted.predict(u, i))
    np.testing.assert_array_equal(loaded.recommend(u[:4])[0], fitted.recommend(u[:4])[0])


def test_string_ids_survive_save_and_load(data, tmp_path):
    u, i, r = data
    users = [f"user {x}" for x in u]
    model = hogmf.MF(k=4, epochs=3, l2=0.05, threads=1).fit(users, i, r)
    model.save(tmp_path / "m")
    loaded = hogmf.load(str(tmp_path / "m"))
    assert loaded.user_ids.dtype == object
    np.testing.assert_array_equal(loaded.predict(users[:20], i[:20]),
                                  model.predict(users[:20], i[:20]))


def test_libmf_export_and_import_give_the_same_scores(fitted, data, tmp_path):
    u, i, _ = data
    path = tmp_path / "model.libmf"
    fitted.export_libmf(path)
    assert path.read_text().startswith("f 0\n")
    imported = hogmf.load(path)
    assert imported.model_.k == fitted.model_.k + 2  # biases folded into two columns
    user_rows = {x: n for n, x in enumerate(fitted.user_ids)}
    item_rows = {x: n for n, x in enumerate(fitted.item_ids)}
    rows = np.array([user_rows[x] for x in u[:200]])
    cols = np.array([item_rows[x] for x in i[:200]])
    np.testing.assert_allclose(imported.predict(rows, cols, clip=False),
                               fitted.predict(u[:200], i[:200], clip=False),
                               rtol=1e-4, atol=1e-4)


def test_pickle_round_trip_keeps_model_params_and_history(fitted, data):
    u, i, _ = data
    back = pickle.loads(pickle.dumps(fitted))
    assert back.get_params() == fitted.get_params()
    np.testing.assert_array_equal(back.predict(u, i), fitted.predict(u, i))
    np.testing.assert_array_equal(back.user_factors, fitted.user_factors)
    assert len(back.history) == len(fitted.history) == 30
    assert back.report["epochs"] == 30
    unfitted = pickle.loads(pickle.dumps(hogmf.MF(k=3, l2=(0.1, 0.2))))
    assert unfitted.get_params() == hogmf.MF(k=3, l2=(0.1, 0.2)).get_params()
    with pytest.raises(ValueError, match="no model yet"):
        unfitted.predict([1], [2])


def test_corrupt_pickled_bytes_are_refused(fitted):
    state = fitted.__getstate__()
    state["model"] = state["model"][:-5]
    broken = hogmf.MF.__new__(hogmf.MF)
    with pytest.raises(ValueError, match="serialized model"):
        broken.__setstate__(state)
