"""Signal processing against independent computations (librosa, FFT, the gammatone
package, loops written here) and pure tones."""

import numpy as np
import pytest
import torch

from deepSTRF.dsp import (
    bin_spikes,
    erb_gaussian_spectrogram,
    erb_space,
    gammatone_gram,
    goertzel_spectrogram,
    grid_lock,
    kaldi_fbank,
    mel_filterbank,
    mel_spectrogram,
    pool_mean,
    rebin_sum,
    resample,
    stft_power,
)
from deepSTRF.dsp.spectrogram import erb_number, erb_number_to_hz, log_frequency_centres
from deepSTRF.models import CausalGammatone, CausalMelSpectrogram, Gammatonegram, make_wav2spec

librosa = pytest.importorskip("librosa")  # test extra


def tone(f, rate, seconds=0.5, amp=1.0):
    t = np.arange(int(rate * seconds)) / rate
    return amp * np.sin(2 * np.pi * f * t)


def noise(n, seed=0):
    return np.random.default_rng(seed).normal(size=n)


# ------------------------------------------------------------------ mel / STFT
def test_mel_filterbank_and_stft_match_librosa():
    fb = mel_filterbank(32000, 320, 32)
    ref = librosa.filters.mel(sr=32000, n_fft=320, n_mels=32, fmin=0, fmax=16000, htk=True, norm=None)
    np.testing.assert_allclose(fb, ref, rtol=1e-6, atol=1e-10)
    x = noise(8000)
    ref_s = np.abs(librosa.stft(x, n_fft=320, hop_length=32, window="hann", center=True, pad_mode="reflect")) ** 2
    np.testing.assert_allclose(stft_power(x, 320, 32), ref_s, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("compression", ["none", "cubic", "log1p"])
def test_mel_spectrogram_recipe(compression):
    x = noise(16000, 1)
    spec = mel_spectrogram(x, 32000, dt_ms=1.0, n_mels=32, window_ms=10.0, compression=compression)
    ref = librosa.feature.melspectrogram(y=x, sr=32000, n_fft=320, hop_length=32, window="hann", center=True,
                                         pad_mode="reflect", power=2.0, n_mels=32, fmin=0, fmax=16000,
                                         htk=True, norm=None)
    ref = {"none": ref, "cubic": np.cbrt(ref), "log1p": np.log1p(ref)}[compression]
    assert spec.shape == (32, 1 + 16000 // 32) and spec.dtype == np.float32
    np.testing.assert_allclose(spec, ref, rtol=2e-5, atol=1e-6)
    # the window is decoupled from the hop: 5 ms bins with a 25 ms window (800 samples, not 10 hops)
    ref5 = librosa.feature.melspectrogram(y=x, sr=32000, n_fft=800, hop_length=160, window="hann", center=True,
                                          pad_mode="reflect", power=2.0, n_mels=32, fmin=0, fmax=16000,
                                          htk=True, norm=None)
    np.testing.assert_allclose(mel_spectrogram(x, 32000, 5.0, 32, 25.0, compression="none"), ref5, rtol=2e-5,
                               atol=1e-6)
    # and never shorter than the hop (no sample is skipped at coarse bins)
    ref50 = librosa.feature.melspectrogram(y=x, sr=32000, n_fft=1600, hop_length=1600, window="hann", center=True,
                                           pad_mode="reflect", power=2.0, n_mels=32, fmin=0, fmax=16000,
                                           htk=True, norm=None)
    np.testing.assert_allclose(mel_spectrogram(x, 32000, 50.0, 32, 10.0, compression="none"), ref50, rtol=2e-5,
                               atol=1e-6)


def test_non_integer_hop_asks_for_resampling():
    with pytest.raises(ValueError, match=r"24414 Hz x 1 ms = 24.414 samples per bin, not a whole number.*resample"):
        mel_spectrogram(noise(1000), 24414, dt_ms=1.0)


# ------------------------------------------------------------------ pure tones
def _band_of_tone(spec):
    return int(np.argmax(spec[:, spec.shape[1] // 4: -spec.shape[1] // 4].mean(axis=1)))


def test_every_filterbank_lights_the_band_of_a_pure_tone():
    rate = 48000
    # mel: a tone at the peak of band m
    pts = 700 * (10 ** (np.linspace(0, 2595 * np.log10(1 + 24000 / 700), 34) / 2595) - 1)
    for m in (3, 15, 28):
        assert _band_of_tone(mel_spectrogram(tone(pts[m + 1], rate), rate, 5.0, 32, 25.0, compression="none")) == m
    # Goertzel log-frequency bands
    centres = log_frequency_centres(100, 20000, 6)
    for b in (0, 20, len(centres) - 2):
        assert _band_of_tone(goertzel_spectrogram(tone(centres[b], rate), rate, 5.0, 100, 20000, 6)) == b
    # ERB-spaced Gaussian bands
    fc = erb_number_to_hz(np.linspace(erb_number(80), erb_number(24000), 8))
    for b in range(1, 7):  # band 7 sits at the Nyquist frequency, where a tone is all zeros
        assert _band_of_tone(erb_gaussian_spectrogram(tone(fc[b], rate), rate, 10.0, 8)) == b
    # gammatone bands
    cf = erb_space(1000, 8000, 50)
    for b in (0, 25, 49):
        assert _band_of_tone(gammatone_gram(tone(cf[b], rate), rate, 5.0, 50, 1000, 8000, 2.5)) == b
    # Kaldi mel bands (triangles on the mel axis)
    mel = lambda f: 1127 * np.log(1 + f / 700)  # noqa: E731
    inv = lambda m: 700 * (np.exp(m / 1127) - 1)  # noqa: E731
    centres = inv(np.linspace(mel(0), mel(8000), 82)[1:-1])
    for b in (10, 40, 70):
        assert _band_of_tone(kaldi_fbank(tone(centres[b], 16000), 16000, 10.0, 80)) == b


# ------------------------------------------------------------------ Goertzel vs FFT
def test_goertzel_equals_the_fft_at_bin_frequencies():
    rate, dt = 8000.0, 5.0
    W = int(round(2 * dt * rate / 1000))  # 80 samples, bins every 100 Hz
    x = noise(4000, 2)
    k0 = 3
    spec = goertzel_spectrogram(x, rate, dt, fmin=k0 * rate / W, fmax=rate / 2 - 1, bins_per_octave=1)
    hop = int(dt * rate / 1000)
    padded = np.concatenate([np.zeros(W // 2), x, np.zeros(2 * W)])
    w = np.hamming(W)
    for k in (0, 7, spec.shape[1] - 1):
        fft = np.fft.fft(padded[k * hop: k * hop + W] * w)
        for b in range(spec.shape[0]):
            assert spec[b, k] == pytest.approx(20 * np.log10(abs(fft[k0 * 2**b]) + 1e-12), abs=1e-3)
    assert spec.shape[1] == int(np.ceil(len(x) / hop))


def test_goertzel_exact_time_base_and_floor_above_nyquist():
    rate = 24414.0625  # hop of 122.07 samples at 5 ms: frames must not drift
    x = np.zeros(int(rate))
    click = int(round(150 * 5.0 * rate / 1000))  # a click exactly at bin 150's time
    x[click] = 1.0
    spec = goertzel_spectrogram(x, rate, 5.0, fmin=100, fmax=45000, bins_per_octave=6)
    assert spec.shape[1] == int(np.ceil(len(x) / (5.0 * rate / 1000)))
    assert int(np.argmax(spec[10])) == 150
    above = log_frequency_centres(100, 45000, 6) > rate / 2
    assert above.any() and (spec[above] == np.float32(-240.0)).all()


# ------------------------------------------------------------------ gammatone
def test_gammatone_gram_matches_the_gammatone_package():
    gtgram = pytest.importorskip("gammatone.gtgram")  # the optional 'gammatone' extra
    x = noise(24000, 3)
    ours = gammatone_gram(x, 48000, 5.0, 50, 1000, 8000, 2.5)
    ref = gtgram.gtgram(x, 48000, 0.0025, 0.005, 50, 1000, 8000)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)
    assert np.all(np.diff(erb_space(1000, 8000, 50)) > 0) and erb_space(1000, 8000, 50)[0] == pytest.approx(1000)
    # ERB-spaced, not log-spaced: equal steps on the ERB-number scale of the gammatone bank
    e = np.log(erb_space(1000, 8000, 50) + 9.26449 * 24.7)
    np.testing.assert_allclose(np.diff(e), np.diff(e)[0], rtol=1e-9)


# ------------------------------------------------------------------ Kaldi fbank
def _kaldi_reference(x, rate, n_mels=80, fmax=8000.0):
    """Frame by frame, as the recipe reads (loops)."""
    x = x * 32768.0
    win, shift = int(0.025 * rate), int(0.010 * rate)
    n_fft = 1
    while n_fft < win:
        n_fft *= 2
    mel = lambda f: 1127 * np.log(1 + f / 700)  # noqa: E731
    delta = (mel(fmax) - mel(0)) / (n_mels + 1)
    out = []
    for start in range(0, len(x) - win + 1, shift):
        fr = x[start:start + win].copy()
        fr -= fr.mean()
        pre = np.empty_like(fr)
        pre[0] = fr[0] - 0.97 * fr[0]
        for i in range(1, win):
            pre[i] = fr[i] - 0.97 * fr[i - 1]
        pre *= [0.5 - 0.5 * np.cos(2 * np.pi * i / (win - 1)) for i in range(win)]
        p = np.abs(np.fft.rfft(pre, n_fft)) ** 2
        energies = []
        for m in range(n_mels):
            left, centre, right = mel(0) + m * delta, mel(0) + (m + 1) * delta, mel(0) + (m + 2) * delta
            e = 0.0
            for k in range(n_fft // 2):
                mk = mel(k * rate / n_fft)
                if left < mk <= centre:
                    e += p[k] * (mk - left) / (centre - left)
                elif centre < mk < right:
                    e += p[k] * (right - mk) / (right - centre)
            energies.append(np.log(max(e, np.finfo(float).eps)))
        out.append(energies)
    return np.array(out).T


def test_kaldi_fbank_against_a_loop_implementation():
    x = noise(2400, 4) * 0.1
    ours = kaldi_fbank(x, 16000, dt_ms=10.0, n_mels=80)
    np.testing.assert_allclose(ours, _kaldi_reference(x, 16000), rtol=1e-4, atol=1e-3)
    coarse = kaldi_fbank(noise(16000, 5), 16000, dt_ms=50.0)
    fine = kaldi_fbank(noise(16000, 5), 16000, dt_ms=10.0)
    np.testing.assert_allclose(coarse, fine[:, : coarse.shape[1] * 5].reshape(80, -1, 5).mean(2), rtol=1e-5)
    z = kaldi_fbank(noise(16000, 5), 16000, zscore=True)
    np.testing.assert_allclose(z.mean(1), 0, atol=1e-4)
    np.testing.assert_allclose(z.std(1), 1, rtol=1e-3)


# ------------------------------------------------------------------ resampling, grid lock
def test_resample_preserves_frequency_and_length():
    rate_in = 48828.125  # NS1's native rate: a non-integer ratio to 48 kHz
    x = tone(1000.0, rate_in, seconds=1.0)
    y = resample(x, rate_in, 48000)
    assert len(y) == round(len(x) * 48000 / rate_in)
    ref = tone(1000.0, 48000, seconds=len(y) / 48000)[: len(y)]
    np.testing.assert_allclose(y[500:-500], ref[500:-500], atol=2e-3)
    spec = np.abs(np.fft.rfft(y))
    assert np.argmax(spec) * 48000 / len(y) == pytest.approx(1000.0, abs=1.5)
    assert np.array_equal(resample(x, 48000, 48000), x)
    with pytest.raises(TypeError, match="rate_out must be a positive integer"):
        resample(x, rate_in, 44100.5)


def test_grid_lock_lengths_and_offset():
    x = np.arange(1, 11, dtype=float)
    out = grid_lock(x, n_bins=3, hop=5, offset=2)
    assert len(out) == 15 and np.array_equal(out[:2], [0, 0]) and np.array_equal(out[2:12], x)
    assert np.array_equal(out[12:], [0, 0, 0])
    cropped = grid_lock(x, n_bins=1, hop=4, offset=0)
    assert np.array_equal(cropped, [1, 2, 3, 4])
    assert np.array_equal(grid_lock(x, 1, 4, offset=-3), [4, 5, 6, 7])


# ------------------------------------------------------------------ binning
def test_bin_spikes_exact_edges_counts_and_silence():
    trials = [[15.0, 0.1 + 0.2, 4.9999999, 14.999, 49.999, 50.0, -0.001], [], [12.0, 12.5]]
    counts = bin_spikes(trials, dt_ms=5.0, n_bins=10)
    assert counts.shape == (3, 10) and counts.dtype == np.float32
    # 0.1 + 0.2 -> bin 0; 4.9999999 ms is within 1 ns of the 5-ms edge -> bin 1; 14.999 -> bin 2;
    # 15 ms exactly -> bin 3 (not 2); 49.999 -> bin 9; 50 ms and a negative time are outside
    assert counts[0].tolist() == [1, 1, 1, 1, 0, 0, 0, 0, 0, 1]
    assert counts[1].tolist() == [0] * 10  # a silent trial is zeros, not missing
    assert counts[2, 2] == 2  # two spikes in one bin count 2
    sec = bin_spikes([[0.015, 0.0149999]], dt_ms=5.0, n_bins=4, unit="s")
    assert sec[0].tolist() == [0, 0, 1, 1]
    shifted = bin_spikes([[1015.0]], dt_ms=5.0, n_bins=4, t0=1000.0)
    assert shifted[0].tolist() == [0, 0, 0, 1]


def test_rebin_and_pool():
    x = np.arange(12.0).reshape(1, 12)
    assert rebin_sum(x, 5).tolist() == [[10.0, 35.0]]
    assert pool_mean(x, 4).tolist() == [[1.5, 5.5, 9.5]]


# ------------------------------------------------------------------ wav2spec
@pytest.mark.parametrize("make", [
    lambda: CausalMelSpectrogram(16000, 16, 5.0, 25.0, f_min=0.0, f_max=8000.0),
    lambda: CausalMelSpectrogram(16000, n_mels=16, win_ms=2.0, f_max=8000.0, compression="cubic"),
    lambda: CausalGammatone(16000, 18, f_min=200.0, f_max=7500.0),
    lambda: Gammatonegram(16000, n_filters=20, f_min=200, f_max=7000, window_ms=12.0),
])
def test_wav2spec_is_strictly_causal(make):
    m = make()
    x = torch.randn(2, 1, 8000 + 37)
    with torch.no_grad():
        y = m(x)
        assert y.shape == (2, 1, m.out_channels, 8037 // m.hop) and m.hop == 80 and m.audio_fs == 16000
        for t in (0, 9, 60):
            x2 = x.clone()
            x2[..., (t + 1) * m.hop:] = torch.randn_like(x2[..., (t + 1) * m.hop:]) * 10
            y2 = m(x2)
            assert torch.allclose(y[..., : t + 1], y2[..., : t + 1], atol=1e-5), f"frame <= {t} changed"
            assert not torch.allclose(y[..., t + 1:], y2[..., t + 1:])


def test_causal_mel_equals_the_centred_recipe_shifted():
    rate, dt, window = 16000, 5.0, 20.0  # half a window is a whole number of hops
    x = noise(16000, 6)
    m = CausalMelSpectrogram(rate, n_mels=16, hop_ms=dt, win_ms=window, f_min=0.0, f_max=8000.0,
                             magnitude="power", compression="none")
    with torch.no_grad():
        causal = m(torch.from_numpy(x).float()[None, None])[0, 0].numpy()
    centred = mel_spectrogram(x, rate, dt, n_mels=16, window_ms=window, compression="none")
    shift = int(round(window / dt / 2))  # the causal frame t ends where centred frame t + 1 - shift ends
    np.testing.assert_allclose(causal[:, 10:150], centred[:, 10 + 1 - shift: 150 + 1 - shift], rtol=2e-3, atol=1e-4)


def test_gammatonegram_tracks_the_iir_reference():
    rate = 16000
    x = noise(16000, 7)
    m = Gammatonegram(rate, n_filters=20, hop_ms=5.0, f_min=200, f_max=7000, window_ms=10.0)
    with torch.no_grad():
        ours = m(torch.from_numpy(x).float()[None, None])[0, 0].numpy()
    from deepSTRF.dsp import gammatone_filterbank

    e = gammatone_filterbank(x, rate, erb_space(200, 7000, 20)) ** 2
    ends = (np.arange(ours.shape[1]) + 1) * 80
    ref = np.log1p(np.sqrt(np.stack([e[:, max(0, t - 160): t].sum(1) / 160 for t in ends], axis=1)))
    np.testing.assert_allclose(ours[:, 2:], ref[:, 2:], rtol=1e-3, atol=1e-4)


def test_make_wav2spec_and_errors():
    assert isinstance(make_wav2spec("mel", 16000, 5.0, f_max=8000.0), CausalMelSpectrogram)
    assert make_wav2spec("gammatonegram", 48000, 5.0).out_channels == 50
    assert make_wav2spec("mel", 48000, 10.0).hop == 480
    with pytest.raises(ValueError, match="kind must be one of 'mel', 'gammatone', 'gammatonegram', 'sincnet', "
                                         "'leaf'; got 'stft'"):
        make_wav2spec("stft", 16000, 5.0)
    with pytest.raises(ValueError, match="not a whole number"):
        make_wav2spec("mel", 44100, 0.5)
    with pytest.raises(ValueError, match=r"input must be a \(B, 1, T_audio\) waveform"):
        CausalMelSpectrogram(16000, f_max=8000.0)(torch.zeros(1, 100))


def test_bin_windows_matches_per_window_binning_and_exact_edges():
    from deepSTRF.dsp import bin_windows

    spikes = np.array([0.5, 1.0149999, 1.015, 1.015, 1.02, 2.0, 2.004, 2.0200001, 9.0])  # seconds, sorted
    onsets = np.array([1.0, 2.0, 1.01, 5.0])  # the third window overlaps the first
    n_bins = np.array([4, 4, 2, 3])
    counts, starts = bin_windows(spikes, onsets, n_bins, dt_ms=5.0)
    assert starts.tolist() == [0, 4, 8, 10, 13] and counts.dtype == np.float32
    assert counts[0:4].tolist() == [0, 0, 1, 2]  # 1.0149999 in bin 2; 1.015 (twice) on the edge -> bin 3; 1.02 ends it
    assert counts[4:8].tolist() == [2, 0, 0, 0]  # 2.0 and 2.004; 2.0200001 is past the window
    assert counts[8:10].tolist() == [1, 2]  # the same spikes, counted again in the overlapping window
    assert counts[10:13].tolist() == [0, 0, 0]
    rng = np.random.default_rng(3)
    train = np.sort(rng.uniform(0, 100, 5000))
    on = rng.uniform(0, 99, 40)
    nb = rng.integers(1, 200, 40)
    c, st = bin_windows(train, on, nb, dt_ms=5.0)
    for w in range(40):  # the per-trial reference: spikes relative to each onset
        ref = bin_spikes([train - on[w]], dt_ms=5.0, n_bins=int(nb[w]), unit="s")[0]
        np.testing.assert_array_equal(c[st[w]:st[w + 1]], ref)
    with pytest.raises(ValueError, match="sorted"):
        bin_windows(train[::-1], on, nb, dt_ms=5.0)


def test_bin_window_rows_pads_each_window_and_cuts_to_width():
    from deepSTRF.dsp import bin_window_rows

    spikes = np.array([1.0149999, 1.015, 1.015, 2.0, 2.004, 2.0200001])
    m = bin_window_rows(spikes, [1.0, 2.0], [4, 2], dt_ms=5.0)
    assert m.shape == (2, 4) and m.dtype == np.float32
    assert m.tolist() == [[0, 0, 1, 2], [2, 0, 0, 0]]  # the second window has 2 bins, then zeros
    cut = bin_window_rows(spikes, [1.0, 2.0], [4, 2], dt_ms=5.0, width=3)
    assert cut.tolist() == [[0, 0, 1], [2, 0, 0]]  # 1.015 x2 sat in bin 3, cut away
    assert bin_window_rows(spikes, [], [], dt_ms=5.0).shape == (0, 0)
