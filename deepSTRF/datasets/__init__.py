"""Datasets: one module per dataset (``deepSTRF.datasets.audio``), over the data paradigm of
:mod:`deepSTRF.paradigm`, whose base classes are re-exported here.

The re-exports load on first use, so ``deepSTRF.datasets.zoo`` (the names the command line
lists) imports without torch."""

__all__ = ["NeuralDataset", "DatasetBuilder"]


def __getattr__(name: str):
    if name in __all__:
        from .. import paradigm

        return getattr(paradigm, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
