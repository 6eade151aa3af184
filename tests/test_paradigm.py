import pickle

import numpy as np
import pytest
import torch
from conftest import NAN, NRN_META, REPEATS, STIM_META, T_OF, ListDataset, expected_block, stim_array

from deepSTRF.datasets import DatasetBuilder, NeuralDataset
from deepSTRF.datasets.audio import AudioNeuralDataset
from deepSTRF.datasets.neural_dataset import NeuralDataset as NeuralDatasetOldPath


def test_import_paths():
    assert NeuralDataset is NeuralDatasetOldPath
    from deepSTRF.datasets.audio.audio_dataset import AudioNeuralDataset as A

    assert A is AudioNeuralDataset and issubclass(A, NeuralDataset)
    from deepSTRF.utils import concat_neural_datasets, hanning_smooth, neural_collate  # noqa: F401


def test_values_round_trip(tiny):
    assert len(tiny.stims) == 3 and len(tiny.responses) == 3
    for s in range(3):
        np.testing.assert_array_equal(tiny.stims[s].numpy(), stim_array(s))
        assert tiny.stims[s].dtype == torch.float32
        for n in range(4):
            r = tiny.responses[s][n]
            assert r.dtype == torch.float32
            if REPEATS[s][n]:
                assert tuple(r.shape) == (REPEATS[s][n], T_OF[s])
                np.testing.assert_array_equal(r.numpy(), expected_block(s, n))
            else:
                assert tuple(r.shape) == (1, 1) and torch.isnan(r).all()


def test_fewer_repeats_do_not_exist_and_nan_rows_stay(tiny):
    assert tiny.responses[2][1].shape == (2, 4)  # not padded to 3
    r = tiny.responses[2][3]
    assert torch.isnan(r[1]).all() and not torch.isnan(r[0]).any() and not torch.isnan(r[2]).any()


def test_masks_counts_and_meta(tiny):
    expected = torch.tensor([[bool(r) for r in row] for row in REPEATS])
    assert torch.equal(tiny.nrn_masks, expected)
    assert tiny.N_neurons == 4 and tiny.get_N() == 4 and tiny.get_S() == 3 and tiny.get_F() == 2
    assert tiny.stim_meta == STIM_META and tiny.nrn_meta == NRN_META
    assert tiny.hop is None and tiny.audio_fs is None and tiny.mode == "spectrogram"
    assert tiny.dt == tiny.dt_ms == 10.0


def test_responses_are_views_and_stay_editable(tiny):
    r = tiny.responses[0][1]
    r += 1
    np.testing.assert_array_equal(tiny.responses[0][1].numpy(), expected_block(0, 1) + 1)
    tiny.responses[1][0] = torch.zeros(1, 3)  # same shape: written in place
    assert torch.equal(tiny.responses[1][0], torch.zeros(1, 3))
    tiny.responses[1][2] = torch.ones(2, 3)  # one more repeat: accepted, the item follows
    assert tiny.responses[1][2].shape == (2, 3) and tiny[1]["responses"][2].shape == (2, 3)
    tiny.responses[0][3] = torch.zeros(2, 5)  # data where there was none: the masks follow
    assert tiny.nrn_masks[0].tolist() == [True, True, True, True]
    with pytest.raises(ValueError, match=r"responses\[1\]\[2\] must be \(R, 3\) .* got shape \(2, 4\)"):
        tiny.responses[1][2] = torch.zeros(2, 4)  # T is the stimulus's


def test_getitem_int_negative_slice_list(tiny):
    item = tiny[0]
    assert set(item) == {"stims", "responses", "pair_mask", "stim_meta"}
    np.testing.assert_array_equal(item["stims"].numpy(), stim_array(0))
    assert item["stim_meta"] == STIM_META[0]
    assert item["pair_mask"].tolist() == [True, True, True, False]
    assert type(item["responses"]).__mro__[1] is list and len(item["responses"]) == 4
    np.testing.assert_array_equal(item["responses"][2].numpy(), expected_block(0, 2))
    with pytest.raises(KeyError, match="items carry 'pair_mask'"):
        item["valid_mask"]
    assert tiny[-1]["stim_meta"]["name"] == "c"
    batch = tiny[0:2]  # one dict of lists (0.1.0)
    assert set(batch) == set(item) and [m["name"] for m in batch["stim_meta"]] == ["a", "b"]
    assert len(batch["responses"]) == 2 and len(batch["responses"][1]) == 4
    assert [m["name"] for m in tiny[[2, 0]]["stim_meta"]] == ["c", "a"]
    with pytest.raises(IndexError, match="index 3 is out of range for 3 stimuli"):
        tiny[3]
    with pytest.raises(TypeError, match="index must be an int"):
        tiny["a"]


