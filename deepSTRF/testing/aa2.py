"""A fake AA2 release: small files in the real format and layout, with known values.

Moved from the tests so that the tests, the contract test over the zoo, the
examples and the benchmark share one writer.
"""

from __future__ import annotations

from .formats import write_pair, write_wav

S1, S2, R1, F1, U1 = (f"{c * 32}.wav" for c in "ABCDE")


def make_aa2(root):
    n = {}
    for name, secs in ((S1, 0.2), (S2, 0.1), (R1, 0.12), (F1, 0.1), (U1, 0.05)):
        n[name] = write_wav(root / "all_stims" / name, secs, seed=len(n))
    cells = root / "all_cells"
    write_pair(cells / "blugr1612_2/conspecific", 1, S2, [[5.0, 5.5], []])
    write_pair(cells / "blugr1612_2/conspecific", 11, S1, [[30.0]] * 3)
    write_pair(cells / "blugr1612_2/conspecific", 2, S1, [[40.0]] * 2)  # 'stim11' < 'stim2': stim11 wins
    write_pair(cells / "blugr1612_2/songrip", 1, R1, [[1.0, 2.0, 3.0]] * 4)
    write_pair(cells / "rr1416_5_B/conspecific", 1, S1, [[0.5]] * 12)
    write_pair(cells / "rr1416_5_B/flatrip", 1, F1, [[9.0]])
    write_pair(cells / "oo0001_1/conspecific", 1, S1, [[1.0]])
    (root / "cell_regions.csv").write_text("rr1416_5_B,L2a\nblugr1612_2,mld\noo0001_1,None\n")
    # the first line's bird appears only there: a header-inferring reader would lose it
    (root / "cell_stim_classes.csv").write_text("rr1416_5_B,conspecific,flatrip\nblugr1612_2,conspecific,songrip\n"
                                                "oo0001_1,conspecific\n")
    (root / "stim_data.csv").write_text(f"{S1},32000,16,{n[S1]},conspecific\n{S2},32000,16,{n[S2]},conspecific\n"
                                        f"{R1},32000,16,{n[R1]},songrip\n{U1},32000,16,{n[U1]},unknown\n")
    return n
