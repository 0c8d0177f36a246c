"""Progress display of fit(verbose=True): a tqdm bar over the epochs when
tqdm is importable, else one line per epoch (and per parameter trial) on
stderr."""

import sys


def _describe(stats):
    text = f"loss {stats['loss']:.4g} train_rmse {stats['train_rmse']:.4f}"
    if stats.get("validation_rmse") is not None:
        text += f" validation_rmse {stats['validation_rmse']:.4f}"
    return text


class Progress:
    def __init__(self, epochs):
        self._bar = None
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self._bar = tqdm(total=epochs, unit="epoch", file=sys.stderr, leave=True)

    def trial(self, trial):
        line = (f"trial l2 {trial['l2']:.4g}: {trial['epochs']} epochs, "
                f"score {trial['score']:.4f} ({trial['seconds']:.2f} s)")
        if self._bar is not None:
            self._bar.set_description("choosing l2/epochs")
            self._bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr, flush=True)

    def epoch(self, stats):
        if self._bar is not None:
            self._bar.set_description("training")
            self._bar.set_postfix_str(_describe(stats))
            self._bar.update(1)
        else:
            print(f"epoch {stats['epoch']}: {_describe(stats)} ({stats['seconds']:.2f} s)",
                  file=sys.stderr, flush=True)

    def close(self):
        if self._bar is not None:
            self._bar.close()
