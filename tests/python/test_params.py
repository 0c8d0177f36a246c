"""MF's keywords: the CLI's training flags, the scikit-learn parameter
contract, the seed preset, and the library's errors for bad values."""

import pytest

import hogmf
from hogmf import _hogmf


def test_every_keyword_is_a_parameter_and_unset_ones_are_none():
    model = hogmf.MF()
    params = model.get_params()
    assert params["model"] == "default"
    assert params["k"] is None and params["l2"] is None
    for flag in ("lr", "lr_schedule", "l2_bias", "negative_weight", "early_stop_tolerance",
                 "chunk_size", "time_limit", "isa", "order", "schedule", "holdout"):
        assert flag in params
    assert repr(model) == "MF()"


def test_repr_shows_the_parameters_that_were_set():
    model = hogmf.MF(k=64, model="seed", l2=(0.1, 0.2))
    assert repr(model) == "MF(model='seed', k=64, l2=(0.1, 0.2))"


def test_get_and_set_params_round_trip():
    model = hogmf.MF(k=16, epochs=5)
    clone = hogmf.MF(**model.get_params())
    assert clone.get_params() == model.get_params()
    assert model.set_params(lr=0.02, order="shuffle") is model
    assert model.get_params()["lr"] == 0.02
    assert model.train_params().learning_rate == pytest.approx(0.02)
    assert model.train_params().order == "shuffle"


def test_keywords_map_to_train_params_as_the_flags_do():
    p = hogmf.MF(k=12, l2=(0.1, 0.2), l1="0.5,0.25", l2_bias=0.3, epochs=7, biases=False,
                 loss="absolute", lr_schedule="decay", lr_decay=0.5, schedule="blocked",
                 grid=9, threads=3, time_limit=4.5, early_stop=2, nonneg=True,
                 clip=False).train_params()
    assert (p.k, p.max_epochs, p.biases, p.loss) == (12, 7, False, "absolute")
    assert (p.l2_p, p.l2_q) == pytest.approx((0.1, 0.2))
    assert (p.l1_p, p.l1_q) == pytest.approx((0.5, 0.25))
    assert (p.l2_user_bias, p.l2_item_bias) == pytest.approx((0.3, 0.3))
    assert (p.lr_schedule, p.schedule, p.grid, p.threads) == ("decay", "blocked", 9, 3)
    assert p.time_limit_seconds == 4.5 and p.early_stop == 2 and p.nonneg and not p.clip
    auto = hogmf.MF().train_params()
    assert auto.l2_p == _hogmf.AUTO_WEIGHT and auto.max_epochs == _hogmf.AUTO_EPOCHS


def test_seed_preset_is_the_library_seed_and_other_keywords_apply_on_top():
    p = hogmf.MF(model="seed").train_params()
    seed = _hogmf.TrainParams.seed_preset()
    assert (p.lr_schedule, p.learning_rate, p.max_epochs, p.biases) == (
        seed.lr_schedule, seed.learning_rate, seed.max_epochs, seed.biases)
    assert p.lr_schedule == "constant" and p.max_epochs == 20
    assert hogmf.MF(model="seed", epochs=3).train_params().max_epochs == 3


@pytest.mark.parametrize("keywords, message", [
    (dict(k=0), "k"),
    (dict(k=5000), "k"),
    (dict(lr=-1.0), "learning_rate"),
    (dict(holdout=0.9), "holdout"),
    (dict(loss="nope"), "nope"),
    (dict(order="sideways"), "sideways"),
    (dict(l2=-1), "l2"),
    (dict(l2=(1, 2, 3)), "l2"),
    (dict(epochs=0), "epochs"),
    (dict(epochs=2.5), "epochs"),
    (dict(biases="maybe"), "biases"),
    (dict(model="fancy"), "fancy"),
])
def test_bad_parameters_raise_value_error_with_the_library_message(keywords, message):
    with pytest.raises(ValueError, match=message):
        hogmf.MF(**keywords)


def test_set_params_refuses_unknown_names_and_bad_values():
    model = hogmf.MF(k=4)
    with pytest.raises(ValueError, match="invalid parameter 'bogus'"):
        model.set_params(bogus=1)
    with pytest.raises(ValueError, match="k"):
        model.set_params(k=-3)
    assert model.k == 4
