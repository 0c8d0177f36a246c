"""What a fitted model answers: predictions (unknown ids included),
recommendations with and without the rated items, similar items, factor
and bias views, and evaluation by the CLI's metric names."""

import gc

import numpy as np
import pytest

import hogmf


def scores_of(model, user_index):
    """Raw scores of one user row against every item, from the views."""
    s = model.item_factors @ model.user_factors[user_index] + model.global_mean
    if model.user_biases is not None:
        s = s + model.user_biases[user_index] + model.item_biases
    return s


def test_predict_matches_the_factors_and_unknown_ids_get_the_unseen_prediction(fitted, data):
    u, i, _ = data
    pred = fitted.predict(u[:100], i[:100], clip=False)
    users = {uid: n for n, uid in enumerate(fitted.user_ids)}
    items = {iid: n for n, iid in enumerate(fitted.item_ids)}
    expected = [scores_of(fitted, users[a])[items[b]] for a, b in zip(u[:100], i[:100])]
    np.testing.assert_allclose(pred, expected, rtol=1e-5, atol=1e-5)
    unknown = fitted.predict([10**9, u[0]], [i[0], 10**9])
    lo, hi = fitted.model_.value_range
    item_row = items[i[0]]
    user_row = users[u[0]]
    expected_unknown = [fitted.global_mean + fitted.item_biases[item_row],
                        fitted.global_mean + fitted.user_biases[user_row]]
    np.testing.assert_allclose(unknown, np.clip(expected_unknown, lo, hi), rtol=1e-6)


def test_recommend_excludes_rated_items_and_ranks_by_score(fitted, data):
    u, i, _ = data
    users = np.unique(u)[:5]
    top, scores = fitted.recommend(users, n=10)
    assert top.shape == scores.shape == (5, 10)
    item_rows = {iid: n for n, iid in enumerate(fitted.item_ids)}
    for row, user in enumerate(users):
        rated = set(i[u == user])
        assert not rated & set(top[row])
        assert np.all(np.diff(scores[row]) <= 0)
        user_row = list(fitted.user_ids).index(user)
        s = scores_of(fitted, user_row)
        np.testing.assert_allclose(scores[row], [s[item_rows[x]] for x in top[row]],
                                   rtol=1e-5)


def test_recommend_with_rated_items_is_the_top_of_every_item(fitted, data):
    u, i, _ = data
    user = u[0]
    top, scores = fitted.recommend(user, n=15, exclude_seen=False)
    assert top.shape == (15,)
    user_row = list(fitted.user_ids).index(user)
    s = scores_of(fitted, user_row)
    order = np.argsort(-s, kind="stable")[:15]
    np.testing.assert_array_equal(top, fitted.item_ids[order])
    np.testing.assert_allclose(scores, s[order], rtol=1e-5)
    users = np.unique(u)[:20]
    with_rated, _ = fitted.recommend(users, n=15, exclude_seen=False)
    without, _ = fitted.recommend(users, n=15)
    hits = sum(len(set(i[u == x]) & set(with_rated[row])) for row, x in enumerate(users))
    assert hits > 0
    assert all(not set(i[u == x]) & set(without[row]) for row, x in enumerate(users))


def test_recommend_pads_short_lists_and_refuses_unknown_users(fitted, data):
    u, _, _ = data
    top, scores = fitted.recommend([u[0]], n=500)
    assert top.shape == (1, 500)
    assert top[0, -1] == -1 and np.isnan(scores[0, -1])
    with pytest.raises(ValueError, match="unknown user id"):
        fitted.recommend([u[0], 10**9])


def test_similar_items_are_the_cosine_neighbours(fitted, data):
    _, i, _ = data
    q = fitted.item_factors
    unit = q / np.linalg.norm(q, axis=1, keepdims=True)
    found, sims = fitted.similar_items(i[:3], n=5)
    assert found.shape == (3, 5)
    for row, item in enumerate(i[:3]):
        index = list(fitted.item_ids).index(item)
        cos = unit @ unit[index]
        cos[index] = -np.inf
        order = np.argsort(-cos, kind="stable")[:5]
        np.testing.assert_array_equal(found[row], fitted.item_ids[order])
        np.testing.assert_allclose(sims[row], cos[order], rtol=1e-4)
        assert item not in found[row]


