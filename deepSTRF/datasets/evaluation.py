"""How each dataset's papers evaluate encoding models on it: the split, the preprocessing, the unit.

Every dataset class declares one :class:`Evaluation` as its ``evaluation``
attribute; :mod:`deepSTRF.benchmark` reads it (this module knows nothing of
the benchmark, and imports no torch). Where a paper states the procedure, the
declaration follows it and says where; where none does, it is a documented
default.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Evaluation", "HOLDOUT_EVERY"]

#: how test stimuli are chosen when a dataset has no published split
HOLDOUT_EVERY = 5


@dataclass(frozen=True)
class Evaluation:
    """A dataset's canonical evaluation.

    Parameters
    ----------
    split_key : str or None
        The ``stim_meta`` key holding the published split (``'subset'``, ``'split'``); ``None``
        when there is none and the hold-out rule applies.
    est_values, test_values : tuple of str
        Values of ``split_key`` of the estimation stimuli (fit, validation carved from them) and
        of the test stimuli (scored).
    holdout_key, holdout_values : str or None, tuple of str
        Without a published split: the candidates for the test set are the stimuli whose
        ``stim_meta[holdout_key]`` is in ``holdout_values`` (every stimulus when ``None``); every
        ``HOLDOUT_EVERY``-th of them (positions 0, 5, 10, ... in stimulus order) is a test
        stimulus, the rest are estimation stimuli.
    unit : {'neuron', 'site'}
        ``'site'``: one model per ``nrn_meta['site']`` (the papers fit each recording site
        separately); ``'neuron'``: one model for the whole population.
    smooth_ms : float or None
        Hann window applied to the responses first (``smooth_responses``), or none.
    normalize : {'max', 'zscore', 'minmax'} or None
        Response normalisation fitted on the estimation stimuli, or none.
    ccmax : {'schoppe', 'hsu'}
        The noise ceiling the papers normalise by (both are reported).
    min_snr : float
        Neurons whose Sahani-Linden SNR on the test stimuli is below it are flagged
        ``reliable=False`` in the results (reported, never dropped).
    loader_kwargs : dict
        Arguments of the loader for the benchmark (for example ``{'area': 'A1'}``).
    source : str
        Where the procedure comes from (paper, section), or why this default.

    Examples
    --------
    >>> from deepSTRF.datasets.audio import NAT4Dataset
    >>> NAT4Dataset.evaluation.split_key, NAT4Dataset.evaluation.test_values
    ('subset', ('val',))
    """

    split_key: str | None = None
    est_values: tuple = ()
    test_values: tuple = ()
    holdout_key: str | None = None
    holdout_values: tuple = ()
    unit: str = "neuron"
    smooth_ms: float | None = None
    normalize: str | None = None
    ccmax: str = "schoppe"
    min_snr: float = 0.0
    loader_kwargs: dict = field(default_factory=dict)
    source: str = ""

    def __post_init__(self):
        if self.unit not in ("neuron", "site"):
            raise ValueError(f"unit must be 'neuron' or 'site'; got {self.unit!r}")
        if self.ccmax not in ("schoppe", "hsu"):
            raise ValueError(f"ccmax must be 'schoppe' or 'hsu'; got {self.ccmax!r}")
        if self.split_key is not None and not (self.est_values and self.test_values):
            raise ValueError("a published split needs est_values and test_values")

    def resolve(self, stim_meta: list[dict]) -> tuple[list[int], list[int]]:
        """The estimation and test stimuli (absolute indices) of a dataset with ``stim_meta``.

        Parameters
        ----------
        stim_meta : list of dict
            The dataset's ``stim_meta``.

        Returns
        -------
        est, test : list of int

        Examples
        --------
        >>> from deepSTRF.datasets.evaluation import Evaluation
        >>> Evaluation(holdout_key="type", holdout_values=("song",)).resolve(
        ...     [{"type": "song"}] * 6 + [{"type": "ripple"}] * 2)
        ([1, 2, 3, 4, 6, 7], [0, 5])
        """
        if self.split_key is not None:
            values = [str(m.get(self.split_key, "")).lower() for m in stim_meta]
            est = [s for s, v in enumerate(values) if v in {x.lower() for x in self.est_values}]
            test = [s for s, v in enumerate(values) if v in {x.lower() for x in self.test_values}]
        else:
            candidates = [s for s, m in enumerate(stim_meta)
                          if self.holdout_key is None or m.get(self.holdout_key) in self.holdout_values]
            test = candidates[::HOLDOUT_EVERY]
            held = set(test)
            est = [s for s in range(len(stim_meta)) if s not in held]
        if not est or not test:
            raise ValueError(f"the evaluation split gives {len(est)} estimation and {len(test)} test stimuli "
                             f"({self.describe()}): both must be non-empty")
        return est, test

    def describe(self) -> str:
        """One line: the split and the preprocessing.

        Examples
        --------
        >>> from deepSTRF.datasets.evaluation import Evaluation
        >>> Evaluation("subset", ("est",), ("val",)).describe()
        "stim_meta['subset']: est -> fit, val -> test; one model for all neurons; ceiling schoppe"
        """
        if self.split_key is not None:
            split = (f"stim_meta[{self.split_key!r}]: {'/'.join(self.est_values)} -> fit, "
                     f"{'/'.join(self.test_values)} -> test")
        else:
            among = f" of stim_meta[{self.holdout_key!r}] in {list(self.holdout_values)}" if self.holdout_key else ""
            split = f"every {HOLDOUT_EVERY}th stimulus{among} -> test, the rest -> fit"
        parts = [split, "one model per site" if self.unit == "site" else "one model for all neurons"]
        if self.smooth_ms:
            parts.append(f"responses smoothed {self.smooth_ms:g} ms")
        if self.normalize:
            parts.append(f"responses normalised ({self.normalize}, on est)")
        parts.append(f"ceiling {self.ccmax}")
        return "; ".join(parts)
