"""``deepstrf datasets``, ``deepstrf download`` and ``deepstrf verify``."""

from __future__ import annotations

from .download import dataset_folder, download_dataset, load_registry, status, verify_dataset
from .download.registry import dataset_info


def list_datasets(dest_root: str | None = None) -> str:
    """One line per registry dataset: name, size, account or licence, presence, citation."""
    rows = []
    for name, info in load_registry().items():
        folder = None if dest_root is None else f"{dest_root}/{info.folder}"
        rows.append((name, info.size, info.account, status(name, folder), dataset_folder(name, folder), info.citation))
    head = ("dataset", "size", "access", "on disk", "folder", "cite")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(5)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)) + "  " + head[5]]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[5] for r in rows]
    lines.append("'on disk' is 'complete' when every file was recorded by a deepSTRF download and every archive "
                 "extracted; 'deepstrf verify NAME' re-checks checksums.")
    return "\n".join(lines)


def download(name: str, dest: str | None, groups: list[str] | None) -> tuple[str, str]:
    info = dataset_info(name)
    unknown = [g for g in groups or [] if g not in info.groups]
    if unknown:
        raise ValueError(f"{info.name} has no file group {unknown}; groups: {', '.join(info.groups) or 'none'}")
    return info.name, download_dataset(info.name, dest, groups=groups)


def verify(name: str, dest: str | None, groups: list[str] | None) -> tuple[bool, str]:
    info = dataset_info(name)
    report = verify_dataset(info.name, dest, groups)
    lines = [f"{'ok ' if r['ok'] else 'BAD'} {r['file']}: {r['detail']}" for r in report]
    return all(r["ok"] for r in report), "\n".join(lines)
