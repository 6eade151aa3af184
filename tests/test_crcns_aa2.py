"""CRCNS-AA2 from a small release in its layout (three header-less tables)."""

import os

import pytest

from deepSTRF.datasets.audio import CRCNSAA2Dataset
from deepSTRF.datasets.audio.crcns_aa2 import (
    get_animals_ids,
    get_area_cells,
    get_stim_ids_from_folders,
    get_stims_ids_from_csv,
    load_stim_data_csv,
)
from deepSTRF.testing.aa2 import F1, R1, S1, S2, U1, make_aa2  # noqa: F401


@pytest.fixture
def aa2(tmp_path):
    return tmp_path, make_aa2(tmp_path)


def test_layout_tables_and_responses(aa2):
    root, n = aa2
    ds = CRCNSAA2Dataset(str(root), smooth=False)
    # area order: Field_L (L, L1, L2a, L2b, L3), mld, OV, CM, None
    assert [m["cell_id"] for m in ds.nrn_meta] == ["rr1416_5_B", "blugr1612_2", "oo0001_1"]
    assert [m["area"] for m in ds.nrn_meta] == ["L2a", "mld", "None"]
    assert ds.nrn_meta[0]["rig"] == "B" and ds.nrn_meta[1]["cell_seq"] == 2
    # discovery order within a class: cells by folder name, stimK in string order
    assert [(m["name"], m["type"]) for m in ds.stim_meta] == [(S2, "conspecific"), (S1, "conspecific"),
                                                            (F1, "flatrip"), (R1, "songrip")]
    assert ds.stim_meta[1]["n_samples"] == n[S1] and ds.stim_meta[1]["sample_rate"] == 32000.0
    assert ds.stim_meta[2]["sample_rate"] is None  # F1 is not in stim_data.csv
    r = ds.responses[1][1].numpy()
    assert r.shape == (3, 1 + n[S1] // 32) and (r[:, 30] == 1).all()  # stim11 beat stim2
    assert ds.responses[0][1].numpy()[0, 5] == 2 and ds.responses[0][1].numpy()[1].sum() == 0
    assert ds.responses[1][0].shape == (12, 1 + n[S1] // 32)  # repeat counts vary across pairs
    assert ds.responses[3][0].shape == (1, 1) and ds.responses[2][1].shape == (1, 1)


def test_selection_arguments(aa2):
    root = aa2[0]
    fl = CRCNSAA2Dataset(str(root), areas=("Field_L",))
    assert [m["cell_id"] for m in fl.nrn_meta] == ["rr1416_5_B"]
    assert [m["name"] for m in fl.stim_meta] == [S1, F1]  # discovered from the selected cells only
    assert [m["cell_id"] for m in CRCNSAA2Dataset(str(root), areas="all").nrn_meta] == \
        ["rr1416_5_B", "blugr1612_2", "oo0001_1"]
    birds = CRCNSAA2Dataset(str(root), animals=["rr1416"], stimuli=("flatrip",))
    assert birds.N_neurons == 1 and [m["name"] for m in birds.stim_meta] == [F1]
    with pytest.raises(ValueError, match="areas entry must be one of 'Field_L', 'L', 'L1'"):
        CRCNSAA2Dataset(str(root), areas=("Field L",))
    with pytest.raises(ValueError, match=r"animals \['zz'\] are not in cell_stim_classes.csv"):
        CRCNSAA2Dataset(str(root), animals=["zz"])


def test_helper_functions(aa2):
    root = aa2[0]
    assert get_animals_ids(str(root / "cell_stim_classes.csv")) == ["rr1416", "blugr1612", "oo0001"]
    assert get_area_cells(str(root / "cell_regions.csv")) == {"L2a": ["rr1416_5_B"], "mld": ["blugr1612_2"],
                                                              "None": ["oo0001_1"]}
    assert get_stim_ids_from_folders(str(root / "all_cells")) == {"conspecific": [S2, S1], "flatrip": [F1],
                                                                  "songrip": [R1]}
    assert get_stims_ids_from_csv(str(root / "stim_data.csv"))["unknown"] == [U1]
    assert load_stim_data_csv(str(root / "stim_data.csv"))[S2]["bit_depth"] == 16


def test_missing_cell_folder_and_wav(aa2):
    root = aa2[0]
    os.remove(root / "all_stims" / F1)
    with pytest.raises(FileNotFoundError, match=f"{F1} \\(flatrip\\) is used by a selected cell but missing"):
        CRCNSAA2Dataset(str(root))
    assert CRCNSAA2Dataset(str(root), stimuli=("conspecific",)).N_neurons == 3  # F1 not needed then
    (root / "cell_regions.csv").write_text("rr1416_5_B,L2a\nghost_1,mld\n")
    with pytest.raises(FileNotFoundError, match="cell ghost_1 of cell_regions.csv has no folder"):
        CRCNSAA2Dataset(str(root))


def test_cli_info(aa2, capsys):
    from deepSTRF.cli import main

    assert main(["info", "crcns_aa2", "--path", str(aa2[0])]) == 0
    out = capsys.readouterr().out
    assert "S = 4" in out and "N = 3" in out and "F = 32" in out and "dt = 1 ms" in out
