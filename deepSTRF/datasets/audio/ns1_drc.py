"""The name the reference also lists for the NS1 module (``deepSTRF.datasets.audio.ns1``)."""

from .ns1 import RAHMAN2020_TEST, SPLIT, NS1Dataset, download_ns1, rahman2020_split  # noqa: F401
