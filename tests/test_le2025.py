"""Le, Bjoring & Meliza 2025 from a small release in its layout (both pprox schemas)."""


import numpy as np
import pytest
import scipy.io.wavfile
import torch

from deepSTRF.datasets.audio.le_2025 import VARIANTS, Le2025Dataset, parse_stimulus
from deepSTRF.io.pprox import PproxError
from deepSTRF.testing.le2025 import NAT8B, make_le, stimtrial  # noqa: F401
from deepSTRF.utils import neural_collate


@pytest.fixture
def le(tmp_path):
    make_le(tmp_path)
    return tmp_path


def test_name_grammar():
    assert parse_stimulus("B189_gapnoise1", "nat8a") == {"motif": "B189", "critical_interval": 1, "variant": "GB",
                                                         "syntax": "natural"}
    assert parse_stimulus("B189_continuous", "nat8a")["critical_interval"] is None
    assert parse_stimulus("ep_nat8mk0_CM_snr0", "nat8b")["variant"] == "CM"
    assert parse_stimulus("ep_synth8mk0_CB_g2a_snr0", "synth8b") == {"motif": "synth8mk0", "critical_interval": "2a",
                                                                    "variant": "CB", "syntax": "scrambled"}
    assert parse_stimulus("ep_nat8mk0_C_g1", "nat8b") is None and parse_stimulus("B189_gap", "nat8a") is None
    assert parse_stimulus("ep_nat8mk0_C", "synth8b") is None and set(VARIANTS) == {"C", "G", "N", "GB", "CB", "GM",
                                                                                   "CM"}


def test_nat8b_order_meta_counts_and_selection(le):
    with pytest.warns(UserWarning, match="C43_1_1_c6.pprox has no trial of a nat8b stimulus"):
        ds = Le2025Dataset(str(le), smooth=False)
    assert [m["name"] for m in ds.stim_meta] == ["ep_nat8mk0_CB_g1_snr0", "ep_nat8mk0_GB_g1_snr0",
                                                 "ep_nat8mk0_GM_g1_snr0", "ep_nat8mk0_G_g2", "ep_nat8mk0_C",
                                                 "ep_nat8mk0_CM_snr0"]
    m = ds.stim_meta[1]
    assert (m["motif"], m["critical_interval"], m["variant"], m["sample_rate_hz"]) == ("nat8mk0", 1, "GB", 48000)
    assert m["ci_onset_s"] == pytest.approx(0.113) and m["ci_offset_s"] == pytest.approx(0.209)
    assert np.isnan(ds.stim_meta[4]["ci_onset_s"])
    assert ds.N_neurons == 1 and ds.nrn_meta[0]["area"] == "NCM/L3" and ds.nrn_meta[0]["age_days"] == 254
    assert ds.nrn_meta[0]["animal_uuid"] == "uuid-c43" and ds.nrn_meta[0]["familiar_motifs"] == []
    assert ds.F == 50 and ds.stims[0].shape[1] == 50
    c = ds.responses[4][0].numpy()
    assert c.shape[0] == 5 and c[4, 3] == 1 and c[4].sum() == 1  # a spike exactly at 15 ms: bin 3 at 5 ms
    assert ds.select_critical_interval(None) == [4, 5]
    assert ds.select_restoration_quartet("nat8mk0", 1) == [0, 1, 2, 4]  # CB, GB, GM at CI 1, plus C
    with pytest.raises(ValueError, match="variants entry must be one of"):
        ds.select_restoration_quartet("nat8mk0", 1, variants=("X",))


def test_reliability_is_sahani_linden_in_float64(le):
    with pytest.warns(UserWarning):
        ds = Le2025Dataset(str(le))
    from test_metrics import np_reliability  # a loop implementation written in the tests

    batch = neural_collate([ds[i] for i in range(len(ds))])["responses"].double().numpy()
    sp, npow = np_reliability(batch, 0)
    assert ds.nrn_meta[0]["signal_power"] == pytest.approx(sp, rel=1e-9)
    assert ds.nrn_meta[0]["noise_power"] == pytest.approx(npow, rel=1e-9)
    assert ds.nrn_meta[0]["snr"] == pytest.approx(ds.nrn_meta[0]["signal_power"] / ds.nrn_meta[0]["noise_power"])


