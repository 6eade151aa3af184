"""What can go wrong at the download boundary, one class per kind of failure.

Every message names the file (and the URL, or the chain of URLs a redirect
took) and what was wrong; none ever holds a credential.
"""

from __future__ import annotations


class DownloadError(RuntimeError):
    """A file could not be fetched or did not match what was expected."""


class SourceError(DownloadError):
    """A host did not describe a file as the registry expects, or a URL is not allowed."""


class LoginError(DownloadError):
    """CRCNS refused the credentials (or none were given)."""


class HTTPStatusError(DownloadError):
    """The server answered with an HTTP error status (``status``; ``url`` is the URL that answered).

    Parameters
    ----------
    message : str
        What failed, naming the file and the URL.
    status : int
        The HTTP status.
    url : str
        The URL that answered.
    """

    def __init__(self, message: str, status: int, url: str):
        super().__init__(message)
        self.status = status
        self.url = url


class InsecureRedirectError(DownloadError):
    """A redirect would downgrade https to http, or carry credentials to a host not named for them."""


class UnexpectedContentError(DownloadError):
    """The server sent something other than the expected file (an HTML error page where a zip belongs)."""


class NotEnoughSpaceError(DownloadError):
    """The disk has less free space than a download or an extraction needs."""


class StateFileError(DownloadError):
    """A state file under ``<dataset>/.deepstrf/`` is damaged (names it and the remedy); ``reason`` says how.

    Parameters
    ----------
    message : str
        Naming the file and the remedy.
    reason : str, default ''
        How it is damaged.
    """

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason


def chain_text(chain: list[str]) -> str:
    """``'a -> b -> c'``: the URLs a request went through."""
    return " -> ".join(chain)
