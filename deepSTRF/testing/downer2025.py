"""A fake Downer2025 release: small files in the real format and layout, with known values.

Moved from the tests so that the tests, the contract test over the zoo, the
examples and the benchmark share one writer.
"""

from __future__ import annotations

import numpy as np
import scipy.io
import scipy.io.wavfile

YAML = """b_RH_sessions:
- 180413
c_LH_sessions:
- 191113
- 200101
area_wise_sessions:
  core:
  - 191113   # A1
  non-primary:
  - 180413   # AL
session_coordinates:
  180413: [1.0, 2.0]
bad_sessions:
- 200101
stim_wise_num_repeats: {timit: 3, mVocs: 3}
"""


def kaldi_centre(band, n_mels=80, fmax=8000.0):
    mel = lambda f: 1127 * np.log(1 + f / 700)  # noqa: E731
    m = np.linspace(mel(0), mel(fmax), n_mels + 2)[band + 1]
    return 700 * (np.exp(m / 1127) - 1)


def muspk(path, trial, spikes):
    n = len(spikes)
    spike = {"spktimes": np.asarray(spikes, float)[:, None], "trial": np.ones((n, 1)), "stimlock": np.zeros((n, 1)),
             "timitStimcode": np.zeros((n, 1)), "mVocStimcode": np.zeros((n, 1)), "amStimcode": np.zeros((n, 1)),
             "fmStimcode": np.zeros((n, 1)), "dmrStimcode": np.zeros((n, 1)),
             "events": np.random.default_rng(0).random((max(n, 1), 2000))}  # the big field, never read
    scipy.io.savemat(path, {"spike": spike, "trial": trial}, do_compression=True)


def make_downer(root):
    (root / "sessions").mkdir(parents=True)
    (root / "stimuli").mkdir()
    (root / "sessions_metadata.yml").write_text(YAML)
    # TIMIT: 3 sentences, 16 kHz, 0.5 s padding either side; sentence 2 is a tone at the centre of Kaldi band 30
    sent = np.zeros((1, 3), dtype=[(k, "O") for k in ("name", "sentId", "sound", "soundf", "duration", "befaft")])
    t = np.arange(int(0.6 * 16000)) / 16000
    for i in range(3):
        core = 0.1 * np.sin(2 * np.pi * (kaldi_centre(30) if i == 1 else 300.0 * (i + 1)) * t)
        sound = np.concatenate([np.zeros(8000), core, np.zeros(8000)])[:, None]
        sent[0, i] = (f"sent{i}", float(i + 1), sound, 16000.0, len(sound) / 16000, np.array([[0.5, 0.5]]))
    scipy.io.savemat(root / "stimuli/out_sentence_details_timit_all_loudness.mat", {"sentdet": sent})
    # mVocs: 5 slots of 1 s in a 41-kHz stereo WAV; right channel = trigger pulses
    codes, onsets = [2, 1, 2, 2, 1], [0.0, 1.0, 2.0, 3.0, 4.0]
    scipy.io.savemat(root / "stimuli/SqMoPhys_MVOCStimcodes.mat", {"mVocsStimCodes": np.array(codes, float),
                                                                    "mVocsStimOnTimes": np.array(onsets)})
    wav = np.zeros((5 * 41000, 2), np.int16)
    tt = np.arange(41000) / 41000
    for k in range(5):
        wav[k * 41000: (k + 1) * 41000, 0] = (3000 * np.sin(2 * np.pi * 500 * tt)).astype(np.int16)
        wav[k * 41000: k * 41000 + 200, 1] = 30000
    scipy.io.wavfile.write(root / "stimuli/MonkVocs_15Blocks.wav", 41000, wav)

    def session(sid, animal, channels, timit_codes, mvoc_codes):
        folder = root / "sessions" / sid
        folder.mkdir()
        n = len(timit_codes) + len(mvoc_codes)
        stimon = 10.0 + 3.0 * np.arange(n)
        trial = {"stimon": stimon[:, None], "timitStimcode": np.array(timit_codes + [0] * len(mvoc_codes))[:, None],
                 "mVocStimcode": np.array([0] * len(timit_codes) + mvoc_codes)[:, None],
                 "amStimcode": np.zeros((n, 1)), "fmStimcode": np.zeros((n, 1)), "dmrStimcode": np.zeros((n, 1))}
        for ch in channels:
            spikes = [t0 + d for t0 in stimon for d in (0.015, 0.0149, -0.2)]  # bins 3 and 2; one before onset
            muspk(folder / f"{animal}_{sid}_{ch}_MUspk.mat", trial, spikes)
        (folder / f"{animal}_{sid}_TRIALINFO.mat").write_bytes(b"not a channel")

    session("180413", "b", ["Ch12", "Ch5p"], [1, 2, 1, 3, 1], [1, 2, 2])
    session("191113", "c", ["Ch1ps2"], [2, 1, 1, 1], [2])
    session("200101", "c", ["Ch3"], [1], [])  # a bad session
