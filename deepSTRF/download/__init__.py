"""Downloads you can trust: a registry of every remote file, fetching with
checksum verification (built on pooch), safe extraction, one lock per
dataset folder."""

from .datasets import dataset_folder, download_dataset, status, verify_dataset
from .extract import UnsafeArchiveError, safe_extract
from .fetch import DownloadError, LoginError, fetch_file
from .registry import RegistryError, dataset_info, load_registry

__all__ = [
    "download_dataset", "verify_dataset", "status", "dataset_folder", "safe_extract", "fetch_file",
    "dataset_info", "load_registry", "DownloadError", "LoginError", "UnsafeArchiveError", "RegistryError",
]
