"""Code written for deepSTRF 0.1.0 keeps its meaning: each test is a user script of that era.

Every call here is documented by 0.1.0; the expected values are what 0.1.0
documents (selections replace, hidden neurons, element-wise masks, ...),
worked out by hand on small datasets whose every value is known.
"""

import io
import warnings

import numpy as np
import pytest
import scipy.io.wavfile
import torch
from conftest import NRN_META, REPEATS, STIM_META, T_OF, ListDataset, expected_block, stim_array
from torch.utils.data import DataLoader

from deepSTRF.datasets import DatasetBuilder
from deepSTRF.datasets.audio import AudioNeuralDataset

NAN = float("nan")


def motif_dataset(dt_ms=5.0):
    """6 stimuli (3 motifs x 2 variants) x 3 neurons; neuron 2 heard only motif 'm2'."""
    b = DatasetBuilder(dt_ms=dt_ms)
    for k, (motif, variant) in enumerate([(m, v) for m in ("m0", "m1", "m2") for v in ("C", "G")]):
        b.add_stim(np.full((1, 2, 4 + k), float(k), np.float32), name=f"{motif}_{variant}", motif=motif,
                   variant=variant, subset="val" if motif == "m2" else "est")
    for n in range(3):
        b.add_neuron(cell_id=f"c{n}", area="A1" if n < 2 else "PEG", auditory=n != 1)
    for s in range(6):
        for n in range(2):
            b.add_response(s, n, np.full((2, 4 + s), 10.0 * s + n, np.float32))
    for s in (4, 5):
        b.add_response(s, 2, np.full((3, 4 + s), 100.0 + s, np.float32))
    return b.build(F=2, name="Motifs")


# ------------------------------------------------------------------ 1. selections replace
def test_the_est_then_val_switch_and_a_motif_loop():
    ds = motif_dataset()
    ds.select_stims_by_attr("subset", "est")
    assert len(ds) == 4
    ds.select_stims_by_attr("subset", "val")  # 0.1.0: built from all stimuli again
    assert [ds[i]["stim_meta"]["name"] for i in range(len(ds))] == ["m2_C", "m2_G"]
    seen = {}
    for motif in ("m0", "m1", "m2"):
        ds.select_stims_by_attr("motif", motif)
        seen[motif] = [ds[i]["stim_meta"]["name"] for i in range(len(ds))]
    assert seen == {"m0": ["m0_C", "m0_G"], "m1": ["m1_C", "m1_G"], "m2": ["m2_C", "m2_G"]}
    ds.select_stims_by_attr("motif", "m0")
    assert ds.select_stims_by_attr("variant", "G", within_current=True) == [1]  # narrowing, on request


def test_a_second_neuron_attribute_replaces_the_first():
    ds = motif_dataset()
    assert ds.select_pop_by_nrn_attr("area", "A1") == [0, 1]
    assert ds.select_pop_by_nrn_attr("auditory", True) == [0, 2]  # every auditory cell, not A1-and-auditory
    assert ds.select_pop_by_nrn_attr("auditory", True, within_current=False) == [0, 2]
    ds.select_pop_by_nrn_attr("area", "A1")
    assert ds.select_pop_by_nrn_attr("auditory", True, within_current=True) == [0]


def test_le2025_selection_methods_replace_too(tmp_path):
    from deepSTRF.datasets.audio.le_2025 import Le2025Dataset
    from deepSTRF.testing.le2025 import make_le

    make_le(tmp_path)
    with pytest.warns(UserWarning):
        ds = Le2025Dataset(str(tmp_path), smooth=False, compute_reliability=False)
    assert ds.select_critical_interval(None) == [4, 5]
    assert ds.select_critical_interval(1) == [0, 1, 2]  # not narrowed by the previous call
    assert ds.select_variant("GB") == [1] and ds.select_variant("C") == [4]
    assert ds.select_motif("nat8mk0") == list(range(6))
    assert ds.select_variant("CB", within_current=True) == [0]
    with pytest.raises(ValueError, match="variant must be one of"):
        ds.select_variant("XX")


