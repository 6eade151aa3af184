"""A fake AA1 release: small files in the real format and layout, with known values.

Moved from the tests so that the tests, the contract test over the zoo, the
examples and the benchmark share one writer.
"""

from __future__ import annotations

import os

from .formats import write_pair, write_wav

A = "723792DF8CA8D0B99B8059503E5006BA.wav"  # conspecific, a 2 kHz tone, 0.2 s
B = "0B2C9F7D18A1C2E3F405162738495A6B.wav"  # conspecific, noise, 0.15 s
C = "FFFF0000111122223333444455556666.wav"  # flatrip, 6 kHz tone, 0.1 s
D = "AAAA0000111122223333444455556666.wav"  # flatrip nobody heard
TRIALS_A = [[76.781, 120.0, 120.4], [], [-50.0, 15.0, 15.0004, 199.9, 250.0]]


def make_aa1(root):
    n = {A: write_wav(root / "all_stims/conspecific" / A, 0.2, freq=2000.0),
         B: write_wav(root / "all_stims/conspecific" / B, 0.15, seed=1),
         C: write_wav(root / "all_stims/flatrip" / C, 0.1, freq=6000.0),
         D: write_wav(root / "all_stims/flatrip" / D, 0.1, seed=2)}
    fl = root / "Field_L_cells"
    write_pair(fl / "gg0304_4_B/conspecific", 1, A, TRIALS_A)
    write_pair(fl / "gg0304_4_B/conspecific", 2, B, [[10.0], [11.0]])
    write_pair(fl / "gg0304_4_B/conspecific", 10, A, [[1.0]] * 7)  # duplicate pointer: stim1 wins
    write_pair(fl / "gg0304_4_B/flatrip", 1, C, None)  # stimK without spikeK -> sentinel
    write_pair(fl / "aa0101_1/conspecific", 1, B, [[5.0, 6.0]], newline="\r\n", sep="\t")  # silent? no: 2 spikes
    ml = root / "MLd_cells"
    write_pair(ml / "pipu1018_2_A/flatrip", 3, C, [[], []])  # a silent unit is still a neuron
    write_pair(ml / "yy1617_3/flatrip", 1, C, [[0.0, 99.999]])
    os.makedirs(ml / "zz0000_9")  # no class folder: dropped
    return n
