"""Ctrl-C during training: SIGINT stops fit within a second or so, keeps the
model trained so far (history included), then raises KeyboardInterrupt;
the GIL is released while the engine trains."""

import os
import signal
import threading
import time

import numpy as np
import pytest

import hogmf

from conftest import low_rank


@pytest.fixture(scope="module")
def big():
    return low_rank(users=20000, items=5000, k=8, n=600_000, seed=5)


def interrupt_after(seconds):
    sent = []

    def send():
        time.sleep(seconds)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread, sent


def test_sigint_stops_training_and_keeps_the_model(big):
    u, i, r = big
    model = hogmf.MF(k=32, epochs=100000, l2=0.05, threads=2, time_limit=30)
    thread, sent = interrupt_after(1.5)
    with pytest.raises(KeyboardInterrupt):
        model.fit(u, i, r)
    stopped = time.monotonic()
    thread.join()
    assert sent and stopped - sent[0] < 2.0
    assert len(model.history) >= 1
    assert np.isfinite(model.predict(u[:10], i[:10])).all()
    assert model.report["stop_reason"] == "cancelled"


def test_sigint_during_the_choice_of_auto_params(big):
    u, i, r = big
    model = hogmf.MF(k=32, threads=2, time_limit=30)
    thread, sent = interrupt_after(1.0)
    with pytest.raises(KeyboardInterrupt):
        model.fit(u, i, r)
    stopped = time.monotonic()
    thread.join()
    assert sent and stopped - sent[0] < 2.0


def test_other_threads_run_while_training(big):
    u, i, r = big
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    ticker = threading.Thread(target=tick)
    model = hogmf.MF(k=16, epochs=15, l2=0.05, threads=2)
    ticker.start()
    start = time.monotonic()
    model.fit(u, i, r)
    elapsed = time.monotonic() - start
    done.set()
    ticker.join()
    during = [t for t in ticks if start <= t <= start + elapsed]
    assert len(during) >= 0.3 * elapsed / 0.01
