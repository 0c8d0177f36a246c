"""hogmf.MF: the matrix factorization estimator (fit, predict, recommend,
evaluate, save) in the scikit-learn style, over the _hogmf extension."""

import os

import numpy as np

from . import _hogmf, _inputs, _params
from ._progress import Progress

_DEFAULT_METRICS = "rmse,mae,unseen_pairs"
_CUTOFF_METRICS = ("precision", "recall", "ndcg", "map")
_PLAIN_METRICS = ("rmse", "mae", "unseen_pairs", "auc", "mpr")


def _parse_metrics(metrics):
    """[(name, base, cutoff)] from "rmse,precision@5" or a list, as `hogmf eval --metrics`."""
    entries = metrics.split(",") if isinstance(metrics, str) else list(metrics)
    parsed = []
    for entry in entries:
        entry = entry.strip()
        base, at, cutoff = entry.partition("@")
        if base not in _PLAIN_METRICS + _CUTOFF_METRICS:
            raise ValueError(f"unknown metric '{entry}' in metrics; expected rmse, mae, "
                             "unseen_pairs, auc, mpr, precision@N, recall@N, ndcg@N or map@N")
        if base in _CUTOFF_METRICS:
            n = 10
            if at:
                try:
                    n = int(cutoff)
                except ValueError:
                    n = 0
                if n < 1 or str(n) != cutoff.strip():
                    raise ValueError(f"invalid cutoff in metric '{entry}'; "
                                     f"expected {base}@N with N >= 1")
            parsed.append((f"{base}@{n}", base, n))
        elif at:
            raise ValueError(f"metric '{entry}' takes no @N (only precision, recall, ndcg, "
                             "map do)")
        else:
            parsed.append((base, base, 0))
    return parsed


