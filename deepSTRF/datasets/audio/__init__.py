"""Auditory datasets, and the functions that fetch each release."""

from ...dsp.intracellular import RepeatGating
from ...paradigm import AudioNeuralDataset
from .alice_eeg import AliceEEGDataset, download_alice_eeg
from .crcns_aa1 import CRCNSAA1Dataset, download_aa1
from .crcns_aa2 import CRCNSAA2Dataset, download_aa2
from .crcns_aa4 import AA4_ANIMAL_IDS, CRCNSAA4Dataset, download_aa4
from .crcns_ac1 import CRCNSAC1Dataset, download_ac1
from .downer2025 import Downer2025Dataset, download_downer2025
from .espejo import EspejoDataset, download_espejo, download_espejo_nat_waveforms
from .le_2025 import VARIANTS, Le2025Dataset, download_le2025
from .nat4 import NAT4Dataset, download_nat4
from .ns1 import NS1Dataset, download_ns1
from .simulated import SimulatedDataset
from .wehr import WEHR_NEURONS_SPLIT_NATURAL, WEHR_VALID_NEURONS
from .wingert2026 import Wingert2026Dataset, download_wingert2026

__all__ = [
    "AudioNeuralDataset", "SimulatedDataset", "NAT4Dataset", "Wingert2026Dataset", "EspejoDataset",
    "CRCNSAA1Dataset", "CRCNSAA2Dataset", "CRCNSAA4Dataset", "NS1Dataset", "CRCNSAC1Dataset", "Le2025Dataset", "VARIANTS", "AliceEEGDataset", "Downer2025Dataset",
    "RepeatGating", "WEHR_VALID_NEURONS", "WEHR_NEURONS_SPLIT_NATURAL", "AA4_ANIMAL_IDS",
    "download_ns1", "download_nat4", "download_aa1", "download_aa2", "download_aa4", "download_ac1",
    "download_espejo", "download_espejo_nat_waveforms", "download_alice_eeg", "download_downer2025",
    "download_wingert2026", "download_le2025",
]
