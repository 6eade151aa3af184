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
    assert names(tiny) == ["c"] and len(tiny) == 1 and tiny.get_S() == 3  # get_S: every stimulus (0.1.0)
    item = tiny[0]
    assert item["pair_mask"].tolist() == [True] and item["responses"][0].shape == (3, 4)
    # neuron 2 did not hear 'c': in a population with neuron 3, 'c' shows it masked
    tiny.select_population([2, 3])
    assert names(tiny) == ["a", "b", "c"]
    assert tiny[2]["pair_mask"].tolist() == [False, True]
    assert tiny[0]["pair_mask"].tolist() == [True, False]
    assert torch.isnan(tiny[0]["responses"][1]).all() and tiny[0]["responses"][1].shape == (1, 1)


def test_bidirectional_rule_hides_neurons_without_selected_stims(tiny):
    # under the 'val' stimulus (c), neuron 2 (which never heard c) is hidden, not masked
    tiny.select_stims_by_attr("subset", "val")
    assert tiny.selected_neurons == [0, 1, 2, 3] and tiny.active_neurons == [0, 1, 3]
    assert len(tiny[0]["responses"]) == 3 and tiny[0]["pair_mask"].tolist() == [True, True, True]
    assert [m["cell_id"] for m in tiny.get_nrn_meta()] == ["n0", "n1", "n3"]
    assert tiny.selection_masks.tolist() == [[True, True, True]]
    # under 'est' (a, b), neuron 3 is hidden
    tiny.select_stims_by_attr("subset", "est")
    assert tiny.active_neurons == [0, 1, 2] and len(tiny[1]["responses"]) == 3
    assert tiny.get_N() == 4  # the full population (0.1.0)


def test_population_order_and_errors(tiny):
    tiny.select_population([3, 0])
    assert tiny.selected_neurons == [3, 0] and tiny.get_N() == 4 and tiny.active_neurons == [3, 0]
    assert tiny[2]["pair_mask"].tolist() == [True, True]
    assert tiny[2]["responses"][0].shape == (3, 4)  # neuron 3 first
    assert [m["cell_id"] for m in tiny.get_nrn_meta()] == ["n3", "n0"]
    with pytest.raises(IndexError, match="neuron indices 4 is out of range for 4 entries"):
        tiny.select_population([0, 4])
    with pytest.raises(ValueError, match=r"neuron indices contains duplicates: \[1\]"):
        tiny.select_population([1, 1])
    with pytest.raises(ValueError, match="neuron indices is empty"):
        tiny.select_population([])
    with pytest.raises(AssertionError, match="neuron indices is empty"):  # what 0.1.0 code catches
        tiny.select_population([])
    assert tiny.select_neuron(-1) == [3]


def test_attr_selections_replace_and_narrow_on_request(tiny):
    assert tiny.select_pop_by_nrn_attr("area", "A1") == [0, 1]
    # replaces (0.1.0): built from every neuron, not from the A1 cells
    assert tiny.select_pop_by_nrn_predicate(lambda m: m["depth"] > 200) == [1, 2, 3]
    tiny.select_pop_by_nrn_attr("area", "A1")
    assert tiny.select_pop_by_nrn_predicate(lambda m: m["depth"] > 200, within_current=True) == [1]
    assert tiny.reset_pop_selection() == [0, 1, 2, 3]
    assert tiny.select_pop_by_nrn_attr("area", ["PEG", "XX"]) == [2, 3]
    with pytest.raises(ValueError, match=r"no neuron in the current selection has area == 'A1' \(values present: 'A1', 'PEG'\)"):
        tiny.select_pop_by_nrn_attr("area", "A1", within_current=True)  # PEG only so far
    assert tiny.selected_neurons == [2, 3]  # a failed selection changes nothing
    with pytest.raises(ValueError, match=r"no neuron has the key 'aera' \(keys present: \['area', 'cell_id', 'depth'\]\)"):
        tiny.select_pop_by_nrn_attr("aera", "A1")
    # keyword names of 0.1.0
    assert tiny.select_pop_by_nrn_attr(attribute_name="area", value="A1") == [0, 1]
    assert tiny.select_neuron(neuron_index=2) == [2]
    assert tiny.select_population(neuron_indices=[1, 0]) == [1, 0]


def test_predicates_skip_what_they_cannot_judge(tiny):
    tiny.nrn_meta[1]["depth"] = None  # TypeError in the comparison
    del tiny.nrn_meta[2]["depth"]  # KeyError
    assert tiny.select_pop_by_nrn_predicate(lambda m: m["depth"] > 50) == [0, 3]
    with pytest.raises(ZeroDivisionError):  # any other error is the user's bug: let through
        tiny.select_pop_by_nrn_predicate(lambda m: 1 / 0)
    with pytest.warns(UserWarning, match="no stimulus satisfies the predicate"):
        assert tiny.select_stims_by_predicate(lambda m: m["missing"] == 1) == [] and len(tiny) == 0


def test_pop_by_stim_attr(tiny):
    # neurons that heard at least one 'val' stimulus: 0, 1, 3
    assert tiny.select_pop_by_stim_attr("subset", "val") == [0, 1, 3]
    assert tiny.stim_meta and names(tiny) == ["a", "b", "c"]  # stim selection unchanged
    assert tiny.select_pop_by_stim_predicate(lambda m: m["name"] == "a") == [0, 1, 2]  # replaces
    assert tiny.select_pop_by_stim_attr("subset", "val", within_current=True) == [0, 1]


def test_stim_selections(tiny):
    assert tiny.select_stims_by_attr("subset", "est") == [0, 1]
    assert names(tiny) == ["a", "b"]
    assert tiny.select_stims_by_attr("subset", "val") == [2]  # the est -> val switch of 0.1.0
    assert tiny.select_stims_by_predicate(lambda m: m["name"] != "a") == [1, 2]
    tiny.select_stims_by_attr("subset", "est")
    assert tiny.select_stims_by_predicate(lambda m: m["name"] != "a", within_current=True) == [1]
    assert names(tiny) == ["b"]
    assert tiny.reset_stim_selection() == [0, 1, 2]
    assert tiny.select_stims([2, 0]) == [2, 0]
    assert names(tiny) == ["c", "a"]
    assert tiny.select_stim(1) == [1] and names(tiny) == ["b"]
    assert tiny.select_stims(stim_indices=[0]) == [0] and tiny.select_stim(stim_index=2) == [2]
    # combined with the population: neuron 3 heard only 'c'
    tiny.select_stims_by_attr("subset", "est")
    tiny.select_neuron(3)
    assert len(tiny) == 0 and tiny.selected_stims == [] and tiny.active_neurons == []
    tiny.reset_pop_selection()
    assert names(tiny) == ["a", "b"]
    with pytest.warns(UserWarning, match=r"no stimulus has subset == 'test' \(values present: 'est', 'val'\)"):
        assert tiny.select_stims_by_attr("subset", "test") == []
    assert len(tiny) == 0 and list(tiny) == []
    with pytest.warns(UserWarning, match=r"no stimulus has the key 'subest' \(keys present: \['name', 'subset'\]\)"):
        assert tiny.select_stims_by_attr("subest", "est") == []


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
