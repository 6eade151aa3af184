"""A methods-section summary of every dataset, for its page in the docs.

Each entry is written from the dataset's papers and release notes (as the
loader's docstring also states them); ``papers`` are the references to cite.
"""

FACTS = {
    "Simulated": dict(
        species="none (simulated linear-nonlinear-Poisson neurons)",
        area="-",
        units="24 neurons at two sites (``seed``-deterministic), each with a known STRF ``true_strfs[n]``",
        stimuli="68 synthetic natural-like spectrograms, F = 32 bands, ragged durations",
        repeats="estimation stimuli 2, validation stimuli 20 (neuron 1 has 15; one invalid NaN repeat)",
        bin="10 ms",
        split="``stim_meta['subset']``: 60 ``'est'``, 8 ``'val'``",
        papers=["Built into deepSTRF: no paper; use it to check a model recovers known filters."],
    ),
    "NS1": dict(
        species="ferret (anaesthetised)",
        area="primary auditory cortex (A1)",
        units="119 single and multi units (73 single units at a known depth)",
        stimuli="20 natural sound clips of 4.995 s; 34-band cochleagram of Rahman et al.",
        repeats="20 per clip; every unit heard every clip (no sentinels)",
        bin="5 ms",
        split="``stim_meta['split']``: clips 0-13 ``'train'``, 14-16 ``'validation'``, 17-19 ``'test'``; "
              "Rahman et al. (2020) held out ``RAHMAN2020_TEST``",
        papers=[
            "Harper NS, Schoppe O, Willmore BDB, Cui Z, Schnupp JWH, King AJ (2016). Network receptive field "
            "modeling reveals extensive integration and multi-feature selectivity in auditory cortical neurons. "
            "*PLoS Comput Biol* 12(11): e1005113. https://doi.org/10.1371/journal.pcbi.1005113",
            "Rahman M, Willmore BDB, King AJ, Harper NS (2020). Simple transformations capture auditory input "
            "to cortex. *PNAS* 117(45): 28442-28451. https://doi.org/10.1073/pnas.1922033117",
        ],
    ),
    "NAT4": dict(
        species="ferret (awake, passive listening)",
        area="A1 (849 cells) or PEG (398 cells); one area per instance",
        units="single units recorded site by site",
        stimuli="593 natural sounds of 1 s in 1.5-s trials; 18-band gammatone spectrogram, T = 150",
        repeats="575 estimation sounds once (population recording), 18 validation sounds 20 times",
        bin="10 ms",
        split="``stim_meta['subset']``: ``'est'`` / ``'val'``",
        papers=[
            "Pennington JR, David SV (2023). A convolutional neural network provides a generalizable model of "
            "natural sound coding by neural populations in auditory cortex. *PLoS Comput Biol* 19(5): e1011110. "
            "https://doi.org/10.1371/journal.pcbi.1011110",
        ],
    ),
    "Wingert2026": dict(
        species="ferret (awake, passive listening)",
        area="A1, PEG, AC and HC (2128 / 746 / 217 / 37 labelled units)",
        units="3128 Kilosort-sorted single units in 67 sessions (68 sites), plus 131 unlabelled",
        stimuli="20-22 s cross-faded natural-sound sequences; 32-band gammatone-gram, 200 Hz - 20 kHz",
        repeats="~100 estimation sequences once, 1-6 test sequences 5-30 times per session",
        bin="10 ms",
        split="``stim_meta['subset']``: ``'est'`` (``STIM_seq*``) / ``'val'`` (``STIM_00*``), per session",
        papers=["Wingert et al. (2026). *Nat Neurosci*. https://doi.org/10.1038/s41593-026-02216-0"],
    ),
    "Espejo": dict(
        species="ferret (awake, passive listening)",
        area="A1",
        units="~540 single units in 35 sites (``'nat'``); ~200 in 103 sites (``'vmn'``)",
        stimuli="93 natural sounds (18-band gammatone, 4 s in 5-s trials) or 30 vocalisation-modulated noises "
                "(2 envelope channels)",
        repeats="each site heard a subset; test stimuli repeated as often as the site's most repeated one",
        bin="10 ms",
        split="``stim_meta['split']``: ``'estimation'`` / ``'test'``",
        papers=[
            "Lopez Espejo M, Schwartz ZP, David SV (2019). Spectral tuning of adaptation supports coding of "
            "sensory context in auditory cortex. *PLoS Comput Biol* 15(10): e1007430. "
            "https://doi.org/10.1371/journal.pcbi.1007430",
        ],
    ),
    "Downer2025": dict(
        species="squirrel monkey (awake, passive listening)",
        area="core (A1, R) and non-primary (CL, ML, AL, CPB, RPB) auditory cortex",
        units="1718 multi units (one per channel) in 41 sessions of 3 animals",
        stimuli="499 TIMIT sentences (``stimuli='timit'``) or 303 monkey vocalisations (``'mvocs'``); "
                "Kaldi-style log-mel spectrogram",
        repeats="TIMIT: 489 sentences once, 10 test sentences 11 times; mVocs: 11 test calls 15 times",
        bin="5 ms",
        split="``stim_meta['split']``: ``'estimation'`` / ``'test'`` (the repeated stimuli, as Ahmed et al. 2025)",
        papers=[
            "Ahmed B, Downer JD, Malone BJ, Makin JG (2025). Deep neural networks explain spiking activity in "
            "auditory cortex. *PLoS Comput Biol* 21(8): e1013334. https://doi.org/10.1371/journal.pcbi.1013334",
            "Downer JD, Bigelow J, Runfeldt M, Malone BJ (2021). Temporally precise population coding of dynamic "
            "sounds by auditory cortex. *J Neurophysiol*. https://doi.org/10.1152/jn.00709.2020",
            "The release: Zenodo record 16175377, https://doi.org/10.5281/zenodo.16175377",
        ],
    ),
    "AA1": dict(
        species="zebra finch, adult male (anaesthetised)",
        area="Field L (50 units) and MLd (50 units)",
        units="100 spike-sorted single units",
        stimuli="10 conspecific songs and 20 flat ripples (32-kHz wavs up to ~5 s); mel spectrogram computed here",
        repeats="~10 trials per stimulus",
        bin="1 ms by default (``dt_ms``)",
        split="no published split: hold out songs (e.g. with :func:`deepSTRF.models.split_stims`)",
        papers=[
            "Woolley SMN, Fremouw TE, Hsu A, Theunissen FE (2005). Tuning for spectro-temporal modulations as a "
            "mechanism for auditory discrimination of natural sounds. *Nat Neurosci* 8: 1371-1379.",
            "Hsu A, Borst A, Theunissen FE (2004). Quantifying variability in neural responses and its "
            "application for the validation of model predictions. *Network* 15: 91-109.",
            "The release: CRCNS AA-1, https://crcns.org/data-sets/aa/aa-1",
        ],
    ),
    "AA2": dict(
        species="zebra finch, adult male",
        area="MLd (143), OV (59), Field L (189), CM (37), unidentified (66)",
        units="494 spike-sorted single units of 57 birds",
        stimuli="72 conspecific songs, 20 flat ripples, 25 song ripples (32-kHz wavs); mel spectrogram",
        repeats="10-20 trials per stimulus",
        bin="1 ms by default (``dt_ms``)",
        split="no published split: hold out songs",
        papers=[
            "Gill P, Zhang J, Woolley SMN, Fremouw T, Theunissen FE (2006). Sound representation methods for "
            "spectro-temporal receptive field estimation. *J Comput Neurosci* 21: 5-20.",
            "Amin N, Gill P, Theunissen FE (2010). Role of the zebra finch auditory thalamus in generating "
            "complex representations for natural sounds. *J Neurophysiol* 104: 784-798.",
            "The release: CRCNS AA-2, https://crcns.org/data-sets/aa/aa-2",
        ],
    ),
    "AA4": dict(
        species="zebra finch, 4 males and 2 females (anaesthetised)",
        area="Field L, CLM, CMM and NCM (array depths only; no per-unit area)",
        units="1401 single and multi units",
        stimuli="~170 sounds: songs, ~10 call types, modulation-limited noise (24 414-Hz wavs); mel spectrogram",
        repeats="~10 trials per sound",
        bin="1 ms by default (``dt_ms``)",
        split="no published split: hold out sounds",
        papers=[
            "Elie JE, Theunissen FE (2015). Meaning in the avian auditory cortex: neural representation of "
            "communication calls. *Eur J Neurosci* 41(5): 546-567.",
            "Elie JE, Theunissen FE (2019). Invariant neural responses for sensory categories revealed by the "
            "time-varying information for communication calls. *PLoS Comput Biol* 15(9): e1006698.",
            "The release: CRCNS AA-4, https://crcns.org/data-sets/aa/aa-4",
        ],
    ),
    "AC1": dict(
        species="rat (anaesthetised)",
        area="A1 (whole-cell Vm, Wehr and Asari) and MGB (cell-attached spikes, Asari)",
        units="cells of two experimenters; ``nrn_meta['signal_type']`` is ``'subthresh'`` (mV) or ``'spikes'``",
        stimuli="natural-sound fragments (Wehr, 7.5-15 s) and spliced natural-sound sequences (Asari); "
                "log-spaced single-frequency DFT spectrogram (F = 53)",
        repeats="several per stimulus, each detrended and gated (``ds.rejections`` counts the reasons)",
        bin="5 ms by default (``dt_ms``)",
        split="no split in the release; ``WEHR_VALID_NEURONS`` and ``WEHR_NEURONS_SPLIT_NATURAL`` give the cells "
              "and per-cell (train, validation, test) counts of Rançon et al.",
        papers=[
            "Machens CK, Wehr MS, Zador AM (2004). Linearity of cortical receptive fields measured with natural "
            "sounds. *J Neurosci* 24(5): 1089-1100.",
            "Asari H, Zador AM (2009). Long-lasting context dependence constrains neural encoding models in "
            "rodent auditory cortex. *J Neurophysiol* 102: 2638-2656.",
            "The release: CRCNS AC-1, https://crcns.org/data-sets/ac/ac-1",
        ],
    ),
    "Le2025": dict(
        species="zebra finch, adult (anaesthetised)",
        area="auditory pallium (NCM/L3, L2a/b, CM/L1)",
        units="single units, per sub-experiment (``experiment='nat8a' | 'nat8b' | 'synth8b'``)",
        stimuli="8 song motifs in variants around a critical interval (continuous, gap, noise, gap + burst, "
                "...); 50-band ERB-spaced gammatone-gram",
        repeats="4-10 per stimulus and unit",
        bin="5 ms",
        split="no published estimation/test split: the paper compares variants",
        papers=[
            "Le, Bjoring & Meliza (2025). *Nat Commun*. https://doi.org/10.1038/s41467-025-63182-y",
        ],
    ),
    "AliceEEG": dict(
        species="human (33 adults)",
        area="scalp EEG, 61 channels",
        units="(subject, channel) pairs, or channels with subjects as repeats",
        stimuli="12 segments of the first chapter of *Alice in Wonderland* (~12.4 min); ERB-band spectrogram",
        repeats="each subject heard each segment once (R = 1)",
        bin="10 ms",
        split="no published split: hold out segments",
        papers=[
            "Bhattasali S, Brennan J, Luh WM, Franzluebbers B, Hale J (2020). The Alice Datasets: fMRI & EEG "
            "observations of natural language comprehension. *Proc. LREC 2020*.",
            "Brennan JR, Hale JT (2019). Hierarchical structure guides rapid linguistic predictions during "
            "naturalistic listening. *PLoS ONE* 14(1): e0207741.",
            "Brodbeck C et al. (2023). Eelbrain, a Python toolkit for time-continuous analysis with temporal "
            "response functions. *eLife* 12: e85012. (The restructured release: https://doi.org/10.13016/pulf-lndn)",
        ],
    ),
}
