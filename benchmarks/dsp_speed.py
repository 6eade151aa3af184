"""Seconds each spectrogram recipe takes on 60 s of 48 kHz audio, next to librosa
or the gammatone package where they compute the same thing.

Usage: python benchmarks/dsp_speed.py [--seconds 60] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch

from deepSTRF import dsp
from deepSTRF.models import make_wav2spec


def best(fn, repeat):
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    rate = 48000
    x = np.random.default_rng(0).normal(size=int(args.seconds * rate)) * 0.1
    try:
        import librosa
    except ImportError:
        librosa = None
    try:
        from gammatone.gtgram import gtgram
    except ImportError:
        gtgram = None
    rows = [
        ("mel (32 bands, 25 ms window, 5 ms hop)",
         lambda: dsp.mel_spectrogram(x, rate, 5.0, 32, 25.0, compression="none"),
         None if librosa is None else lambda: librosa.feature.melspectrogram(
             y=x, sr=rate, n_fft=1200, hop_length=240, window="hann", center=True, pad_mode="reflect",
             n_mels=32, htk=True, norm=None)),
        ("Kaldi log-mel fbank (80 bands, 25 ms, 10 ms)", lambda: dsp.kaldi_fbank(x, rate, 10.0, 80), None),
        ("Goertzel log-frequency (100 Hz-24 kHz, 6/oct, 5 ms)",
         lambda: dsp.goertzel_spectrogram(x, rate, 5.0, 100.0, 24000.0, 6), None),
        ("gammatonegram (50 bands 1-8 kHz, 2.5 ms, 5 ms)",
         lambda: dsp.gammatone_gram(x, rate, 5.0, 50, 1000.0, 8000.0, 2.5),
         None if gtgram is None else lambda: gtgram(x, rate, 0.0025, 0.005, 50, 1000.0, 8000.0)),
        ("ERB-Gaussian log spectrogram (8 bands, 10 ms)", lambda: dsp.erb_gaussian_spectrogram(x, rate, 10.0, 8),
         None),
        ("resample 48 kHz -> 16 kHz (soxr)", lambda: dsp.resample(x, rate, 16000),
         None if librosa is None else lambda: librosa.resample(x, orig_sr=rate, target_sr=16000)),
    ]
    wave = torch.from_numpy(x).float()[None, None]
    for kind in ("mel", "gammatone", "gammatonegram"):
        m = make_wav2spec(kind, rate, 5.0)

        def run(m=m):
            with torch.no_grad():
                m(wave)

        rows.append((f"wav2spec '{kind}' forward ({m.out_channels} bands, 5 ms)", run, None))
    print(f"DSP speed on {args.seconds:g} s of {rate} Hz audio, best of {args.repeat}; "
          f"{torch.get_num_threads()} threads")
    print(f"{'recipe':<54s} {'deepSTRF':>10s} {'reference':>10s}")
    for label, ours, ref in rows:
        a = best(ours, args.repeat)
        b = "" if ref is None else f"{best(ref, args.repeat):9.2f}s"
        print(f"{label:<54s} {a:9.2f}s {b:>10s}", flush=True)
    print("reference: librosa for mel and resampling, the gammatone package (gtgram) for the gammatonegram")
    return 0


if __name__ == "__main__":
    sys.exit(main())
