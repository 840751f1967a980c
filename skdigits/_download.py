"""Downloading a file from the first of several mirrors that delivers a verified copy."""

import hashlib
import http.client
import io
import logging
import os
import ssl
import time
import urllib.error
import urllib.request

from skdigits._atomic import atomic_write

logger = logging.getLogger("skdigits.datasets")

_CHUNK_SIZE = 1 << 16

# Errors that mean "this mirror did not deliver", as opposed to local problems
# (disk full, read-only data home) that the next mirror could not fix either.
# URLError covers HTTP errors, DNS failures and refused connections; the others
# can surface while the body is being streamed.
_NETWORK_ERRORS = (
    urllib.error.URLError,
    http.client.HTTPException,
    ConnectionError,
    TimeoutError,
    ssl.SSLError,
    ValueError,  # a malformed mirror URL ("unknown url type")
)


class _Abandoned(Exception):
    """A mirror did not deliver a verified copy (aborts the atomic write)."""


def _fetch(url, out, digest, timeout, deadline, max_bytes):
    """Stream ``url`` into the file ``out``; returns its bytes, or raises _Abandoned."""
    buffer = io.BytesIO()
    remaining = deadline - time.monotonic()
    request = urllib.request.Request(url, headers={"User-Agent": "skdigits"})
    try:
        with urllib.request.urlopen(
            request, timeout=min(timeout, max(remaining, 0.001))
        ) as response:
            # read1 returns what has arrived (read(n) would wait for n bytes), so the
            # deadline is checked at least every `timeout` seconds.
            for chunk in iter(lambda: response.read1(_CHUNK_SIZE), b""):
                digest.update(chunk)
                out.write(chunk)
                buffer.write(chunk)
                if buffer.tell() > max_bytes:
                    raise _Abandoned(f"more than {max_bytes} bytes, not the expected file")
                if time.monotonic() > deadline:
                    raise _Abandoned(
                        f"download deadline passed after {buffer.tell()} bytes "
                        "(see download_deadline)"
                    )
    except _NETWORK_ERRORS as exc:
        raise _Abandoned(f"{type(exc).__name__}: {exc}") from exc
    return buffer.getvalue()


def download(filename, folder, expected_md5, mirrors, attempts, *, timeout, deadline,
             max_bytes):
    """Download `filename` from the first mirror that delivers a verified copy.

    The body is streamed into a temporary file in `folder` (see
    :class:`skdigits._atomic.atomic_write`), checked against `expected_md5`, then
    moved into place; failed, corrupt or interrupted downloads are deleted. A
    mirror silent for `timeout` seconds, or still sending after `deadline` seconds,
    or sending more than `max_bytes`, is abandoned for the next one. Each failure
    is appended to `attempts` as ``(url, message)``.

    Returns the file's bytes on success, None if every mirror failed.
    """
    target = os.path.join(folder, filename)
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + filename
        logger.info("Downloading %s", url)
        digest = hashlib.md5(usedforsecurity=False)
        try:
            with atomic_write(target) as tmp, open(tmp, "wb") as out:
                data = _fetch(url, out, digest, timeout, time.monotonic() + deadline, max_bytes)
                actual = digest.hexdigest()
                if actual != expected_md5:
                    raise _Abandoned(
                        f"corrupt download: MD5 {actual} after {len(data)} bytes, "
                        f"expected {expected_md5}"
                    )
        except _Abandoned as exc:
            attempts.append((url, str(exc)))
            logger.info("Download of %s failed: %s", url, exc)
            continue
        return data
    return None