def test_nat8a_two_schemas_and_concatenation(le):
    with pytest.warns(UserWarning, match="stray.wav does not follow the nat8a naming grammar"):
        a = Le2025Dataset(str(le), experiment="nat8a", smooth=False, compute_reliability=False)
    assert [m["cohort"] for m in a.nrn_meta] == [1, 2]
    assert a.nrn_meta[0]["familiar_motifs"] == ["B189"] and a.nrn_meta[0]["area"] == "CMM"
    assert a.nrn_meta[0]["age_days"] == 365 + 234
    names = [m["name"] for m in a.stim_meta]
    r = a.responses[names.index("B189_continuous")][0].numpy()  # legacy: ms from trial start, minus stim_on
    assert r.shape[0] == 3 and (r[:, 3] == 2).all() and r.sum() == 6  # 15 and 16 ms share bin 3; -100 ms dropped
    g = a.responses[names.index("B189_gap1")][1].numpy()
    assert g.shape[0] == 2 and g[0, 3] == 2 and g[1].sum() == 0
    assert a.responses[names.index("B189_continuous")][1].shape == (1, 1)
    with pytest.warns(UserWarning):
        b = Le2025Dataset(str(le), experiment="nat8b", compute_reliability=False)
    both = a + b
    assert len(both.stim_meta) == len(a.stim_meta) + len(b.stim_meta) and both.N_neurons == 3
    both.select_neuron(2)  # the nat8b unit: only nat8b stimuli are shown
    assert len(both) == len(b.stim_meta)


def test_waveform_mode_and_errors(le, tmp_path):
    x = np.zeros(14400, dtype=np.int16)
    x[4800] = 30000  # 100 ms
    scipy.io.wavfile.write(le / "synth8b-stimuli" / "ep_synth8mk0_C.wav", 44100, np.zeros(13230, np.int16))
    scipy.io.wavfile.write(le / "nat8b-stimuli" / "ep_nat8mk0_C.wav", 48000, x)
    with pytest.warns(UserWarning):
        w = Le2025Dataset(str(le), return_waveform=True, compute_reliability=False)
        spec = Le2025Dataset(str(le), compute_reliability=False)
    s = [m["name"] for m in w.stim_meta].index("ep_nat8mk0_C")
    T = spec.stims[s].shape[-1]
    assert w.stims[s].shape == (1, T * 240) and int(np.argmax(np.abs(w.stims[s][0].numpy()))) // 240 == 20
    assert torch.equal(w.responses[s][0], spec.responses[s][0])
    with pytest.raises(ValueError, match="experiment must be one of 'nat8a', 'nat8b', 'synth8b'; got 'nat9'"):
        Le2025Dataset(str(le), experiment="nat9")
    with pytest.raises(ValueError, match="needs path="):
        Le2025Dataset()
    (le / "nat8b-responses" / "C43_1_1_c6.pprox").write_text("{not json")
    with pytest.raises(PproxError, match="C43_1_1_c6.pprox: not valid JSON"):
        Le2025Dataset(str(le))
    (le / "nat8b-responses" / "C43_1_1_c6.pprox").write_text('{"bird": "x"}')
    with pytest.raises(PproxError, match="no 'pprox' list of trials"):
        Le2025Dataset(str(le))


def test_synth8b_loads_with_string_critical_intervals(le):
    ds = Le2025Dataset(str(le), experiment="synth8b", smooth=False)
    assert [(m["critical_interval"], m["variant"], m["syntax"]) for m in ds.stim_meta] == [
        ("2a", "CB", "scrambled"), (None, "C", "scrambled")]
    assert np.isnan(ds.stim_meta[0]["ci_onset_s"])  # the CI table covers nat8a / nat8b only
    assert ds.nrn_meta[0]["area"] == "unknown" and ds.nrn_meta[0]["sex"] is None  # N/A site, unknown bird
    assert ds.responses[1][0].numpy()[0, 20] == 1  # 0.1 s at 5 ms
