"""Every dataset of the zoo passes the same tests, on its fake release (MOABB's "every dataset passes the
same tests"; torchvision's per-dataset fake data). A new dataset needs its module, its fake
(deepSTRF/testing/<name>.py, one line in deepSTRF.testing.FAKES) and its registry block; nothing here."""

import inspect
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from deepSTRF.cache.loader import CACHE_PARAMETER_DOC
from deepSTRF.datasets.audio import RepeatGating
from deepSTRF.datasets.zoo import BUILT_IN, canonical_name, dataset_class, datasets
from deepSTRF.download import dataset_info
from deepSTRF.testing import FAKES, assert_same_dataset, fake_release

NAMES = list(datasets())
README = Path(__file__).parent.parent.joinpath("README.md").read_text(encoding="utf-8")
#: further argument sets the cache must key correctly (name, extra keyword arguments)
VARIANTS = [("AA1", {"return_waveform": True, "audio_fs": 16000}),
            ("AC1", {"experimenter": "wehr", "gating": RepeatGating(max_abs_mv=1000.0)})]


def test_every_dataset_has_a_fake_and_every_fake_a_dataset():
    assert list(FAKES) == NAMES


@pytest.fixture(params=NAMES)
def name(request):
    if request.param == "AliceEEG":
        pytest.importorskip("mne")  # the optional 'eeg' extra; CI installs it
    return request.param