def test_factor_views_are_read_only_and_share_the_models_memory(data):
    u, i, r = data
    model = hogmf.MF(k=5, epochs=2, l2=0.1, threads=1).fit(u, i, r)
    p = model.user_factors
    assert p.shape == (200, 5) and p.dtype == np.float32
    assert p.strides == (64, 4)  # rows padded to 16 floats
    assert not p.flags.writeable
    with pytest.raises(ValueError):
        p[0, 0] = 1.0
    assert np.shares_memory(p, model.user_factors)
    assert model.user_biases.shape == (200,) and not model.user_biases.flags.writeable
    q = model.item_factors
    copy = q.copy()
    del model
    gc.collect()
    np.testing.assert_array_equal(q, copy)  # the view keeps the model alive


def test_models_without_biases_have_none(data):
    u, i, r = data
    model = hogmf.MF(model="seed", k=4, epochs=2, threads=1).fit(u, i, r)
    assert model.user_biases is None and model.item_biases is None
    assert model.global_mean == pytest.approx(r.mean(), rel=1e-4)


def test_evaluate_gives_the_cli_metrics_in_order(fitted, data):
    u, i, r = data
    pred = fitted.predict(u, i)
    out = fitted.evaluate(u, i, r, metrics="mae,rmse")
    assert list(out) == ["mae", "rmse"]
    assert out["rmse"] == pytest.approx(np.sqrt(np.mean((pred - r) ** 2)), rel=1e-4)
    assert out["mae"] == pytest.approx(np.mean(np.abs(pred - r)), rel=1e-4)
    default = fitted.evaluate(u[:10], i[:10], r[:10])
    assert list(default) == ["rmse", "mae", "unseen_pairs"]


def test_evaluate_reads_a_file_in_any_format(fitted, data, tmp_path):
    u, i, r = data
    expected = fitted.evaluate(u[:500], i[:500], r[:500], metrics="rmse,mae,unseen_pairs,auc")
    libmf = tmp_path / "test.txt"
    libmf.write_text("".join(f"{a} {b} {c!r}\n" for a, b, c in zip(u[:500], i[:500], r[:500])))
    csv = tmp_path / "test.csv"
    csv.write_text("uid,iid,stars\n"
                   + "".join(f"{a},{b},{c!r}\n" for a, b, c in zip(u[:500], i[:500], r[:500])))
    for path, options in ((libmf, {}), (str(csv), {"format": "csv", "rating_column": "stars"})):
        got = fitted.evaluate(path, metrics="rmse,mae,unseen_pairs,auc", **options)
        assert got["unseen_pairs"] == expected["unseen_pairs"]
        for name in ("rmse", "mae", "auc"):
            assert got[name] == pytest.approx(expected[name], rel=1e-5)
    with pytest.raises(FileNotFoundError):
        fitted.evaluate(tmp_path / "absent.txt")


def test_ranking_metrics_on_held_out_ratings(data):
    u, i, r = data
    train = np.arange(u.size) % 5 != 0
    model = hogmf.MF(k=8, epochs=20, l2=0.02, threads=2).fit(u[train], i[train], r[train])
    out = model.evaluate(u[~train], i[~train], r[~train],
                         metrics=["auc", "mpr", "precision", "recall@5", "ndcg@20", "map@5"],
                         relevant=4.0)
    assert list(out) == ["auc", "mpr", "precision@10", "recall@5", "ndcg@20", "map@5"]
    assert 0.6 < out["auc"] <= 1 and 0 <= out["mpr"] < 0.4
    assert 0 < out["precision@10"] <= 1


@pytest.mark.parametrize("metrics, message", [
    ("rmse,bogus", "unknown metric 'bogus'"),
    ("rmse@3", "takes no @N"),
    ("ndcg@0", "invalid cutoff"),
])
def test_bad_metric_names_raise_value_error(fitted, data, metrics, message):
    u, i, r = data
    with pytest.raises(ValueError, match=message):
        fitted.evaluate(u[:10], i[:10], r[:10], metrics=metrics)