def test_row_padded_and_trial_mean(tiny):
    from deepSTRF.paradigm import ResponseRow

    row = ResponseRow.for_neurons(tiny.packed_responses, 2, None)
    p = row.padded()
    assert p.shape == (4, 3, 4)
    np.testing.assert_array_equal(p[0].numpy(), expected_block(2, 0))
    assert torch.isnan(p[1, 2]).all()  # neuron 1 has only 2 repeats
    assert torch.isnan(p[2]).all()  # never heard
    m = row.trial_mean()
    np.testing.assert_allclose(m[0].numpy(), expected_block(2, 0).mean(0))
    b3 = expected_block(2, 3)
    np.testing.assert_allclose(m[3].numpy(), b3[[0, 2]].mean(0))  # the NaN repeat is ignored


def test_repr(tiny):
    text = repr(tiny)
    assert "S=3" in text and "N=4" in text and "F=2" in text and "dt=10 ms" in text
    assert "mode=spectrogram" in text and "3/3 stims, 4/4 neurons" in text
    tiny.select_pop_by_nrn_attr("area", "PEG")
    assert "2/4 neurons" in repr(tiny)


def test_pickle_round_trip_is_compact(tiny):
    tiny.select_pop_by_nrn_attr("area", "A1")
    blob = pickle.dumps(tiny)
    back = pickle.loads(blob)
    for s in range(3):
        for n in range(4):
            a, b = tiny.responses[s][n].numpy(), back.responses[s][n].numpy()
            np.testing.assert_array_equal(a, b)
    assert back.selected_neurons == [0, 1]
    assert torch.equal(back.nrn_masks, tiny.nrn_masks)
    # cost is about the payload, not per-pair objects
    assert len(blob) < tiny.payload_nbytes + 8000


def test_item_responses_pickle_only_their_blocks(tiny):
    row = tiny[2]["responses"]
    blob = pickle.dumps(row)
    back = pickle.loads(blob)
    assert type(back) is list and len(back) == 4
    for k in range(4):
        np.testing.assert_array_equal(back[k].numpy(), row[k].numpy())
    # a DataLoader worker sends items by pickle: an item carries its own blocks, not the store
    b = DatasetBuilder(dt_ms=10.0)
    for s in range(4):
        b.add_stim(np.zeros((1, 2, 5000), np.float32), name=f"s{s}")
    for n in range(3):
        b.add_neuron(cell_id=f"n{n}")
        for s in range(4):
            b.add_response(s, n, np.full((2, 5000), s + n, np.float32))
    big = b.build(F=2)
    blob = pickle.dumps(big[1]["responses"])
    assert 3 * 2 * 5000 * 4 < len(blob) < 3 * 2 * 5000 * 4 + 4000 < big.packed_responses.nbytes / 2
    assert [float(x[0, 0]) for x in pickle.loads(blob)] == [1.0, 2.0, 3.0]


def test_waveform_mode_grid_lock():
    b = DatasetBuilder(dt_ms=5.0, audio_fs=16000)  # hop = 80
    s = b.add_stim(np.zeros((1, 80 * 7), np.float32), name="w")
    n = b.add_neuron(cell_id="x")
    b.add_response(s, n, np.ones((2, 7)))
    ds = b.build(F=16)
    assert ds.hop == 80 and ds.mode == "waveform" and ds.audio_fs == 16000
    assert "audio_fs=16000 Hz" in repr(ds)
    with pytest.raises(ValueError, match=r"whole number of samples per bin.*audio_fs=44100 Hz, dt_ms=0\.5"):
        DatasetBuilder(dt_ms=0.5, audio_fs=44100)
    with pytest.raises(ValueError, match=r"stim 1 must be a \(1, T \* hop\) waveform with hop = 80"):
        b.add_stim(np.zeros((1, 81)))


# ---------------------------------------------------------------- validate
def _list_dataset(**changes):
    """A ListDataset whose attributes are altered before validate()."""
    ds = ListDataset.__new__(ListDataset)
    AudioNeuralDataset.__init__(ds, None, 10.0)
    ds.F = 2
    ds.stims = [torch.from_numpy(stim_array(s)) for s in range(3)]
    ds.responses = [[torch.from_numpy(expected_block(s, n)) if REPEATS[s][n] else torch.full((1, 1), float("nan"))
                     for n in range(4)] for s in range(3)]
    ds.stim_meta = [dict(m) for m in STIM_META]
    ds.nrn_meta = [dict(m) for m in NRN_META]
    ds.N_neurons = 4
    for k, v in changes.items():
        if k == "response":
            (s, n), val = v
            ds._raw_responses[s][n] = val
        else:
            setattr(ds, k, v)
    return ds


