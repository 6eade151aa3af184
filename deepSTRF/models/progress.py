"""Progress of a fit that knows early stopping, on a terminal or in a log.

On a terminal one line is rewritten after every epoch and left on screen at
the end; elsewhere (a log file, a notebook's captured stream, CI) a line is
printed every ``every_s`` seconds and once at the end. No ETA: early
stopping decides the length, not ``max_epochs``.
"""

from __future__ import annotations

import sys
import time


class FitProgress:
    """Report epochs, losses, the best epoch and the patience left.

    Parameters
    ----------
    label : str
        What is being fitted (``'fit LNModel'``).
    patience : int
        Epochs without improvement before stopping.
    enabled : bool, default True
        False: say nothing.
    stream : file, optional
        Where to write (default ``sys.stderr``).
    every_s : float, default 5.0
        Seconds between lines when the stream is not a terminal.
    """

    def __init__(self, label: str, patience: int, enabled: bool = True, stream=None, every_s: float = 5.0):
        self.label, self.patience, self.enabled = label, patience, enabled
        self.stream = sys.stderr if stream is None else stream
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every_s = every_s
        self.t0 = self.last = time.perf_counter()
        self.text = ""

    def epoch(self, epoch: int, train: float, val: float, best_val: float, best_epoch: int) -> None:
        """After epoch ``epoch`` (0-based): its losses and the best so far."""
        if not self.enabled:
            return
        left = self.patience - (epoch - best_epoch)
        self.text = (f"{self.label}: epoch {epoch + 1}, train {train:.4f}, val {val:.4f} (best {best_val:.4f} at "
                     f"epoch {best_epoch + 1}), patience {left}/{self.patience} left, "
                     f"{time.perf_counter() - self.t0:.1f} s")
        now = time.perf_counter()
        if self.tty:
            self.stream.write("\r" + self.text + "\033[K")
            self.stream.flush()
        elif now - self.last >= self.every_s:
            self.stream.write(self.text + "\n")
            self.stream.flush()
            self.last = now

    def done(self, stopped_early: bool) -> None:
        """The last line, kept on screen."""
        if not self.enabled or not self.text:
            return
        end = " (stopped early)" if stopped_early else ""
        self.stream.write(("\r" if self.tty else "") + self.text + end + ("\033[K" if self.tty else "") + "\n")
        self.stream.flush()