# ------------------------------------------------------------------ 2. hidden neurons
def test_neurons_without_selected_stimuli_are_hidden_everywhere():
    ds = motif_dataset()
    ds.select_stims_by_attr("subset", "est")  # neuron 2 heard none of these
    assert ds.active_neurons == [0, 1] and ds.selected_neurons == [0, 1, 2]
    item = ds[0]
    assert len(item["responses"]) == 2 and item["pair_mask"].tolist() == [True, True]
    assert [m["cell_id"] for m in ds.get_nrn_meta()] == ["c0", "c1"]
    batch = next(iter(DataLoader(ds, batch_size=4, collate_fn=_collate())))
    assert batch["responses"].shape[1] == 2 == len(ds.active_neurons)  # a model sized from active_neurons fits
    assert torch.equal(ds.selection_masks, ds.nrn_masks[ds.selected_stims][:, ds.active_neurons])
    assert ds.selection_masks.all(dim=0).tolist() == [True, True]
    ds.select_stims_by_attr("subset", "val")
    assert ds.active_neurons == [0, 1, 2] and len(ds[1]["responses"]) == 3
    assert ds.nrn_masks.shape == (6, 3)  # the full masks stay full


def _collate():
    from deepSTRF.utils.data import neural_collate

    return neural_collate


# ------------------------------------------------------------------ 3. predicates across datasets
def test_one_predicate_across_datasets_with_different_metadata():
    from deepSTRF.utils.data import concat_neural_datasets

    a, b = motif_dataset(dt_ms=10.0), ListDataset()
    both = concat_neural_datasets([a, b], names=["motifs", "tiny"])
    # 'depth' exists only in b's neurons, and is None in one: those neurons are skipped, not an error
    both.nrn_meta[3]["depth"] = None
    assert both.select_pop_by_nrn_predicate(lambda m: m["depth"] > 200) == [4, 5, 6]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert both.select_stims_by_predicate(lambda m: m["motif"] == "m1") == [2, 3]


# ------------------------------------------------------------------ 4-6. counts, keywords, empty selections
def test_counts_keywords_and_empty_selections():
    ds = motif_dataset()
    ds.select_population(neuron_indices=[2])
    assert ds.get_N() == 3 and ds.get_S() == 6 and len(ds) == 2
    assert ds.select_neuron(neuron_index=1) == [1]
    assert ds.select_pop_by_nrn_attr(attribute_name="area", value="PEG") == [2]
    assert ds.select_pop_by_stim_attr(attribute_name="motif", value="m2") == [0, 1, 2]
    assert ds.select_stim(stim_index=3) == [3] and ds.select_stims(stim_indices=[5, 0]) == [5, 0]
    assert ds.select_stims_by_attr(attribute_name="variant", value="C") == [0, 2, 4]
    with pytest.warns(UserWarning, match=r"no stimulus has motif == 'm9' \(values present: 'm0', 'm1', 'm2'\)"):
        assert ds.select_stims_by_attr("motif", "m9") == []
    assert len(ds) == 0 and [x for x in ds] == []
    with pytest.raises(ValueError, match="neuron indices is empty"):  # 0.1.0 read [] as "all": refused
        ds.select_population([])
    with pytest.raises(ValueError, match=r"no neuron has area == 'V1' \(values present: 'A1', 'PEG'\)"):
        ds.select_pop_by_nrn_attr("area", "V1")


# ------------------------------------------------------------------ 7-9. items and batches
def test_masked_loss_over_a_collated_batch():
    from deepSTRF.utils.data import neural_collate

    ds = ListDataset()  # ragged repeats, a sentinel per stimulus, a repeat marked invalid (NaN)
    batch = neural_collate([ds[i] for i in range(len(ds))])
    resp, m = batch["responses"], batch["valid_mask"]
    assert m.shape == resp.shape == (3, 4, 3, 5) and torch.equal(m, ~resp.isnan())
    pred = torch.zeros_like(resp)
    loss = torch.nn.functional.mse_loss(pred[m], resp[m])
    assert torch.isfinite(loss)
    expected = np.concatenate([expected_block(s, n)[~np.isnan(expected_block(s, n))]
                               for s in range(3) for n in range(4) if REPEATS[s][n]])
    assert loss.item() == pytest.approx(float(np.mean(expected.astype(np.float64) ** 2)), rel=1e-6)
    assert batch["pair_mask"].tolist() == [[bool(r) for r in row] for row in REPEATS]
    avg = neural_collate([ds[0]], average_repeats=True)
    assert avg["valid_mask"].shape == avg["responses"].shape == (1, 4, 5)


