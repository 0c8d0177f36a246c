"""Training keywords of hogmf.MF, named after the CLI's training flags
(dashes become underscores), and their translation into TrainParams."""

import numbers

from . import _hogmf

# Every keyword, in the order of `hogmf train --help`. None means "the
# preset's value" (model="default" or model="seed"), as an unset CLI flag.
PARAM_NAMES = (
    "model", "k", "loss", "biases", "lr", "lr_schedule", "lr_decay", "l2", "l1",
    "l2_bias", "nonneg", "clip", "negatives", "negative_weight", "epochs",
    "holdout", "threads", "seed", "stop_loss", "stop_rmse", "init_scale",
    "schedule", "grid", "order", "chunk_size", "isa", "monitor_ms",
    "monitor_sample", "max_memory", "time_limit", "stop_validation_rmse",
    "early_stop_tolerance", "early_stop", "keep_rated",
)

# Keywords that set one TrainParams field as they are.
_PLAIN = {
    "k": "k", "lr": "learning_rate", "lr_schedule": "lr_schedule",
    "lr_decay": "lr_decay", "nonneg": "nonneg", "clip": "clip",
    "negatives": "negatives", "negative_weight": "negative_weight",
    "holdout": "holdout", "threads": "threads", "seed": "seed",
    "stop_loss": "stop_loss", "stop_rmse": "stop_rmse",
    "init_scale": "init_scale", "schedule": "schedule", "grid": "grid",
    "order": "order", "chunk_size": "chunk_size", "isa": "isa",
    "monitor_ms": "monitor_ms", "monitor_sample": "monitor_sample",
    "max_memory": "max_memory_bytes", "time_limit": "time_limit_seconds",
    "stop_validation_rmse": "stop_validation_rmse",
    "early_stop_tolerance": "early_stop_tolerance",
    "early_stop": "early_stop", "loss": "loss",
}


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"invalid {name}={value!r}; expected a number") from None
    return float(value)


def _pair(name, value, allow_auto):
    """A weight for both sides, a (P, Q) pair, "P,Q", or "auto"."""
    expected = (f"invalid {name}={value!r}; expected a weight >= 0"
                + (", two of them as (P, Q), or auto" if allow_auto
                   else " or two of them as (P, Q)"))
    if allow_auto and isinstance(value, str) and value == "auto":
        return _hogmf.AUTO_WEIGHT, _hogmf.AUTO_WEIGHT
    if isinstance(value, str):
        value = value.split(",")
        if len(value) == 1:
            value = value[0]
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(expected)
        first, second = value
    else:
        first = second = value
    try:
        first, second = float(first), float(second)
    except (TypeError, ValueError):
        raise ValueError(expected) from None
    if not (first >= 0 and second >= 0) or first == float("inf") or second == float("inf"):
        raise ValueError(expected)
    return first, second


def make_train_params(values):
    """TrainParams from the keywords in `values` (None: the preset's).

    Raises ValueError with the library's message for a bad value."""
    model = values.get("model") or "default"
    if model not in ("default", "seed"):
        raise ValueError(f"unknown model={model!r}; expected default or seed")
    params = _hogmf.TrainParams.seed_preset() if model == "seed" else _hogmf.TrainParams()
    for name, value in values.items():
        if value is None or name in ("model", "keep_rated"):
            continue
        if name == "biases":
            if value in ("auto",):
                params.biases = None
            elif value in (True, "true") or value is True:
                params.biases = True
            elif value in (False, "false") or value is False:
                params.biases = False
            else:
                raise ValueError(f"invalid biases={value!r}; expected auto, True or False")
        elif name == "l2":
            params.l2_p, params.l2_q = _pair("l2", value, True)
        elif name == "l1":
            params.l1_p, params.l1_q = _pair("l1", value, False)
        elif name == "l2_bias":
            params.l2_user_bias, params.l2_item_bias = _pair("l2_bias", value, True)
        elif name == "epochs":
            if isinstance(value, str) and value == "auto":
                params.max_epochs = _hogmf.AUTO_EPOCHS
            else:
                number = _number("epochs", value)
                if number < 1 or number != int(number) or number > 1e9:
                    raise ValueError(f"invalid epochs={value!r}; "
                                     "expected an integer >= 1, or auto")
                params.max_epochs = int(number)
        elif name in ("loss", "lr_schedule", "schedule", "order", "isa"):
            setattr(params, _PLAIN[name], str(value))
        elif name in ("nonneg", "clip"):
            setattr(params, _PLAIN[name], bool(value))
        elif name in ("k", "negatives", "threads", "seed", "grid", "chunk_size",
                      "monitor_ms", "monitor_sample", "early_stop", "max_memory"):
            number = _number(name, value)
            if number != int(number):
                raise ValueError(f"invalid {name}={value!r}; expected an integer")
            if name in ("seed", "max_memory") and number < 0:
                raise ValueError(f"invalid {name}={value!r}; expected an integer >= 0")
            try:
                setattr(params, _PLAIN[name], int(number))
            except TypeError:
                raise ValueError(f"invalid {name}={value!r}; out of range") from None
        elif name in _PLAIN:
            setattr(params, _PLAIN[name], _number(name, value))
        else:
            raise ValueError(f"unknown parameter {name!r}")
    params.validate()
    return params
