"""Every model on every dataset, scored the same way, next to the published numbers.

The evaluation layer over datasets, metrics and models (nothing below imports
it): each dataset class declares its canonical evaluation
(:class:`deepSTRF.datasets.evaluation.Evaluation`: split, preprocessing,
population unit, noise ceiling); :func:`run` fits each model on the
estimation stimuli, scores it on the test stimuli with one procedure
(:mod:`deepSTRF.benchmark.scoring`), writes the results as they finish and
resumes where it stopped; :mod:`deepSTRF.benchmark.report` makes the tables
and figures. ``deepstrf benchmark`` is the command line.
"""

from .models import Baseline, BenchmarkModel, LaggedEstimator, TorchModel, resolve_model
from .report import published_numbers, summarize
from .scoring import score_cell
from .sweep import available_datasets, run

__all__ = ["run", "score_cell", "Baseline", "TorchModel", "LaggedEstimator", "BenchmarkModel", "resolve_model",
           "available_datasets", "published_numbers", "summarize"]
