#!/usr/bin/env python3
"""A batch job with pandas and hogmf: read a ratings CSV (one is generated
when no path is given), hold out a fifth of it, train, evaluate on the
held-out part, and write every user's top 10 items to a CSV.

    PYTHONPATH=build/python python3 examples/python/pandas_job.py [ratings.csv] \
        [--out-dir DIR]
"""

import argparse
import os
import sys

import numpy as np
import pandas as pd

import hogmf


def generate(path, users=2000, items=800, k=6, n=100_000, seed=1):
    """A CSV of low-rank ratings on a 1..5 scale with string user ids."""
    rng = np.random.default_rng(seed)
    p = rng.normal(scale=0.6, size=(users, k))
    q = rng.normal(scale=0.6, size=(items, k))
    u = rng.integers(0, users, n)
    i = rng.integers(0, items, n)
    r = np.clip(np.round(3.5 + (p[u] * q[i]).sum(axis=1) + 0.3 * rng.normal(size=n)), 1, 5)
    frame = pd.DataFrame({"user": [f"u{x}" for x in u], "item": i, "rating": r})
    frame.drop_duplicates(["user", "item"]).to_csv(path, index=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ratings", nargs="?", help="CSV with user,item,rating columns")
    parser.add_argument("--out-dir", default=".", help="where the outputs go")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    path = args.ratings
    if path is None:
        path = os.path.join(args.out_dir, "ratings.csv")
        generate(path)

    frame = pd.read_csv(path)
    held_out = np.random.default_rng(7).random(len(frame)) < 0.2
    train, test = frame[~held_out], frame[held_out]

    model = hogmf.MF(k=16, threads=2)
    model.fit(train, user="user", item="item", rating="rating", validation=test)
    print(f"trained {model.report['epochs']} epochs with l2 {model.report['params'].l2_p:.4g}",
          file=sys.stderr)
    scores = model.evaluate(test, metrics="rmse,mae,unseen_pairs,ndcg@10,auc", relevant=4.0)
    for name, value in scores.items():
        print(f"{name} {value:.6g}")

    users = model.user_ids
    items, item_scores = model.recommend(users, n=10)
    top = pd.DataFrame({
        "user": np.repeat(users, items.shape[1]),
        "rank": np.tile(np.arange(1, items.shape[1] + 1), len(users)),
        "item": items.ravel(),
        "score": item_scores.ravel(),
    })
    top = top[~pd.isna(top["score"])]
    out = os.path.join(args.out_dir, "top10.csv")
    top.to_csv(out, index=False)
    print(f"wrote {len(top)} recommendations for {len(users)} users to {out}", file=sys.stderr)
    if scores["rmse"] > 1.2 or len(top) != 10 * len(users):
        print("unexpectedly poor model", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
