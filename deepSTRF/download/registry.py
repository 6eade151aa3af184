"""The registry of remote files (``registry.txt``), parsed on first use.

Importing this module reads nothing: :func:`load_registry` reads and
parses the file the first time it is called.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

REGISTRY_FILE = "registry.txt"
POSTS = ("none", "unzip", "untar")
_SOURCE = re.compile(r"^(zenodo|figshare|osf|github|crcns|drum|baphy):\S+$")
_HASH = re.compile(r"^(md5|sha1|sha256):[0-9a-f]+$")


class RegistryError(ValueError):
    """A malformed registry line: names the file, the line number and the text.

    Examples
    --------
    >>> from deepSTRF.download import RegistryError
    >>> issubclass(RegistryError, ValueError)
    True
    """


@dataclass(frozen=True)
class FileEntry:
    """One remote file of a dataset."""

    name: str
    source: str
    size: int | None = None
    hash: str | None = None
    group: str | None = None
    post: str = "none"
    into: str = "."
    strip: int | str = 0
    done: str | None = None

    @property
    def scheme(self) -> str:
        return self.source.split(":", 1)[0]


@dataclass
class DatasetInfo:
    """A dataset's description and its files."""

    name: str
    folder: str = ""
    loader: str = ""
    account: str = ""
    licence: str = ""
    size: str = ""
    citation: str = ""
    waveforms: str = ""
    waveform_dirs: str = ""
    files: list[FileEntry] = field(default_factory=list)

    def select(self, groups=None) -> list[FileEntry]:
        """Files without a group, plus those in ``groups``."""
        groups = set(groups or ())
        return [f for f in self.files if f.group is None or f.group in groups]

    @property
    def groups(self) -> list[str]:
        return sorted({f.group for f in self.files if f.group})

    @property
    def needs_account(self) -> bool:
        return any(f.scheme == "crcns" for f in self.files)


def parse_registry(text: str, origin: str = REGISTRY_FILE) -> dict[str, DatasetInfo]:
    """Parse registry text; raise :class:`RegistryError` naming ``origin:line``."""
    datasets: dict[str, DatasetInfo] = {}
    current: DatasetInfo | None = None

    def fail(lineno: int, line: str, why: str):
        raise RegistryError(f"{origin}, line {lineno}: {why}: {line.strip()!r}")

    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            name = stripped[1:-1].strip()
            if not name or name in datasets:
                fail(lineno, line, "empty or repeated dataset name")
            current = datasets[name] = DatasetInfo(name)
            continue
        if current is None:
            fail(lineno, line, "line outside a [dataset] block")
        if stripped.startswith("file "):
            current.files.append(_parse_file(stripped, lineno, line, fail, current))
            continue
        key, sep, value = stripped.partition("=")
        key = key.strip()
        if not sep or key not in ("folder", "loader", "account", "licence", "size", "citation", "waveforms",
                                  "waveform_dirs"):
            fail(lineno, line, "expected 'key = value' with a known key or a 'file' line")
        setattr(current, key, value.strip())
    for info in datasets.values():
        if not info.folder or not info.files:
            raise RegistryError(f"{origin}: dataset [{info.name}] needs a folder and at least one file")
    return datasets


def _parse_file(stripped: str, lineno: int, line: str, fail, info: DatasetInfo) -> FileEntry:
    parts = stripped.split()
    if len(parts) < 3:
        fail(lineno, line, "a file line needs a name and a source")
    name, source = parts[1], parts[2]
    if "/" in name or name in (".", ".."):
        fail(lineno, line, "a file name must not contain '/'")
    if not _SOURCE.match(source):
        fail(lineno, line, "unknown source (zenodo:, figshare:, osf:, github:, crcns:, drum:)")
    opts: dict = {}
    for opt in parts[3:]:
        key, sep, value = opt.partition("=")
        if not sep:
            fail(lineno, line, f"option {opt!r} is not key=value")
        if key == "size":
            if value != "-" and not value.isdigit():
                fail(lineno, line, "size must be a number of bytes or '-'")
            opts["size"] = None if value == "-" else int(value)
        elif key == "hash":
            if value != "-" and not _HASH.match(value):
                fail(lineno, line, "hash must be md5:/sha1:/sha256: and hex digits, or '-'")
            opts["hash"] = None if value == "-" else value
        elif key == "post":
            if value not in POSTS:
                fail(lineno, line, f"post must be one of {', '.join(POSTS)}")
            opts["post"] = value
        elif key == "strip":
            if value not in ("auto", "named") and not value.isdigit():
                fail(lineno, line, "strip must be a number, 'auto' or 'named'")
            opts["strip"] = int(value) if value.isdigit() else value
        elif key in ("group", "into", "done"):
            if ".." in value.split("/") or value.startswith("/"):
                fail(lineno, line, f"{key} must be a relative path inside the dataset folder")
            opts[key] = value
        else:
            fail(lineno, line, f"unknown option {key!r}")
    if any(f.name == name for f in info.files):
        fail(lineno, line, f"file {name!r} is declared twice")
    return FileEntry(name, source, **opts)


@functools.lru_cache(maxsize=1)
def load_registry() -> dict[str, DatasetInfo]:
    """Every dataset of the packaged registry (read on first call).

    Examples
    --------
    >>> from deepSTRF.download import load_registry
    >>> list(load_registry())[:4]
    ['NS1', 'NAT4', 'Wingert2026', 'Espejo']
    """
    text = resources.files(__package__).joinpath(REGISTRY_FILE).read_text(encoding="utf-8")
    return parse_registry(text, f"deepSTRF/download/{REGISTRY_FILE}")


def name_key(name: str) -> str:
    """The spelling-free form of a dataset name: ``'crcns_aa1'``, ``'AA1'``, ``'CRCNSAA1Dataset'`` -> ``'aa1'``.

    Parameters
    ----------
    name : str
        A dataset name in any spelling.

    Examples
    --------
    >>> from deepSTRF.datasets.zoo import name_key
    >>> name_key("CRCNS_AA1") == name_key("crcns-aa1") == name_key("CRCNSAA1")
    True
    """
    key = str(name).lower()
    for ch in "_- .":
        key = key.replace(ch, "")
    key = key.removesuffix("dataset")
    return key.removeprefix("crcns") if key.startswith("crcns") and len(key) > 5 else key


def dataset_info(name: str) -> DatasetInfo:
    """The registry block of ``name``, in any of the spellings users type (case, underscores, a
    ``crcns_`` prefix, the class name: ``'crcns_aa1'``, ``'AA1'`` and ``'CRCNSAA1Dataset'`` are one).

    Parameters
    ----------
    name : str
        The dataset's name, in any spelling.

    Returns
    -------
    DatasetInfo
        Its folder, loader, access, licence, size, citation and files.

    Examples
    --------
    >>> from deepSTRF.download import dataset_info
    >>> info = dataset_info("ns1")
    >>> info.name, info.needs_account, [f.name for f in info.files]
    ('NS1', False, ['MetadataSHEnCneurons.mat', 'spikesandwav.zip', 'test_data_5ms.mat'])
    """
    reg = load_registry()
    want = name_key(name)
    for key, info in reg.items():
        if name_key(key) == want:
            return info
    raise KeyError(f"no dataset {name!r} in the registry; known: {', '.join(reg)}")