def test_items_hold_real_lists_and_slices_are_one_dict():
    ds = motif_dataset()
    ds.select_population([0, 1])
    item = ds[2]
    assert isinstance(item["responses"], list)
    stacked = torch.stack(item["responses"])  # both neurons have 2 repeats here
    assert stacked.shape == (2, 2, 6) and (stacked[1] == 21.0).all()
    part = ds[1:3]
    assert isinstance(part, dict) and [m["name"] for m in part["stim_meta"]] == ["m0_G", "m1_C"]
    assert len(part["responses"]) == 2 and part["stims"][1].shape == (1, 2, 6)
    assert [m["name"] for m in ds[[5, 0]]["stim_meta"]] == ["m2_G", "m0_C"]
    assert ds.return_waveform is False


def test_a_hand_built_item_collates_without_a_mask():
    from deepSTRF.utils.data import neural_collate

    items = [{"stims": torch.zeros(1, 2, 3), "responses": [torch.ones(1, 3), torch.full((1, 1), NAN)]}]
    batch = neural_collate(items)
    assert batch["pair_mask"].tolist() == [[True, False]] and int(batch["valid_mask"].sum()) == 3


# ------------------------------------------------------------------ 10. editing after the build
def test_editing_after_construction():
    ds = ListDataset()
    ds.select_population([0, 3])
    ds.responses[0][0] = torch.zeros(2, 5)  # same shape: in place
    assert torch.equal(ds[0]["responses"][0], torch.zeros(2, 5))
    ds.responses[0][0] = torch.ones(1, 5)  # a repeat dropped
    ds.responses[1][1] = torch.full((1, 1), NAN)  # made a sentinel
    ds.responses[0][3] = torch.full((4, 5), 7.0)  # neuron 3 now heard stimulus 0
    ds._invalidate_nrn_masks()  # what 0.1.0 asked for; harmless here
    assert ds.nrn_masks[:, [0, 1, 3]].tolist() == [[True, True, True], [True, False, False], [True, True, True]]
    assert ds[0]["responses"][0].shape == (1, 5) and ds[0]["pair_mask"].tolist() == [True, True]
    assert torch.equal(ds[0]["responses"][1], torch.full((4, 5), 7.0))
    ds.responses[1] = [torch.full((1, 3), float(n)) for n in range(4)]  # a whole row
    assert ds.nrn_masks[1].tolist() == [True] * 4 and torch.equal(ds.responses[1][2], torch.full((1, 3), 2.0))
    ds.stims[2] = torch.ones(1, 2, 4)  # same shape
    assert torch.equal(ds[2]["stims"], torch.ones(1, 2, 4))
    with pytest.raises(ValueError, match=r"responses\[2\]\[1\] must be \(R, 4\)"):
        ds.responses[2][1] = torch.zeros(2, 3)  # T is the stimulus's
    with pytest.raises(ValueError, match=r"stims\[1 \(b\)\]: stimuli never contain NaN"):
        ds.stims[1] = torch.full((1, 2, 3), NAN)
    with pytest.raises(ValueError, match=r"stims\[0 \(a\)\] would have 9 time bins but responses\[0\]\[0\] has 5"):
        ds.stims[0] = torch.zeros(1, 2, 9)
    ds.validate()


