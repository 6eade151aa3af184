"""The content hash of cache files: XXH3-128, as ``'xxh3_128:<hex>'``.

Recorded in the manifest while a cache is written (on the bytes in hand)
and checked on demand by ``deepstrf cache verify``; XXH3 runs at ~17 GB/s
here, so hashing costs a fraction of a second even for the largest release.
"""

from __future__ import annotations


def content_hash(*parts) -> str:
    """XXH3-128 of the concatenated byte buffers ``parts``, as ``'xxh3_128:<hex>'``."""
    import xxhash

    h = xxhash.xxh3_128()
    for p in parts:
        h.update(p)
    return f"xxh3_128:{h.hexdigest()}"


def file_content_hash(path: str) -> str:
    """:func:`content_hash` of a file's bytes (read in 16-MiB blocks)."""
    import xxhash

    h = xxhash.xxh3_128()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 24), b""):
            h.update(block)
    return f"xxh3_128:{h.hexdigest()}"
