"""A benchmark model whose fit kills its worker process (for the sweep's dead-worker message)."""

import multiprocessing
import os


class Crash:
    name = "crash"

    def fit(self, dataset, est_stims, *, seed, device):
        if multiprocessing.parent_process() is None:  # never in the test process itself
            raise RuntimeError("Crash is meant to run in a worker process")
        os._exit(3)


model = Crash()
