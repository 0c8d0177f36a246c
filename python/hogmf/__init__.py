"""hogmf: matrix factorization by lock-free parallel SGD (Python module).

    import hogmf
    model = hogmf.MF(k=32, epochs=20).fit(users, items, ratings)
    model.predict(users, items)
    top_items, scores = model.recommend(users, n=10)

See docs/python.md."""

from ._estimator import MF, load
from ._hogmf import Model, Ratings, TrainParams

__all__ = ["MF", "load", "Model", "Ratings", "TrainParams"]
