import pytest
import torch
from conftest import REPEATS


def names(ds):
    return [ds[i]["stim_meta"]["name"] for i in range(len(ds))]


def test_default_selection_is_everything(tiny):
    assert tiny.selected_neurons == [0, 1, 2, 3]
    assert names(tiny) == ["a", "b", "c"]


def test_bidirectional_rule_hides_unheard_stims(tiny):
    # neuron 3 heard only stim 'c'
    assert tiny.select_neuron(3) == [3]
    assert names(tiny) == ["c"] and len(tiny) == 1 and tiny.get_S() == 1
    item = tiny[0]
    assert item["valid_mask"].tolist() == [True] and item["responses"][0].shape == (3, 4)
    # neuron 2 did not hear 'c': in a population with neuron 3, 'c' shows it masked
    tiny.select_population([2, 3])
    assert names(tiny) == ["a", "b", "c"]
    assert tiny[2]["valid_mask"].tolist() == [False, True]
    assert tiny[0]["valid_mask"].tolist() == [True, False]
    assert torch.isnan(tiny[0]["responses"][1]).all() and tiny[0]["responses"][1].shape == (1, 1)


def test_population_order_and_errors(tiny):
    tiny.select_population([3, 0])
    assert tiny.selected_neurons == [3, 0] and tiny.get_N() == 2
    assert tiny[2]["valid_mask"].tolist() == [True, True]
    assert tiny[2]["responses"][0].shape == (3, 4)  # neuron 3 first
    assert [m["cell_id"] for m in tiny.get_nrn_meta()] == ["n3", "n0"]
    with pytest.raises(IndexError, match="neuron indices 4 is out of range for 4 entries"):
        tiny.select_population([0, 4])
    with pytest.raises(ValueError, match=r"neuron indices contains duplicates: \[1\]"):
        tiny.select_population([1, 1])
    with pytest.raises(ValueError, match="neuron indices is empty"):
        tiny.select_population([])
    assert tiny.select_neuron(-1) == [3]


def test_attr_selections_chain_and_reset(tiny):
    assert tiny.select_pop_by_nrn_attr("area", "A1") == [0, 1]
    assert tiny.select_pop_by_nrn_predicate(lambda m: m["depth"] > 200) == [1]
    assert tiny.reset_pop_selection() == [0, 1, 2, 3]
    assert tiny.select_pop_by_nrn_attr("area", ["PEG", "XX"]) == [2, 3]
    with pytest.raises(ValueError, match=r"no neuron in the current selection has area == 'A1' \(values present: 'A1', 'PEG'\)"):
        tiny.select_pop_by_nrn_attr("area", "A1")  # chained: PEG only so far
    assert tiny.selected_neurons == [2, 3]  # a failed selection changes nothing
    with pytest.raises(KeyError, match=r"no neuron's nrn_meta has the key 'aera'; keys present: \['area', 'cell_id', 'depth'\]"):
        tiny.select_pop_by_nrn_attr("aera", "A1")


def test_pop_by_stim_attr(tiny):
    # neurons that heard at least one 'val' stimulus: 0, 1, 3
    assert tiny.select_pop_by_stim_attr("subset", "val") == [0, 1, 3]
    assert tiny.stim_meta and names(tiny) == ["a", "b", "c"]  # stim selection unchanged
    tiny.reset_pop_selection()
    assert tiny.select_pop_by_stim_predicate(lambda m: m["name"] == "a") == [0, 1, 2]


def test_stim_selections(tiny):
    assert tiny.select_stims_by_attr("subset", "est") == [0, 1]
    assert names(tiny) == ["a", "b"]
    assert tiny.select_stims_by_predicate(lambda m: m["name"] != "a") == [1]
    assert names(tiny) == ["b"]
    assert tiny.reset_stim_selection() == [0, 1, 2]
    assert tiny.select_stims([2, 0]) == [2, 0]
    assert names(tiny) == ["c", "a"]
    assert tiny.select_stim(1) == [1] and names(tiny) == ["b"]
    # combined with the population: neuron 3 heard only 'c'
    tiny.reset_stim_selection()
    tiny.select_stims_by_attr("subset", "est")
    tiny.select_neuron(3)
    assert len(tiny) == 0 and tiny.selected_stims == []
    tiny.reset_pop_selection()
    assert names(tiny) == ["a", "b"]
    with pytest.raises(ValueError, match=r"no stimulus in the current selection has subset == 'test' \(values present: 'est', 'val'\)"):
        tiny.select_stims_by_attr("subset", "test")


def test_selection_never_changes_data(tiny):
    before = [[tiny.responses[s][n].clone() for n in range(4)] for s in range(3)]
    masks = tiny.nrn_masks.clone()
    tiny.select_neuron(3)
    tiny.select_stims_by_attr("subset", "val")
    assert torch.equal(tiny.nrn_masks, masks)
    assert len(tiny.responses) == 3 and len(tiny.responses[0]) == 4
    for s in range(3):
        for n in range(4):
            assert torch.equal(tiny.responses[s][n].nan_to_num(-1), before[s][n].nan_to_num(-1))
    assert masks.tolist() == [[bool(r) for r in row] for row in REPEATS]