def test_whole_lists_assigned_without_validate():
    ds = ListDataset()
    ds.select_stims_by_attr("subset", "est")
    ds.stims = [x * 2 for x in ds.stims]  # no validate(): checked on next use
    np.testing.assert_array_equal(ds[0]["stims"].numpy(), 2 * stim_array(0))
    assert ds.selected_stims == [0, 1]  # the selection survives a same-size assignment
    # crop every stimulus and its responses to 2 bins: both lists, then use
    ds.stims = [x[..., :2] for x in ds.stims]
    ds.responses = [[r if r.shape == (1, 1) else r[:, :2] for r in row] for row in ds.responses]
    assert len(ds) == 2 and ds[1]["stims"].shape == (1, 2, 2)
    np.testing.assert_array_equal(ds.responses[2][3].numpy(), expected_block(2, 3)[:, :2])
    ds.responses = [[torch.zeros(1, 5)] * 4] * 3  # wrong T for stims of 2 bins: fails on use, naming the entry
    with pytest.raises(ValueError, match=r"responses\[0\]\[0\] must be \(R, 2\)"):
        len(ds)


def test_lists_become_the_storage_and_shared_tensors_are_transformed_once():
    class Shared(AudioNeuralDataset):
        def __init__(self):
            super().__init__(None, 10.0)
            self.F = 1
            block = torch.full((1, 4), 4.0)
            self.stims = [torch.zeros(1, 1, 4), torch.zeros(1, 1, 4)]
            self.responses = [[block, block], [block, torch.full((1, 4), 2.0)]]  # one tensor, three pairs
            self.stim_meta, self.nrn_meta, self.N_neurons = [{}, {}], [{}, {}], 2
            self.validate()

    ds = Shared()
    ds.normalize_responses("max", eps=0.0)
    assert ds.responses[0][0].tolist() == [[1.0] * 4] and ds.responses[1][0].tolist() == [[1.0] * 4]
    assert ds.responses[0][1].tolist() == [[1.0] * 4] and ds.responses[1][1].tolist() == [[0.5] * 4]


# ------------------------------------------------------------------ 11-14. transforms and quality
def test_normalise_on_est_apply_to_all():
    ds = motif_dataset()
    est = ds.select_stims_by_attr("subset", "est")
    out = ds.normalize_responses("max", stim_indices=est)
    assert set(out) == {"method", "scale", "offset", "stim_indices"} and ds.response_normalization is out
    # neuron 1's largest value on est is 31 (stim 3), eps added to the divisor; neuron 2 heard no est stimulus
    assert out["scale"][1].item() == pytest.approx(31.0 + 1e-8) and out["offset"][1] == 0
    assert out["scale"][2].item() == 1.0 and out["stim_indices"] == [0, 1, 2, 3]
    assert ds.responses[5][1][0, 0].item() == pytest.approx(51.0 / 31.0, rel=1e-6)  # applied to val too
    assert ds.responses[5][2][0, 0].item() == 105.0
    z = motif_dataset()
    zo = z.normalize_responses("zscore", stim_indices=[0, 1])
    vals = np.concatenate([np.full(8, 1.0), np.full(10, 11.0)])  # neuron 1 on stims 0 and 1
    assert zo["offset"][1].item() == pytest.approx(vals.mean()) and zo["scale"][1].item() == pytest.approx(
        vals.std(ddof=1) + 1e-8)
    mm = motif_dataset().normalize_responses("minmax")
    assert mm["offset"][0].item() == 0.0 and mm["scale"][0].item() == pytest.approx(50.0 + 1e-8)


def test_standardize_stims_per_band_or_scalar():
    ds = ListDataset()
    out = ds.standardize_stims(stim_indices=[0, 1], per_band=False)
    allv = np.concatenate([stim_array(0).ravel(), stim_array(1).ravel()]).astype(np.float64)
    assert out["per_band"] is False and out["stim_indices"] == [0, 1] and ds.stim_normalization is out
    assert out["mean"].shape == () and out["mean"].item() == pytest.approx(allv.mean())
    assert out["std"].item() == pytest.approx(allv.std(ddof=1), rel=1e-6)
    np.testing.assert_allclose(ds.stims[2].numpy(), (stim_array(2) - allv.mean()) / (allv.std(ddof=1) + 1e-8),
                               rtol=1e-5)


