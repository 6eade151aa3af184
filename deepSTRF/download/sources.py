"""Turn a registry source (``zenodo:8044773/wav.zip``) into a request.

Hosts are kept in :data:`HOSTS`; ``$DEEPSTRF_HOST_<SCHEME>`` (e.g.
``DEEPSTRF_HOST_ZENODO``) points a scheme at a mirror. Plain ``http`` is
accepted only for loopback addresses (a test server): there is never a
fallback from https to http.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from .errors import HTTPStatusError, SourceError
from .http import check_url, open_url

#: scheme -> base URL
HOSTS = {
    "zenodo": "https://zenodo.org",
    "figshare": "https://api.figshare.com",
    "osf": "https://osf.io",
    "github": "https://raw.githubusercontent.com",
    "crcns": "https://portal.nersc.gov/project/crcns/download",
    "drum": "https://drum.lib.umd.edu",
    "baphy": "https://bitbucket.org/lbhb/baphy/raw/master/Config/lbhb/SoundObjects/%40NaturalSounds",
}

@dataclass
class Request:
    """What to fetch: URL, HTTP method, form fields (CRCNS), published size and hash."""

    url: str
    method: str = "GET"
    form: dict | None = None
    size: int | None = None
    hash: str | None = None
    credential_host: str | None = None  # the one host[:port] the form (credentials) may go to

    def __repr__(self) -> str:  # never show form fields (they hold credentials)
        return f"Request({self.method} {self.url})"


def _json(url: str) -> dict:
    """The JSON document at ``url`` (redirects checked as for every download)."""
    resp, chain = open_url(url, stream=False)
    try:
        if resp.status_code >= 400:
            raise HTTPStatusError(f"the server answered HTTP {resp.status_code} for {chain[-1]}", resp.status_code,
                                  chain[-1])
        try:
            return resp.json()
        except ValueError:
            raise SourceError(f"{chain[-1]} did not answer with JSON (the file record could not be read)") from None
    finally:
        resp.close()


def resolve(source: str, credentials: tuple[str, str] | None = None) -> Request:
    """A :class:`Request` for a registry source; reads the record's metadata
    from Zenodo and figshare (which publish each file's size and MD5)."""
    scheme, _, rest = source.partition(":")
    if scheme not in HOSTS:
        raise SourceError(f"unknown source scheme {scheme!r} in {source!r}")
    base = os.environ.get(f"DEEPSTRF_HOST_{scheme.upper()}", HOSTS[scheme]).rstrip("/")
    if scheme == "zenodo":
        record, _, name = rest.partition("/")
        meta = _json(f"{base}/api/records/{record}")
        for f in meta.get("files", []):
            if f.get("key") == name:
                url = f.get("links", {}).get("self") or f"{base}/api/records/{record}/files/{quote(name)}/content"
                checksum = f.get("checksum")
                return Request(check_url(url), size=f.get("size"), hash=checksum if checksum else None)
        raise SourceError(f"Zenodo record {record} has no file {name!r}")
    if scheme == "figshare":
        article, _, name = rest.partition("/")
        meta = _json(f"{base}/v2/articles/{article}")
        for f in meta.get("files", []):
            if f.get("name") == name:
                md5 = f.get("computed_md5") or f.get("supplied_md5")
                return Request(check_url(f["download_url"]), size=f.get("size"), hash=f"md5:{md5}" if md5 else None)
        raise SourceError(f"figshare article {article} has no file {name!r}")
    if scheme == "osf":
        return Request(check_url(f"{base}/download/{rest}/"))
    if scheme == "github":
        return Request(check_url(f"{base}/{rest}"))
    if scheme == "baphy":
        subdir, _, name = rest.partition("/")
        return Request(check_url(f"{base}/{subdir}/{quote(name)}"))
    if scheme == "drum":
        return Request(check_url(f"{base}/bitstreams/{rest}/download"))
    if scheme == "crcns":
        if credentials is None:
            raise SourceError("CRCNS files need credentials")
        user, password = credentials
        url = check_url(f"{base}/{rest}")
        return Request(url, method="POST", form={"fn": rest, "username": user, "password": password, "submit": "Login"},
                       credential_host=urlsplit(url).netloc)
    raise SourceError(f"unknown source scheme {scheme!r} in {source!r}")