def _load(cls, kwargs):
    """The dataset and the (category, message) of every warning its construction gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = cls(**kwargs)
    assert {w.filename for w in caught} <= {__file__}, "a warning not at the caller's line"
    return ds, sorted((w.category.__name__, str(w.message)) for w in caught)


@pytest.mark.parametrize("case", NAMES + [f"{n}+{i}" for i, (n, _) in enumerate(VARIANTS)])
def test_cold_equals_warm_and_a_warm_load_builds_nothing(case, tmp_path, monkeypatch):
    from deepSTRF.datasets import DatasetBuilder

    base, _, k = case.partition("+")
    if base == "AliceEEG":
        pytest.importorskip("mne")
    cls = dataset_class(base)
    kwargs = {**fake_release(base, tmp_path / "data"), **(VARIANTS[int(k)][1] if k else {})}
    cold, cold_warnings = _load(cls, {**kwargs, "cache": False})
    assert not isinstance(cold.packed_responses.chunks[0], np.memmap)
    first, first_warnings = _load(cls, kwargs)  # builds, writes the cache, hands out the mapped copy

    def no_build(*a, **k):
        raise AssertionError("a warm load built the dataset again")

    monkeypatch.setattr(DatasetBuilder, "__init__", no_build)
    warm, warm_warnings = _load(cls, kwargs)
    assert all(isinstance(c, np.memmap) for c in warm.packed_responses.chunks + warm.packed_stims.chunks)
    assert_same_dataset(cold, first)
    assert_same_dataset(cold, warm)
    assert type(warm) is cls and warm.path == cold.path
    # what the loader had to say (skipped trials, mixed signal types) is said again on every load
    assert cold_warnings == first_warnings == warm_warnings


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning")  # the fakes' own
def test_the_paradigm_holds(name, tmp_path):
    ds = dataset_class(name)(**fake_release(name, tmp_path / "data"), cache=False)
    S, N = len(ds.stim_meta), ds.N_neurons
    assert S > 0 and N > 0 and len(ds) > 0 and len(ds.nrn_meta) == N
    assert ds.nrn_masks.shape == (S, N) and ds.nrn_masks.dtype == torch.bool
    for s in range(S):
        x = ds.stims[s]
        assert x.dtype == torch.float32 and not torch.isnan(x).any()
        T = x.shape[-1] // (ds.hop or 1)
        for n in range(N):
            r = ds.responses[s][n]
            assert r.dtype == torch.float32
            if bool(ds.nrn_masks[s, n]):
                assert r.ndim == 2 and r.shape[1] == T
            else:
                assert r.shape == (1, 1) and torch.isnan(r).all()
    item = ds[0]
    assert {"stims", "responses", "pair_mask", "stim_meta"} <= set(item)
    assert isinstance(item["responses"], list) and len(item["responses"]) == len(ds.active_neurons)
    assert isinstance(ds.return_waveform, bool) and ds.return_waveform == (ds.hop is not None)
    assert all(isinstance(m, dict) for m in ds.stim_meta + ds.nrn_meta)
    ds.validate()  # still valid after all that


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning")  # the fakes' own
def test_repr_names_the_class_and_the_counts(name, tmp_path):
    ds = dataset_class(name)(**fake_release(name, tmp_path / "data"), cache=False)
    text = repr(ds)
    assert text.startswith(type(ds).__name__ + "(") and f"S={len(ds.stim_meta)}" in text
    assert f"N={ds.N_neurons}" in text


def test_a_wrong_argument_fails_naming_what_is_allowed(name, tmp_path):
    kwargs = fake_release(name, tmp_path / "data")
    with pytest.raises((ValueError, TypeError), match="dt_ms") as err:
        dataset_class(name)(**{**kwargs, "dt_ms": -1.0, "cache": False})
    assert "-1.0" in str(err.value)


def test_missing_files_are_named_with_the_remedy(name, tmp_path):
    if name in BUILT_IN:
        return  # made from its arguments: no files
    empty = tmp_path / "empty"
    empty.mkdir()
    kwargs = {**FAKES[name][2], "path": str(empty), "cache": False}
    with pytest.raises(FileNotFoundError) as err:
        dataset_class(name)(**kwargs)
    msg = str(err.value)
    assert str(empty) in msg and "missing" in msg.lower()
    assert "download=True" in msg and f"deepstrf download {name}" in msg


def test_one_name_everywhere(name):
    cls = dataset_class(name)
    assert cls.registry == name if name not in BUILT_IN else True
    if name not in BUILT_IN:
        info = dataset_info(name)
        assert info.name == name and info.loader.endswith(f":{cls.__name__}")
        assert dataset_info(cls.__name__) is info and dataset_info(name.lower()) is info
    for spelling in (name, name.lower(), name.upper(), cls.__name__, f"crcns_{name.lower()}"):
        assert canonical_name(spelling) == name
    assert f"| `{name}` | `{cls.__name__}" in README, f"no README row for {name}"


SHARED = ("dt_ms", "smooth", "return_waveform", "audio_fs", "download", "username, password", "n_mels",
          "compression", "window_ms", "cache")


def _parameters(cls) -> dict:
    """``{'name : type, default': description}`` of the Parameters section of a class docstring."""
    section = cls.__doc__.split("Parameters\n    ----------\n", 1)[1].split("\n\n    ")[0]
    out, head = {}, None
    for line in section.split("\n"):
        if line.startswith("    ") and not line.startswith("     "):
            head = line.strip()
            out[head] = ""
        elif head is not None:
            out[head] += " " + line.strip()
    return {k: v.strip() for k, v in out.items()}


def test_shared_parameters_read_the_same_everywhere():
    first = {}
    for name in NAMES:
        for head, text in _parameters(dataset_class(name)).items():
            key = head.split(" :")[0]
            if key in SHARED and not (key == "cache" and name in BUILT_IN):  # a built-in cache has no source files
                sentence = (text.split("; ``False``")[0] if key == "cache" else text.split(". ")[0].split("; ")[0]).rstrip(".")
                first.setdefault(key, {}).setdefault(sentence, []).append(name)
    for key, wordings in first.items():
        assert len(wordings) == 1, f"{key} is worded {len(wordings)} ways: {wordings}"


def test_every_loader_documents_its_parameters_and_cache(name):
    cls = dataset_class(name)
    sig = inspect.signature(cls.__init__)
    assert sig.parameters["cache"].default is True
    params = cls.__doc__.split("Parameters\n    ----------\n", 1)[1].split("\n\n    ")[0]
    assert f"\n    {CACHE_PARAMETER_DOC}\n" in "\n" + params + "\n"
    documented = {line.split(" :")[0].strip() for line in params.split("\n")
                  if line.startswith("    ") and not line.startswith("     ") and " :" in line}
    for p in sig.parameters:
        if p in ("self",) or p.startswith("_"):
            continue
        assert any(p in d.replace(" ", "").split(",") for d in documented), f"{cls.__name__}: {p} undocumented"
    for head, text in _parameters(cls).items():
        assert text, f"{cls.__name__}: {head!r} has a type and no description"