def test_ccmax_is_hsu_by_default_and_one_without_repeats():
    b = DatasetBuilder(dt_ms=10.0)
    b.add_stim(np.zeros((1, 1, 30)), name="x")
    b.add_neuron()
    b.add_neuron()
    rng = np.random.default_rng(0)
    sig = np.sin(np.arange(30) / 2.0) * 3
    b.add_response(0, 0, sig + rng.normal(size=(2, 30)))
    b.add_response(0, 1, sig[None])  # one repeat: no ceiling known
    ds = b.build()
    out = ds.compute_neuron_quality()
    x = ds.responses[0][0].numpy().astype(np.float64)
    r = np.corrcoef(x[0], x[1])[0, 1]  # R = 2: a single split
    assert ds.nrn_meta[0]["ccmax"] == pytest.approx(np.sqrt(2 * r / (1 + r)), rel=1e-6)  # Gram matrix in float32, the data's precision
    assert ds.nrn_meta[1]["ccmax"] == 1.0 and out["ccmax_n_stims"].tolist() == [1.0, 0.0]
    assert np.isnan(ds.compute_neuron_quality(method="schoppe")["ccmax"][1].item())


def test_hanning_smooth_takes_window_then_bin_width():
    from deepSTRF.utils.data import hanning_smooth

    impulse = torch.zeros(1, 101)
    impulse[0, 50] = 1.0
    y = hanning_smooth(impulse, 21, 1)  # 0.1.0's order: a 21-ms window at 1-ms bins
    support = int((y[0] > 1e-9).sum())
    assert 19 <= support <= 21 and y.sum().item() == pytest.approx(1.0, rel=1e-5)
    assert int((hanning_smooth(impulse, window_ms=3, dt_ms=1)[0] > 1e-9).sum()) <= 3
    with pytest.raises(TypeError, match="dt_ms, the bin width in ms, is required"):
        hanning_smooth(impulse, 21)


# ------------------------------------------------------------------ 15. concatenation
def test_concat_with_names_keeps_blocks_class_and_tags():
    from deepSTRF.utils.data import concat_neural_datasets

    a, b = motif_dataset(), motif_dataset()
    c = concat_neural_datasets([a, b], names=["site1", "site2"])
    assert len(c.stim_meta) == 12 and c.N_neurons == 6  # S = S_a + S_b: stimulus indices of 0.1.0 code hold
    assert c.select_pop_by_nrn_attr("dataset", "site2") == [3, 4, 5]
    assert c.select_stims_by_attr("dataset", "site1") == list(range(6))
    assert c.active_neurons == []  # site2's neurons heard none of site1's stimuli
    c.reset_pop_selection()
    assert c.active_neurons == [0, 1, 2]  # site2's neurons heard none of site1's stimuli: hidden
    assert type(c) is type(a) and concat_neural_datasets([a]) is a
    merged = concat_neural_datasets([a, b], names=["site1", "site2"], merge_stims=True)
    assert len(merged.stim_meta) == 6 and merged.stim_meta[0]["dataset"] == ["site1", "site2"]


def test_two_le2025_experiments_keep_their_class(tmp_path):
    from deepSTRF.datasets.audio.le_2025 import Le2025Dataset
    from deepSTRF.testing.le2025 import make_le

    make_le(tmp_path)
    with pytest.warns(UserWarning):
        a = Le2025Dataset(str(tmp_path), experiment="nat8a", compute_reliability=False)
        b = Le2025Dataset(str(tmp_path), experiment="nat8b", compute_reliability=False)
    both = a + b
    assert type(both) is Le2025Dataset and both.experiment is None  # the two disagree
    assert both.select_restoration_quartet("nat8mk0", 1) == [len(a.stim_meta) + i for i in (0, 1, 2, 4)]
    assert {m["dataset"] for m in both.nrn_meta} == {"Le2025Dataset"}


