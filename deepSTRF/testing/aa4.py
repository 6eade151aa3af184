"""A fake AA4 release: small files in the real format and layout, with known values.

Moved from the tests so that the tests, the contract test over the zoo, the
examples and the benchmark share one writer.
"""

from __future__ import annotations

import h5py
import numpy as np

from ..datasets.audio.crcns_aa4 import AA4_ANIMAL_IDS
from .formats import write_wav

M1, M2, M3, M4 = ("a" * 32, "b" * 32, "c" * 32, "d" * 32)


def write_unit(path, sort_type, stims, site="Site1", electrode=10, ldepth=1400, rdepth=1400, sortid=0):
    """stims: {protocol: {number: (md5, type, class, {trial: spike_times | -999})}}"""
    with h5py.File(path, "w") as f:
        f.attrs.update({"sortType": sort_type, "site": site, "electrode": electrode, "ldepth": ldepth,
                        "rdepth": rdepth, "sortid": sortid, "tank_name": "t"})
        f.create_group("class_info").attrs["x"] = 1
        for proto, group in stims.items():
            p = f.create_group(proto)
            for number, (md5, stype, sclass, trials) in group.items():
                g = p.create_group(number)
                g.attrs.update({"stim_md5": md5, "stim_type": stype, "stim_class": sclass, "stim_duration": 0.2})
                for t, times in trials.items():
                    tg = g.create_group(t)
                    data = np.float64(times) if np.isscalar(times) else np.asarray(times, dtype=np.float64)
                    tg.create_dataset("spike_times", data=data)
                    tg.create_dataset("spike_ids", data=data)


def make_aa4(root):
    n = {}
    bla, gre = root / AA4_ANIMAL_IDS[0], root / AA4_ANIMAL_IDS[1]
    n["bla85"] = write_wav(bla / "wavfiles/stim85.wav", 0.2, rate=24414, seed=1)
    n["bla102"] = write_wav(bla / "wavfiles/stim102.wav", 0.15, rate=24414, seed=2)
    n["gre7"] = write_wav(gre / "wavfiles/stim7.wav", 0.2, rate=24414, seed=1)  # the same sound as bla 85
    n["gre8"] = write_wav(gre / "wavfiles/stim8.wav", 0.1, rate=24414, seed=3)
    write_unit(bla / "Site1_L1400R1400_e10_s0_ss1.h5", "singl", {"Call1": {
        "85": (M1, "call", "Te", {"1": [0.0155, 0.0155, -0.2], "10": [0.05], "2": -999.0}),
        "102": (M2, "song", "So", {"1": [-0.1]}),  # only pre-stimulus spikes: a silent trial
    }})
    write_unit(bla / "Site1_L1400R1400_e11_s2.h5", "noise", {"Call1": {"85": (M1, "call", "Te", {"1": [0.1]})}})
    write_unit(gre / "Site2_L100R200_e3_s1.h5", b"multi", {"Calls": {
        "7": (M1, "call", "Te", {"1": [0.001]}),
        "9": (M3, "mlnoise", "mlnoise", {"1": [0.01]}),  # its wav is missing
        "8": (M4, "song", "So", {"1": [0.02]}),
    }}, site="Site2", electrode=3, ldepth=100, rdepth=200, sortid=1)
    write_unit(gre / "Site2_L100R200_e4_s0.h5", "single", {"Calls": {"7": (M1, "call", "Te", {"1": -999.0,
                                                                                         "2": []})}})
    return n
