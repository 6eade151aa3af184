"""HTTP requests whose every redirect is checked before it is followed.

``requests`` follows redirects on its own and, for a 307/308, re-sends a
POST body (the CRCNS login form, password included) to wherever the
``Location`` points. Here redirects are followed by hand, one hop at a
time, and each hop is checked:

- https is never downgraded to plain http (for any download);
- every URL must be https, or http to a loopback address (test servers);
- a form with credentials goes only to ``credential_host``, only over
  https: a 301/302/303 drops it (the next request is a plain GET, as
  browsers do), and a 307/308 that would re-send it anywhere else is
  refused;
- cookies go back only to the host that set them.

A refusal raises :class:`~deepSTRF.download.errors.InsecureRedirectError`
naming the whole chain of URLs.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urljoin, urlsplit

from .errors import DownloadError, InsecureRedirectError, SourceError, chain_text

TIMEOUT_S = 60
MAX_REDIRECTS = 10
_REDIRECTS = (301, 302, 303, 307, 308)


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """Refuse anything but https, except http to a loopback address (tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname)):
        return url
    raise SourceError(f"refusing to download from {url!r}: only https is allowed")


def open_url(url: str, *, method: str = "GET", form: dict | None = None, headers: dict | None = None,
             credential_host: str | None = None, stream: bool = True, timeout: float = TIMEOUT_S):
    """Send the request and follow its redirects safely; return ``(response, chain)``.

    Parameters
    ----------
    url : str
        https (or http to a loopback address).
    method : {'GET', 'POST'}
    form : dict, optional
        Form fields of a POST (they may hold credentials).
    headers : dict, optional
        Extra request headers (``Range``, ``If-Range``); never credentials.
    credential_host : str, optional
        ``host[:port]`` that may receive ``form``; when given, ``form`` is
        sent nowhere else and never over plain http.

    Returns
    -------
    response : requests.Response
        The first answer that is not a redirect (the caller closes it).
    chain : list of str
        Every URL requested, the first one first.
    """
    import requests

    chain = [url]
    try:
        check_url(url)
    except SourceError as err:
        raise InsecureRedirectError(str(err)) from None
    jar: dict[str, dict] = {}  # host -> cookies it set
    while True:
        parts = urlsplit(url)
        if form is not None and credential_host is not None:
            if parts.scheme != "https":
                raise InsecureRedirectError(f"refusing to send the login form over plain http to {url} "
                                            f"(URLs: {chain_text(chain)})")
            if parts.netloc != credential_host:
                raise InsecureRedirectError(f"refusing to send the login form to {parts.netloc}: credentials go "
                                            f"only to {credential_host} (URLs: {chain_text(chain)})")
        resp = requests.request(method, url, data=form, headers=headers, cookies=jar.get(parts.netloc),
                                stream=stream, timeout=timeout, allow_redirects=False)
        if resp.status_code not in _REDIRECTS:
            return resp, chain
        location = resp.headers.get("Location")
        if resp.cookies:
            jar.setdefault(parts.netloc, {}).update(resp.cookies.get_dict())
        resp.close()
        if not location:
            raise DownloadError(f"HTTP {resp.status_code} redirect without a Location header from {url}")
        nxt = urljoin(url, location)
        chain.append(nxt)
        if len(chain) > MAX_REDIRECTS + 1:
            raise DownloadError(f"more than {MAX_REDIRECTS} redirects (URLs: {chain_text(chain)})")
        target = urlsplit(nxt)
        if parts.scheme == "https" and target.scheme != "https":
            raise InsecureRedirectError(f"refusing a redirect from https to plain http (URLs: {chain_text(chain)})")
        try:
            check_url(nxt)
        except SourceError as err:
            raise InsecureRedirectError(f"{err} (URLs: {chain_text(chain)})") from None
        if form is not None:
            if resp.status_code in (307, 308):  # the same request again, body included
                if credential_host is not None and (target.netloc != credential_host or target.scheme != "https"):
                    raise InsecureRedirectError(
                        f"refusing to re-send the login form to {target.netloc} after an HTTP {resp.status_code} "
                        f"redirect: credentials go only to {credential_host} (URLs: {chain_text(chain)})")
            else:  # 301/302/303 after a POST: a plain GET, without the form
                method, form = "GET", None
        url = nxt
