import numpy as np
import pytest
import torch
from conftest import REPEATS, ListDataset, build_tiny, expected_block, stim_array

from deepSTRF.datasets import DatasetBuilder
from deepSTRF.utils import concat_neural_datasets


def other_dataset(dt_ms=10.0, F=2, stim_c_same=True):
    """2 neurons; stims 'c' (same content as tiny's, or not) and a new 'd'."""
    b = DatasetBuilder(dt_ms=dt_ms)
    b.add_neuron(cell_id="m0")
    b.add_neuron(cell_id="m1")
    c = stim_array(2)[:, :F] if stim_c_same else stim_array(2)[:, :F] + 1
    b.add_stim(c, name="c", subset="val", site="S2")
    b.add_stim(np.full((1, F, 6), 7.0, np.float32), name="d", subset="est")
    b.add_response(0, 0, np.full((2, 4), 5.0))
    b.add_response(1, 1, np.full((1, 6), 9.0))
    return b.build()


def test_blocks_by_default_as_in_0_1():
    a, b = ListDataset(), other_dataset()
    c = a + b
    assert c.N_neurons == 6 and len(c.stim_meta) == 5  # S = 3 + 2: indices of 0.1.0 code hold
    assert [m["name"] for m in c.stim_meta] == ["a", "b", "c", "c", "d"]
    assert [m["dataset"] for m in c.stim_meta] == ["ListDataset"] * 3 + ["AudioNeuralDataset"] * 2
    assert [m["dataset"] for m in c.nrn_meta] == ["ListDataset"] * 4 + ["AudioNeuralDataset"] * 2
    assert c.nrn_masks[:3, 4:].sum() == 0 and c.nrn_masks[3:, :4].sum() == 0
    assert "dataset" not in a.stim_meta[0] and "dataset" not in b.nrn_meta[0]  # inputs untouched
    assert type(c) is type(b)  # the class both share


def test_union_of_neurons_and_stims_with_merge():
    a, b = ListDataset(), other_dataset()
    c = concat_neural_datasets([a, b], merge_stims=True)
    assert c.N_neurons == 6 and len(c.stim_meta) == 4
    assert [m["name"] for m in c.stim_meta] == ["a", "b", "c", "d"]
    assert c.stim_meta[2] == {"name": "c", "subset": "val", "site": "S2",  # completed by b's keys
                              "dataset": ["ListDataset", "AudioNeuralDataset"]}  # every source
    assert [m["cell_id"] for m in c.nrn_meta] == ["n0", "n1", "n2", "n3", "m0", "m1"]
    expected_mask = [row + [False, False] for row in [[bool(r) for r in row] for row in REPEATS]]
    expected_mask[2][4] = True  # m0 heard 'c'
    expected_mask.append([False] * 5 + [True])
    assert c.nrn_masks.tolist() == expected_mask
    np.testing.assert_array_equal(c.responses[2][3].numpy(), expected_block(2, 3))
    assert torch.equal(c.responses[2][4], torch.full((2, 4), 5.0))
    assert torch.equal(c.responses[3][5], torch.full((1, 6), 9.0))
    assert torch.isnan(c.responses[3][0]).all() and c.responses[3][0].shape == (1, 1)
    np.testing.assert_array_equal(c.stims[3].numpy(), np.full((1, 2, 6), 7.0))
    assert c.name == "ListDataset + AudioNeuralDataset" and c.F == 2
    assert len(c) == 4


def test_same_name_different_content_stays_separate():
    c = concat_neural_datasets([ListDataset(), other_dataset(stim_c_same=False)], merge_stims=True)
    assert [m["name"] for m in c.stim_meta] == ["a", "b", "c", "c", "d"]
    assert not c.nrn_masks[2, 4] and c.nrn_masks[3, 4]


def test_three_way_and_metadata_independent():
    a, b = ListDataset(), build_tiny()
    c = concat_neural_datasets([a, b, other_dataset()], names=["x", "y", "z"], merge_stims=True)
    assert [m["dataset"] for m in c.nrn_meta] == ["x"] * 4 + ["y"] * 4 + ["z"] * 2
    assert c.stim_meta[2]["dataset"] == ["x", "y", "z"] and c.stim_meta[3]["dataset"] == ["z"]
    assert c.select_pop_by_nrn_attr("dataset", "y") == [4, 5, 6, 7]
    assert c.N_neurons == 10 and [m["name"] for m in c.stim_meta] == ["a", "b", "c", "d"]
    assert c.nrn_masks[:3, 4:8].tolist() == a.nrn_masks.tolist() and not c.nrn_masks[3, :8].any()
    c.nrn_meta[0]["snr"] = 1.0
    assert "snr" not in a.nrn_meta[0]


def test_transforms_on_the_concatenation_never_touch_the_inputs():
    a, b = ListDataset(), other_dataset()
    c = a + b
    c.normalize_responses("max")
    c.standardize_stims()
    np.testing.assert_array_equal(a.responses[0][0].numpy(), expected_block(0, 0))
    np.testing.assert_array_equal(a.stims[0].numpy(), stim_array(0))
    assert torch.equal(b.responses[1][1], torch.full((1, 6), 9.0))
    # and the other way round
    c_before = c.responses[0][0].clone()
    a.smooth_responses(21.0)
    assert torch.equal(c.responses[0][0], c_before)
    assert not torch.equal(a.responses[0][0], torch.from_numpy(expected_block(0, 0)))


@pytest.mark.parametrize("kwargs, message", [
    ({"dt_ms": 5.0}, r"dt_ms differs \(10\.0 vs 5\.0\)"),
    ({"F": 1}, r"F differs \(2 vs 1\)"),
])
def test_mismatch_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ListDataset() + other_dataset(**kwargs)


def test_mode_mismatch_and_bad_input():
    b = DatasetBuilder(dt_ms=10.0, audio_fs=1000)
    b.add_stim(np.zeros((1, 30)), name="w")
    b.add_neuron()
    wave = b.build(F=2)
    with pytest.raises(ValueError, match=r"stimulus mode differs \('spectrogram' vs 'waveform'\)"):
        ListDataset() + wave
    with pytest.raises(TypeError, match=r"datasets\[1\] is a list, not a NeuralDataset"):
        concat_neural_datasets([ListDataset(), []])
    with pytest.raises(ValueError, match="needs at least one dataset"):
        concat_neural_datasets([])
