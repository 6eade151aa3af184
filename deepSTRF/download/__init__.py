"""Downloads you can trust: a registry of every remote file (size, checksum),
fetching with verification and resume, redirects checked hop by hop, safe
extraction, one lock per dataset folder. The rules are in
:mod:`deepSTRF.download.datasets`."""

from .datasets import dataset_folder, download_dataset, status, unpack_dataset, verify_dataset
from .errors import (
                     DownloadError,
                     HTTPStatusError,
                     InsecureRedirectError,
                     LoginError,
                     NotEnoughSpaceError,
                     StateFileError,
                     UnexpectedContentError,
)
from .extract import ArchiveError, UnsafeArchiveError, extract_archive, safe_extract
from .fetch import fetch_file
from .registry import RegistryError, dataset_info, load_registry

__all__ = [
    "download_dataset", "unpack_dataset", "verify_dataset", "status", "dataset_folder", "safe_extract",
    "extract_archive", "fetch_file",
    "dataset_info", "load_registry", "DownloadError", "LoginError", "HTTPStatusError", "InsecureRedirectError",
    "UnexpectedContentError", "NotEnoughSpaceError", "StateFileError", "ArchiveError", "UnsafeArchiveError",
    "RegistryError",
]