# ------------------------------------------------------------------ 16. errors 0.1.0 code catches
def test_errors_are_assertion_errors_too():
    from deepSTRF.utils.data import concat_neural_datasets

    ds = motif_dataset()
    with pytest.raises(AssertionError):
        ds.select_neuron(99)
    with pytest.raises(AssertionError):
        concat_neural_datasets([ds, ds], names=["only one"])
    other = DatasetBuilder(dt_ms=10.0)
    other.add_stim(np.zeros((1, 2, 3)), name="x")
    other.add_neuron()
    with pytest.raises(AssertionError, match=r"dt_ms differs \(5\.0 vs 10\.0\)"):
        concat_neural_datasets([ds, other.build(F=2)])
    bad = ListDataset.__new__(ListDataset)
    AudioNeuralDataset.__init__(bad, None, 10.0)
    bad.F, bad.stims, bad.responses = 2, [torch.zeros(1, 2, 3)], [[torch.zeros(1, 3)]]
    bad.stim_meta, bad.nrn_meta, bad.N_neurons = [{}], [{}, {}], 2
    with pytest.raises(AssertionError, match=r"responses\[0\] has 1 entries but N_neurons = 2"):
        bad.validate()
    try:
        ds.select_stim(50)
    except IndexError as e:  # the precise builtin still works
        assert isinstance(e, AssertionError)


# ------------------------------------------------------------------ 17. import paths and names
def test_import_paths_of_0_1(tmp_path):
    from deepSTRF.utils.audio_io import load_resampled_mono_wav, load_wav
    from deepSTRF.utils.data import (concat_neural_datasets, concatenate_datasets, fill_missing_data,  # noqa: F401
                                     hanning_smooth, neural_collate)
    from deepSTRF.utils.data_download import (crcns_download, default_cache_dir, figshare_download,  # noqa: F401
                                              osf_download, zenodo_download)

    t = np.arange(1600) / 16000.0
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.zeros_like(t)], axis=1)
    path = tmp_path / "tone.wav"
    scipy.io.wavfile.write(path, 16000, (stereo * 16384).astype(np.int16))
    x, rate = load_wav(str(path))
    assert rate == 16000 and x.shape == (1600,) and x.dtype == np.float32
    assert np.abs(x).max() == pytest.approx(0.25, abs=1e-3)  # channels averaged, ints scaled to [-1, 1)
    y = load_resampled_mono_wav(str(path), 8000)
    assert y.shape == (800,) and np.abs(y[100:700]).max() == pytest.approx(0.25, abs=0.01)
    with pytest.raises(TypeError, match="concat_neural_datasets"):
        concatenate_datasets([])
    with pytest.raises(TypeError, match="already the \\(1, 1\\) NaN sentinel"):
        fill_missing_data(None)
    with pytest.raises(ImportError, match="attach_ahmed2025_well_tuned"):
        from deepSTRF.datasets.audio.downer2025 import AHMED2025_WELL_TUNED_MVOCS  # noqa: F401


def test_osf_download_wrapper_against_a_local_server(tmp_path, monkeypatch):
    from httpserver import FixtureServer, Route

    from deepSTRF.utils.audio_io import load_wav
    from deepSTRF.utils.data_download import osf_download

    buf = io.BytesIO()
    scipy.io.wavfile.write(buf, 8000, np.zeros(80, np.int16))
    with FixtureServer() as srv:
        srv.routes["/osf/download/abcde/"] = Route(buf.getvalue())
        monkeypatch.setenv("DEEPSTRF_HOST_OSF", f"{srv.url}/osf")
        path = osf_download("abcde", "clip.wav", str(tmp_path / "dl"))
    assert path == str(tmp_path / "dl" / "clip.wav") and load_wav(path)[1] == 8000


def test_the_paradigm_reference_layout_still_holds():
    """What the tiny fixture was built from is what 0.1.0 code reads back."""
    ds = ListDataset()
    assert ds.stim_meta == STIM_META and ds.nrn_meta == NRN_META
    assert [ds.stims[s].shape[-1] for s in range(3)] == T_OF


def test_download_wrappers_keep_to_their_folder(tmp_path):
    from deepSTRF.utils.data_download import figshare_download, osf_download, zenodo_download

    for call in (lambda: zenodo_download(1, "../evil.zip", str(tmp_path)),
                 lambda: figshare_download(1, "a/b.zip", str(tmp_path)),
                 lambda: osf_download("ab/../cd", "x.wav", str(tmp_path))):
        with pytest.raises(ValueError):
            call()
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing fetched
