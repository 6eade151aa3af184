"""What can go wrong at the download boundary, one class per kind of failure.

Every message names the file (and the URL, or the chain of URLs a redirect
took) and what was wrong; none ever holds a credential.
"""

from __future__ import annotations


class DownloadError(RuntimeError):
    """A file could not be fetched or did not match what was expected.

    Examples
    --------
    Every download failure is one (``except DownloadError`` catches them all):

    >>> from deepSTRF.download import DownloadError, HTTPStatusError, LoginError
    >>> issubclass(HTTPStatusError, DownloadError), issubclass(LoginError, DownloadError)
    (True, True)
    """


class SourceError(DownloadError):
    """A host did not describe a file as the registry expects, or a URL is not allowed."""


class LoginError(DownloadError):
    """CRCNS refused the credentials (or none were given).

    Examples
    --------
    >>> from deepSTRF.download import DownloadError, LoginError
    >>> issubclass(LoginError, DownloadError)
    True
    """


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

    Examples
    --------
    >>> from deepSTRF.download import HTTPStatusError
    >>> err = HTTPStatusError("404 Not Found for https://zenodo.org/x", status=404, url="https://zenodo.org/x")
    >>> err.status, err.url
    (404, 'https://zenodo.org/x')
    """

    def __init__(self, message: str, status: int, url: str):
        super().__init__(message)
        self.status = status
        self.url = url


class InsecureRedirectError(DownloadError):
    """A redirect would downgrade https to http, or carry credentials to a host not named for them.

    Examples
    --------
    >>> from deepSTRF.download import DownloadError, InsecureRedirectError
    >>> issubclass(InsecureRedirectError, DownloadError)
    True
    """


class UnexpectedContentError(DownloadError):
    """The server sent something other than the expected file (an HTML error page where a zip belongs).

    Examples
    --------
    >>> from deepSTRF.download import DownloadError, UnexpectedContentError
    >>> issubclass(UnexpectedContentError, DownloadError)
    True
    """


class NotEnoughSpaceError(DownloadError):
    """The disk has less free space than a download or an extraction needs.

    Examples
    --------
    >>> from deepSTRF.download import DownloadError, NotEnoughSpaceError
    >>> issubclass(NotEnoughSpaceError, DownloadError)
    True
    """


class StateFileError(DownloadError):
    """A state file under ``<dataset>/.deepstrf/`` is damaged (names it and the remedy); ``reason`` says how.

    Parameters
    ----------
    message : str
        Naming the file and the remedy.
    reason : str, default ''
        How it is damaged.

    Examples
    --------
    >>> import os, tempfile
    >>> from deepSTRF.download import StateFileError, status, verify_dataset
    >>> root = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(root, ".deepstrf"))
    >>> _ = open(os.path.join(root, ".deepstrf", "files.json"), "w").write("{not json")
    >>> status("NS1", root)                      # 'deepstrf verify NS1' rebuilds it
    'damaged'
    """

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason


def chain_text(chain: list[str]) -> str:
    """``'a -> b -> c'``: the URLs a request went through."""
    return " -> ".join(chain)
