import numpy as np
import pytest
import torch
from conftest import REPEATS, T_OF, expected_block, stim_array
from torch.utils.data import DataLoader

from deepSTRF.utils import neural_collate, neural_collate_averaged


def test_collate_padding_values(tiny):
    batch = neural_collate([tiny[0], tiny[1], tiny[2]])
    assert batch["stims"].shape == (3, 1, 2, 5)
    np.testing.assert_array_equal(batch["stims"][1, :, :, :3].numpy(), stim_array(1))
    assert (batch["stims"][1, :, :, 3:] == 0).all()  # zero-padded
    r = batch["responses"]
    assert r.shape == (3, 4, 3, 5) and r.dtype == torch.float32
    for b in range(3):
        for n in range(4):
            R, T = REPEATS[b][n], T_OF[b]
            if R:
                np.testing.assert_array_equal(r[b, n, :R, :T].numpy(), expected_block(b, n))
            assert torch.isnan(r[b, n, R:, :]).all()  # missing repeats
            assert torch.isnan(r[b, n, :, T:]).all()  # past the end of the stim
    assert batch["pair_mask"].tolist() == [[bool(x) for x in row] for row in REPEATS]
    # element-wise, as in 0.1.0: a masked loss never sees NaN
    assert batch["valid_mask"].shape == r.shape and torch.equal(batch["valid_mask"], ~torch.isnan(r))
    assert not torch.isnan(r[batch["valid_mask"]]).any()
    assert not batch["valid_mask"][2, 3, 1].any()  # the repeat marked invalid in the recording
    assert batch["stim_meta"] == [tiny.stim_meta[s] for s in range(3)]


def test_collate_averaged(tiny):
    batch = neural_collate_averaged([tiny[2], tiny[0]])
    r = batch["responses"]
    assert r.shape == (2, 4, 5)
    np.testing.assert_allclose(r[0, 0, :4].numpy(), expected_block(2, 0).mean(0))
    np.testing.assert_allclose(r[0, 3, :4].numpy(), np.nanmean(expected_block(2, 3), axis=0))
    assert torch.isnan(r[0, 2]).all() and torch.isnan(r[0, :, 4]).all()
    np.testing.assert_allclose(r[1, 1].numpy(), expected_block(0, 1).mean(0))
    assert batch["pair_mask"].tolist() == [[True, True, False, True], [True, True, True, False]]
    assert batch["valid_mask"].shape == (2, 4, 5) and torch.equal(batch["valid_mask"], ~torch.isnan(r))


def test_collate_selection_and_extra_keys(tiny):
    tiny.select_population([3, 1])
    items = [dict(tiny[i], extra=i) for i in range(len(tiny))]
    batch = neural_collate(items)
    assert batch["responses"].shape == (3, 2, 3, 5)
    assert batch["extra"] == [0, 1, 2]
    np.testing.assert_array_equal(batch["responses"][2, 0, :, :4].numpy(), expected_block(2, 3))


def test_collate_plain_lists_from_a_custom_dataset():
    nan = torch.full((1, 1), float("nan"))
    items = [
        {"stims": torch.ones(1, 2, 3), "responses": [torch.ones(2, 3), nan]},  # no mask: collate needs none
        {"stims": torch.ones(1, 2, 4), "responses": [nan, torch.full((1, 4), 2.0)]},
    ]
    batch = neural_collate(items)
    assert batch["pair_mask"].tolist() == [[True, False], [False, True]]
    assert int(batch["valid_mask"].sum()) == 2 * 3 + 4
    assert batch["responses"].shape == (2, 2, 2, 4)
    assert (batch["responses"][0, 0, :, :3] == 1).all() and torch.isnan(batch["responses"][0, 0, :, 3]).all()
    assert (batch["responses"][1, 1, 0] == 2).all() and torch.isnan(batch["responses"][1, 1, 1]).all()
    avg = neural_collate(items, average_repeats=True)["responses"]
    assert avg.shape == (2, 2, 4) and (avg[1, 1] == 2).all()


def test_collate_errors(tiny):
    with pytest.raises(ValueError, match="cannot collate an empty batch"):
        neural_collate([])
    a = tiny[0]
    tiny.select_neuron(0)
    with pytest.raises(ValueError, match=r"different neuron counts \[1, 4\]"):
        neural_collate([a, tiny[0]])
    with pytest.raises(KeyError, match=r"batch item 0 lacks \['responses'\]"):
        neural_collate([{"stims": torch.zeros(1, 2, 3)}])


@pytest.mark.parametrize("workers", [0, 2])
def test_dataloader(tiny, workers):
    loader = DataLoader(tiny, batch_size=2, collate_fn=neural_collate, num_workers=workers)
    batches = list(loader)
    assert [b["responses"].shape[0] for b in batches] == [2, 1]
    np.testing.assert_array_equal(batches[1]["responses"][0, 3, :, :4].numpy(), expected_block(2, 3))


@pytest.mark.parametrize("kind", ["lists", "builder"])  # one chunk per tensor, and packed chunks
def test_dataloader_spawn_workers_pickle_the_dataset(kind):
    from conftest import ListDataset, build_tiny

    tiny = ListDataset() if kind == "lists" else build_tiny()
    loader = DataLoader(tiny, batch_size=3, collate_fn=neural_collate, num_workers=1,
                        multiprocessing_context="spawn")
    (batch,) = list(loader)
    np.testing.assert_array_equal(batch["responses"][2, 3, :, :4].numpy(), expected_block(2, 3))


def test_large_batches_reuse_only_released_buffers():
    """A batch the caller still holds (or a view of it) is never overwritten."""
    from deepSTRF.datasets import DatasetBuilder

    b = DatasetBuilder(dt_ms=1.0)
    for s in range(2):
        b.add_stim(np.zeros((1, 1, 5000), np.float32), name=str(s))
    for n in range(500):  # (2, 500, 5000) float32 = 20 MB: pooled
        b.add_neuron()
        b.add_response(0, n, np.full((1, 5000), float(n)))
        b.add_response(1, n, np.full((1, 5000), -float(n)))
    ds = b.build()
    first = neural_collate_averaged([ds[0], ds[1]])["responses"]
    first_ptr = first.data_ptr()
    view = first[0, 7]
    second = neural_collate_averaged([ds[1], ds[0]])["responses"]
    assert (first[0, 7] == 7).all() and (view == 7).all() and (second[0, 7] == -7).all()
    del first
    third = neural_collate_averaged([ds[1], ds[1]])["responses"]
    assert (view == 7).all() and (third[1, 3] == -3).all() and (second[1, 3] == 3).all()
    ptr = third.data_ptr()
    del view, third
    fourth = neural_collate_averaged([ds[0], ds[0]])["responses"]
    assert (fourth[1, 9] == 9).all()
    assert fourth.data_ptr() in {first_ptr, ptr}  # a released buffer was refilled


def test_a_dataloader_without_neural_collate_says_what_to_pass(tiny):
    with pytest.raises(TypeError, match="needs collate_fn=neural_collate"):
        next(iter(DataLoader(tiny, batch_size=2)))  # stimuli of different lengths, ragged responses