class MF:
    """Matrix factorization trained by parallel SGD.

    Every keyword is a training flag of `hogmf train` (dashes as
    underscores); None keeps the value of the preset `model` ("default":
    biases, AdaGrad, L2 weights and epochs chosen from the data; "seed": the
    seed's algorithm exactly)."""

    def __init__(self, k=None, *, model="default", loss=None, biases=None, lr=None,
                 lr_schedule=None, lr_decay=None, l2=None, l1=None, l2_bias=None,
                 nonneg=None, clip=None, negatives=None, negative_weight=None,
                 epochs=None, holdout=None, threads=None, seed=None, stop_loss=None,
                 stop_rmse=None, init_scale=None, schedule=None, grid=None, order=None,
                 chunk_size=None, isa=None, monitor_ms=None, monitor_sample=None,
                 max_memory=None, time_limit=None, stop_validation_rmse=None, early_stop_tolerance=None,
                 early_stop=None, keep_rated=None):
        values = dict(locals())
        for name in _params.PARAM_NAMES:
            setattr(self, name, values[name])
        _params.make_train_params(self.get_params())
        self._model = None
        self._kinds = None
        self._history = []
        self._report = None
        self._user_ids = None
        self._item_ids = None

    # -- scikit-learn's parameter contract -------------------------------

    def get_params(self, deep=True):
        """The constructor's keywords and their values (None: the preset's)."""
        return {name: getattr(self, name) for name in _params.PARAM_NAMES}

    def set_params(self, **params):
        """Sets keywords (validated as the constructor does); returns self."""
        for name in params:
            if name not in _params.PARAM_NAMES:
                raise ValueError(f"invalid parameter {name!r} for MF; valid parameters: "
                                 f"{', '.join(_params.PARAM_NAMES)}")
        merged = self.get_params()
        merged.update(params)
        _params.make_train_params(merged)
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self):
        shown = [f"{name}={value!r}" for name, value in self.get_params().items()
                 if value is not None and not (name == "model" and value == "default")]
        return f"MF({', '.join(shown)})"

    def train_params(self):
        """The TrainParams these keywords stand for."""
        return _params.make_train_params(self.get_params())

    # -- training --------------------------------------------------------

    def fit(self, users, items=None, ratings=None, *, validation=None, callback=None,
            verbose=False, user="user", item="item", rating="rating", format="auto",
            user_column="", item_column="", rating_column=""):
        """Trains a new model on ratings given as arrays of ids (and values),
        a DataFrame, a SciPy sparse matrix or a file path; returns self."""
        read = dict(user=user, item=item, rating=rating, format=format,
                    user_column=user_column, item_column=item_column,
                    rating_column=rating_column)
        data, user_kind, item_kind = _inputs.to_ratings(users, items, ratings, **read)
        self._history = []
        self._train(data, (user_kind, item_kind), validation, read, None, callback, verbose)
        return self

    def partial_fit(self, users, items=None, ratings=None, *, validation=None, callback=None,
                    verbose=False, user="user", item="item", rating="rating", format="auto",
                    user_column="", item_column="", rating_column=""):
        """Continues training the current model on these ratings (a warm
        start: new users and items get rows); fits a new model when there
        is none. Returns self."""
        if self._model is None:
            return self.fit(users, items, ratings, validation=validation, callback=callback,
                            verbose=verbose, user=user, item=item, rating=rating,
                            format=format, user_column=user_column,
                            item_column=item_column, rating_column=rating_column)
        read = dict(user=user, item=item, rating=rating, format=format,
                    user_column=user_column, item_column=item_column,
                    rating_column=rating_column)
        data, user_kind, item_kind = _inputs.to_ratings(users, items, ratings, **read)
        self._check_kinds(user_kind, item_kind)
        self._train(data, self._kinds, validation, read, self._model, callback, verbose)
        return self

    def _check_kinds(self, user_kind, item_kind):
        if (user_kind, item_kind) != tuple(self._kinds):
            raise ValueError(f"ids of kinds {(user_kind, item_kind)} do not match the model's "
                             f"{tuple(self._kinds)} (int or str ids, users and items)")

    def _train(self, data, kinds, validation, read, initial, callback, verbose):
        params = self.train_params()
        if initial is not None and self.k is None:
            params.k = initial.k
        held = None
        if validation is not None:
            if _inputs.is_path(validation):
                held = _inputs.to_ratings(validation, **read)[0]
            else:
                held = _inputs.to_ratings(*_inputs.columns(
                    validation, user=read["user"], item=read["item"],
                    rating=read["rating"]))[0]
        progress = None
        if verbose:
            progress = Progress(params.max_epochs if params.max_epochs > 0 else None)

        def on_epoch(stats):
            if progress is not None:
                progress.epoch(stats)
            if callback is not None:
                return callback(stats) is not False
            return True

        on_trial = progress.trial if progress is not None else None
        keep_rated = True if self.keep_rated is None else bool(self.keep_rated)
        try:
            model, report, pending = _hogmf.train(
                data, params, held, initial,
                on_epoch if (callback is not None or progress is not None) else None,
                on_trial, keep_rated)
        finally:
            if progress is not None:
                progress.close()
        if model is not None:
            self._model = model
            self._kinds = tuple(kinds)
            self._report = report
            self._history = self._history + report["history"]
            self._user_ids = self._item_ids = None
        if pending is not None:
            raise pending

    def fold_in(self, users, items=None, ratings=None, *, l2="auto", threads=None,
                user="user", item="item", rating="rating"):
        """Solves rows for the users of these ratings with the item factors
        fixed (new users are added; known ones get a new row). Returns self."""
        model = self._fitted()
        data, user_kind, item_kind = _inputs.to_ratings(users, items, ratings, user=user,
                                                        item=item, rating=rating)
        self._check_kinds(user_kind, item_kind)
        weight = _hogmf.AUTO_WEIGHT if l2 == "auto" else float(l2)
        threads = self.threads or 0 if threads is None else threads
        self._model, self.fold_in_report_ = _hogmf.fold_in(model, data, weight, threads)
        self._user_ids = None
        return self

    # -- queries ---------------------------------------------------------

    def _fitted(self):
        if self._model is None:
            raise ValueError("this MF has no model yet; call fit first")
        return self._model

    def _indices(self, side, ids):
        """Indices of ids in the model's map (kUnknownIndex for unknown ones)."""
        model = self._fitted()
        kind = self._kinds[0 if side == "user" else 1]
        array, given = _inputs.ids(np.atleast_1d(np.asarray(ids, dtype=object)
                                                 if isinstance(ids, (list, tuple))
                                                 else ids), side + "s")
        lookup = model.user_indices if side == "user" else model.item_indices
        if given == kind:
            return lookup(array, kind)
        if kind == "str":
            return lookup([str(v) for v in array], "str")
        # str ids against integer ids: those that spell an integer may be known.
        whole = np.array([v.isdigit() or (v[:1] == "-" and v[1:].isdigit()) for v in array],
                         dtype=bool)
        out = np.full(len(array), 0xFFFFFFFF, dtype=np.uint32)
        if whole.any():
            out[whole] = lookup(np.array([int(v) for v in array[whole]], dtype=np.int64), "int")
        return out

    def predict(self, users, items, *, clip=True):
        """Predicted ratings of (users[j], items[j]); ids unseen in training
        get the model's prediction for unseen rows (the mean, plus the known
        side's bias). clip=False gives raw scores."""
        model = self._fitted()
        u = self._indices("user", users)
        i = self._indices("item", items)
        return _hogmf.predict(model, u, i, clip)

    def _item_names(self, indices):
        ids = self.item_ids
        picked = ids[np.maximum(indices, 0)]
        if ids.dtype == object:
            picked = picked.astype(object)
            picked[indices < 0] = None
        else:
            picked[indices < 0] = -1
        return picked

    def recommend(self, users, n=10, *, exclude_seen=True):
        """(items, scores): each user's top n items by raw score, best first,
        as 2-D arrays (one row per user; a 1-D row for a single id). With
        exclude_seen the items a user rated in training are left out. Short
        rows are padded with -1 (None for str ids) and NaN."""
        model = self._fitted()
        single = np.ndim(users) == 0
        u = self._indices("user", [users] if single else users)
        unknown = np.flatnonzero(u == 0xFFFFFFFF)
        if unknown.size:
            given = [users] if single else list(users)
            raise ValueError(f"unknown user id {given[unknown[0]]!r}")
        threads = self.threads or 0
        items, scores = _hogmf.recommend(model, u, int(n), bool(exclude_seen), threads)
        items = self._item_names(items)
        return (items[0], scores[0]) if single else (items, scores)

    def similar_items(self, items, n=10):
        """(items, similarities): the n items whose factors are closest by
        cosine to each given item's (itself left out), best first."""
        model = self._fitted()
        single = np.ndim(items) == 0
        i = self._indices("item", [items] if single else items)
        unknown = np.flatnonzero(i == 0xFFFFFFFF)
        if unknown.size:
            given = [items] if single else list(items)
            raise ValueError(f"unknown item id {given[unknown[0]]!r}")
        found, scores = _hogmf.similar_items(model, i, int(n))
        found = self._item_names(found)
        return (found[0], scores[0]) if single else (found, scores)

    def evaluate(self, users, items=None, ratings=None, *, metrics=_DEFAULT_METRICS,
                 relevant=None, threads=None, user="user", item="item", rating="rating",
                 format="auto", user_column="", item_column="", rating_column=""):
        """Metrics of the model on held-out ratings, by `hogmf eval`'s names:
        rmse, mae, unseen_pairs, auc, mpr, precision@N, recall@N, ndcg@N,
        map@N (N = 10 when left out). Returns {name: value} in order. The
        ratings come in any of fit's forms, a file path included."""
        model = self._fitted()
        parsed = _parse_metrics(metrics)
        cutoffs = sorted({n for _, _, n in parsed if n > 0})
        ranking = any(base not in ("rmse", "mae", "unseen_pairs") for _, base, _ in parsed)
        threads = (self.threads or 0) if threads is None else threads
        if _inputs.is_path(users):
            read, _, _ = _inputs.to_ratings(users, format=format, user_column=user_column,
                                            item_column=item_column,
                                            rating_column=rating_column)
            found = _hogmf.evaluate_ratings(model, read, cutoffs, ranking, relevant, threads)
            return {name: found[name] for name, _, _ in parsed}
        users, items, ratings = _inputs.columns(users, items, ratings, user=user, item=item,
                                                rating=rating)
        u = self._indices("user", users)
        i = self._indices("item", items)
        values = _inputs.values(ratings) if ratings is not None else np.ones(len(u))
        found = _hogmf.evaluate(model, u, i, values.astype(np.float32), cutoffs, ranking,
                                relevant, threads)
        return {name: found[name] for name, _, _ in parsed}

    # -- the model's parts -----------------------------------------------

    @property
    def model_(self):
        """The underlying _hogmf.Model."""
        return self._fitted()

    @property
    def user_factors(self):
        """P: a read-only (users x k) float32 view of the model's memory."""
        return self._fitted().user_factors

    @property
    def item_factors(self):
        """Q: a read-only (items x k) float32 view of the model's memory."""
        return self._fitted().item_factors

    @property
    def user_biases(self):
        """b_u per user (read-only view), or None for a model without biases."""
        return self._fitted().user_biases

    @property
    def item_biases(self):
        """b_i per item (read-only view), or None for a model without biases."""
        return self._fitted().item_biases

    @property
    def global_mean(self):
        """The training mean."""
        return self._fitted().mean

    @property
    def user_ids(self):
        """The ids of the model's user rows, in row order."""
        if self._user_ids is None:
            self._user_ids = self._fitted().user_ids(self._kinds[0])
        return self._user_ids

    @property
    def item_ids(self):
        """The ids of the model's item rows, in row order."""
        if self._item_ids is None:
            self._item_ids = self._fitted().item_ids(self._kinds[1])
        return self._item_ids

    @property
    def report(self):
        """The last training session's report (a dict), or None."""
        return self._report

    @property
    def history(self):
        """Per-epoch figures of the training so far: a pandas DataFrame when
        pandas is importable, else a list of dicts."""
        try:
            import pandas
        except ImportError:
            return list(self._history)
        return pandas.DataFrame(self._history)

    # -- files and pickling ------------------------------------------------

    def save(self, path):
        """Saves the model in hogmf's binary format (atomically)."""
        self._fitted().save(os.fsdecode(path))

    def export_libmf(self, path):
        """Writes the model as a LIBMF text model (for mf-predict)."""
        self._fitted().export_libmf(os.fsdecode(path))

    @classmethod
    def _from_model(cls, model, kinds=None):
        estimator = cls(k=model.k)
        estimator._model = model
        estimator._kinds = tuple(kinds) if kinds else (model.user_kind(), model.item_kind())
        return estimator

    def __getstate__(self):
        state = {"params": self.get_params(), "kinds": self._kinds,
                 "history": self._history, "report": None}
        if self._report is not None:
            state["report"] = {key: value for key, value in self._report.items()
                               if key != "params"}
        state["model"] = None if self._model is None else self._model.serialize()
        return state

    def __setstate__(self, state):
        for name, value in state["params"].items():
            setattr(self, name, value)
        self._kinds = state["kinds"]
        self._history = state["history"]
        self._report = state["report"]
        self._model = None if state["model"] is None else \
            _hogmf.deserialize_model(state["model"])
        self._user_ids = self._item_ids = None


def load(path):
    """An MF holding the model of a hogmf or LIBMF model file."""
    return MF._from_model(_hogmf.load_model(os.fsdecode(path)))