@pytest.mark.parametrize("changes, error, message", [
    ({"N_neurons": 5}, ValueError, r"responses\[0\] has 4 entries but N_neurons = 5"),
    ({"nrn_meta": [{}] * 3}, ValueError, "nrn_meta has 3 entries but N_neurons = 4"),
    ({"stim_meta": [{}] * 2}, ValueError, "stim_meta has 2 entries but there are 3 stims"),
    ({"response": ((1, 2), torch.zeros(1, 4))}, ValueError,
     r"responses\[1\]\[2\] must be \(R, 3\) \(repeats, bins of stim 1\) or the \(1, 1\) NaN sentinel; got shape \(1, 4\)"),
    ({"response": ((0, 0), torch.zeros(5))}, ValueError, r"responses\[0\]\[0\] must be \(R, 5\)"),
    ({"response": ((0, 0), torch.zeros(1, 1))}, ValueError, r"responses\[0\]\[0\] must be \(R, 5\)"),
    ({"F": 3}, ValueError, r"stim 0 \(a\) must be a \(1, F=3, T\) spectrogram; got shape \(1, 2, 5\)"),
    ({"F": 0}, ValueError, "F must be a positive integer; got 0"),
    ({"nrn_meta": ["x"] * 4}, TypeError, r"nrn_meta\[0\] must be a dict"),
    ({"N_neurons": "4"}, TypeError, "N_neurons must be a non-negative int"),
    ({"response": ((0, 1), np.array([["a"] * 5])) }, TypeError, r"responses\[0\]\[1\] must hold real numbers"),
])
def test_validate_names_the_broken_rule(changes, error, message):
    with pytest.raises(error, match=message):
        _list_dataset(**changes).validate()


def test_validate_rejects_nan_stimulus():
    stims = [torch.from_numpy(stim_array(s)) for s in range(3)]
    stims[1][0, 1, 2] = float("nan")
    with pytest.raises(ValueError, match=r"stim 1 \(b\) contains NaN"):
        _list_dataset(stims=stims).validate()


def test_unvalidated_dataset_says_so():
    ds = _list_dataset()
    assert "not validated" in repr(ds)
    with pytest.raises(RuntimeError, match="must end with self.validate"):
        len(ds)


def test_builder_errors():
    b = DatasetBuilder(dt_ms=10.0)
    b.add_stim(np.zeros((1, 2, 4)), name="x")
    b.add_neuron()
    with pytest.raises(IndexError, match="stim 1 is out of range for 1 entries"):
        b.add_response(1, 0, np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"response \(stim 0, neuron 0\) must have shape \(R, 4\)"):
        b.add_response(0, 0, np.zeros((1, 5)))
    with pytest.raises(ValueError, match=r"stim 1 must be a \(1, F, T\) spectrogram"):
        b.add_stim(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="contains NaN"):
        b.add_stim(np.full((1, 2, 4), np.nan), name="bad")
    b.add_response(0, 0, np.zeros((1, 4)))
    b.add_response(0, 0, np.ones((1, 4)))
    with pytest.raises(ValueError, match=r"response for stim 0, neuron 0 was given twice"):
        b.build()
    with pytest.raises(ValueError, match="dt_ms must be a positive finite number"):
        DatasetBuilder(dt_ms=-1.0)


def test_silent_pair_is_data_not_sentinel():
    b = DatasetBuilder(dt_ms=10.0)
    s = b.add_stim(np.zeros((1, 2, 4)), name="x")
    n = b.add_neuron()
    b.add_response(s, n, np.zeros((3, 4)))
    ds = b.build()
    assert ds.nrn_masks[0, 0] and ds.responses[0][0].shape == (3, 4)
    assert torch.equal(ds.responses[0][0], torch.zeros(3, 4))


def test_default_cache_dir(monkeypatch, tmp_path):
    from deepSTRF import default_cache_dir
    from deepSTRF.utils import default_cache_dir as same

    assert same is default_cache_dir
    monkeypatch.setenv("DEEPSTRF_DATA_DIR", str(tmp_path))
    assert default_cache_dir("NS1") == str(tmp_path / "NS1")
    monkeypatch.delenv("DEEPSTRF_DATA_DIR")
    p = default_cache_dir("NS1")
    assert p.endswith("NS1") and "deepSTRF" in p
    with pytest.raises(ValueError, match="name must be a non-empty folder name"):
        default_cache_dir("../x")


