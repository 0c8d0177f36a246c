"""Training: auto parameters, history, callbacks that watch or stop,
progress output, warm starts (partial_fit) and fold-in of new users."""

import numpy as np
import pandas as pd
import pytest

import hogmf

from conftest import low_rank


def test_fit_reaches_the_noise_floor_and_returns_self(data):
    u, i, r = data
    model = hogmf.MF(k=8, epochs=40, l2=0.02, threads=2)
    assert model.fit(u, i, r) is model
    assert model.report["train_rmse"] < 0.2
    assert model.report["epochs"] == 40
    assert model.user_factors.shape == (200, 8)


def test_auto_parameters_run_trials_and_record_them(data):
    u, i, r = data
    model = hogmf.MF(k=8, threads=2).fit(u, i, r)
    assert len(model.report["trials"]) >= 2
    assert model.report["params"].l2_p > 0
    assert model.report["train_rmse"] < 0.3


def test_history_is_a_dataframe_of_epochs(fitted):
    history = fitted.history
    assert isinstance(history, pd.DataFrame)
    assert list(history["epoch"]) == list(range(1, 31))
    assert {"loss", "train_rmse", "seconds", "updates"} <= set(history.columns)
    assert history["train_rmse"].iloc[-1] < history["train_rmse"].iloc[0]


def test_callback_sees_every_epoch_and_false_stops(data):
    u, i, r = data
    seen = []

    def callback(stats):
        seen.append(stats)
        return stats["epoch"] < 3

    model = hogmf.MF(k=4, epochs=50, l2=0.05, threads=2).fit(u, i, r, callback=callback)
    assert [s["epoch"] for s in seen] == [1, 2, 3]
    assert len(model.history) == 3
    assert model.report["stop_reason"] == "callback"
    assert model.predict(u[:5], i[:5]).shape == (5,)


def test_callback_exception_propagates_and_keeps_the_model(data):
    u, i, r = data
    model = hogmf.MF(k=4, epochs=50, l2=0.05, threads=2)

    def callback(stats):
        if stats["epoch"] == 2:
            raise LookupError("from the callback")

    with pytest.raises(LookupError, match="from the callback"):
        model.fit(u, i, r, callback=callback)
    assert len(model.history) == 2
    assert np.isfinite(model.predict(u[:5], i[:5])).all()


def test_verbose_reports_progress_on_stderr(data, capsys):
    u, i, r = data
    hogmf.MF(k=4, epochs=3, l2=0.05, threads=2).fit(u, i, r, verbose=True)
    err = capsys.readouterr().err
    assert "3/3" in err or "epoch 3" in err


def test_verbose_without_tqdm_prints_a_line_per_epoch(data, capsys, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name == "tqdm":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    u, i, r = data
    hogmf.MF(k=4, epochs=3, l2=0.05, threads=2).fit(u, i, r, verbose=True)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("epoch")]
    assert len(lines) == 3


def test_partial_fit_continues_and_adds_new_users(data):
    u, i, r = data
    first = u < 150
    model = hogmf.MF(k=8, epochs=20, l2=0.02, threads=2).fit(u[first], i[first], r[first])
    assert model.user_ids.size == 150
    before = model.evaluate(u[~first], i[~first], r[~first])
    assert before["unseen_pairs"] == (~first).sum()
    model.set_params(epochs=10)
    model.partial_fit(u, i, r)
    assert model.report["warm_start"]
    assert model.report["new_users"] == 50
    assert model.user_ids.size == 200
    assert len(model.history) == 30
    after = model.evaluate(u[~first], i[~first], r[~first])
    assert after["unseen_pairs"] == 0 and after["rmse"] < before["rmse"]


def test_fold_in_gives_new_users_rows_from_their_ratings(data):
    u, i, r = data
    known = u < 180
    model = hogmf.MF(k=8, epochs=40, l2=0.02, threads=2)
    model.fit(u[known], i[known], r[known])
    new_u, new_i, new_r = u[~known], i[~known], r[~known]
    half = np.arange(new_u.size) % 2 == 0
    unseen = model.evaluate(new_u[~half], new_i[~half], new_r[~half])
    assert model.fold_in(new_u[half], new_i[half], new_r[half]) is model
    assert model.fold_in_report_["users_added"] == 20
    folded = model.evaluate(new_u[~half], new_i[~half], new_r[~half])
    assert folded["unseen_pairs"] == 0
    assert folded["rmse"] < 0.8 * unseen["rmse"]


def test_string_id_models_continue_with_string_ids_only():
    u, i, r = low_rank(users=50, items=40, n=2000)
    users = [f"u{x}" for x in u]
    model = hogmf.MF(k=4, epochs=3, l2=0.05, threads=1).fit(users, i, r)
    with pytest.raises(ValueError, match="kinds"):
        model.partial_fit(u, i, r)
    model.partial_fit(users, i, r)
    assert model.report["warm_start"]