def test_builder_select_stims_reorders_and_drops():
    b = DatasetBuilder(dt_ms=10.0)
    for k in range(3):
        b.add_stim(np.full((1, 1, 2 + k), float(k), np.float32), name=str(k))
    b.add_neuron()
    for k in range(3):
        b.add_response(k, 0, np.full((1, 2 + k), 10.0 + k))
    b.select_stims([2, 0])
    ds = b.build()
    assert [m["name"] for m in ds.stim_meta] == ["2", "0"]
    assert torch.equal(ds.stims[0], torch.full((1, 1, 4), 2.0))
    assert torch.equal(ds.responses[0][0], torch.full((1, 4), 12.0))
    assert torch.equal(ds.responses[1][0], torch.full((1, 2), 10.0))
    with pytest.raises(ValueError, match="an index appears twice"):
        b.select_stims([1, 1])


def test_builder_add_responses_block_equals_one_call_per_neuron():
    rng = np.random.default_rng(0)
    block = rng.random((3, 2, 5)).astype(np.float32)  # neurons x repeats x bins
    one, many = DatasetBuilder(dt_ms=10.0), DatasetBuilder(dt_ms=10.0)
    for b in (one, many):
        b.add_stim(np.zeros((1, 2, 5)), name="x")
        for _ in range(4):
            b.add_neuron()
    one.add_responses(0, [3, 0, 2], block)
    for i, n in enumerate([3, 0, 2]):
        many.add_response(0, n, block[i])
    a, c = one.build(), many.build()
    for n in (0, 2, 3):
        assert torch.equal(a.responses[0][n], c.responses[0][n])
    assert torch.equal(a.responses[0][3], torch.from_numpy(block[0]))
    assert a.nrn_masks[0].tolist() == [True, False, True, True]
    (rows, pairs), = list(a._store().runs())  # one contiguous run: later bulk passes see one block
    assert rows.shape == (6, 5)
    with pytest.raises(ValueError, match=r"responses \(stim 0\) must have shape \(2, R, 5\)"):
        one.add_responses(0, [0, 1], block)


def _lists(stims, responses, n):
    ds = AudioNeuralDataset.__new__(AudioNeuralDataset)
    AudioNeuralDataset.__init__(ds, None, 10.0)
    ds.F, ds.stims, ds.responses = 1, stims, responses
    ds.stim_meta, ds.nrn_meta, ds.N_neurons = [{"name": str(s)} for s in range(len(stims))], [{}] * n, n
    ds.validate()
    return ds


def test_list_path_entries_of_every_kind():
    nan = torch.full((1, 1), NAN)
    stims = [torch.zeros(1, 1, 3), torch.zeros(1, 1, 1), torch.zeros(1, 1, 2)]
    responses = [
        [np.arange(6, dtype=np.float64).reshape(2, 3), nan, [[1, 2, 3]]],  # numpy, sentinel, nested list
        [torch.tensor([[5.0]]), nan, torch.tensor([[1.0], [2.0]])],  # T = 1: a (1, 1) value is data
        [torch.ones(1, 2, dtype=torch.float64), torch.ones(2, 2, requires_grad=True), np.full((1, 1), np.nan)],
    ]
    ds = _lists(stims, responses, 3)
    assert ds.nrn_masks.tolist() == [[True, False, True], [True, False, True], [True, True, False]]
    assert ds.responses[0][0].tolist() == [[0, 1, 2], [3, 4, 5]] and ds.responses[0][2].tolist() == [[1, 2, 3]]
    assert ds.responses[1][0].tolist() == [[5.0]] and ds.responses[2][1].dtype == torch.float32
    for bad, message in [
        (torch.tensor([[4.0]]), r"responses\[0\]\[1\] must be \(R, 3\) .* \(1, 1\) entry that is not NaN"),
        (torch.zeros(1, 4), r"responses\[0\]\[1\] must be \(R, 3\) .* got shape \(1, 4\)"),
        (torch.zeros(3), r"responses\[0\]\[1\] must be \(R, 3\) .* got shape \(3,\)"),
        (torch.zeros(1, 3, dtype=torch.complex64), r"responses\[0\]\[1\] must hold real numbers"),
        ("x", r"responses\[0\]\[1\] must hold real numbers"),
    ]:
        rows = [list(r) for r in responses]
        rows[0][1] = bad
        with pytest.raises((ValueError, TypeError), match=message):
            _lists(stims, rows, 3)


def test_list_tensors_become_the_storage_until_compact():
    block = torch.full((2, 3), 1.0)
    ds = _lists([torch.zeros(1, 1, 3)], [[block, torch.full((1, 1), NAN)]], 2)
    block += 1  # the dataset holds the user's tensor itself, as 0.1.0's lists did
    assert ds.responses[0][0][0, 0].item() == 2.0
    ds.compact()
    block += 1
    assert ds.responses[0][0][0, 0].item() == 2.0 and len(ds.packed_responses.chunks) == 1
    ds.smooth_responses(21.0)
    assert block[0, 0].item() == 3.0  # a transform after compact() leaves the user's tensor alone
