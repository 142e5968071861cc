"""Static assets go out under content-hashed names (`site.3f2a….css`), compressed with gzip
and Brotli, and cached for a year: collectstatic builds them into STATIC_ROOT, through
WhiteNoise's CompressedManifestStaticFilesStorage (settings.STORAGES).

Nobody has to remember that step: whatever starts a server (`undersigned serve` and
`demo`, a WSGI server's worker importing wsgi.py, the test session) calls
assets_collected() first, which collects only when STATIC_ROOT was built from other sources
than those installed now, and otherwise costs a stat of each source file.
"""

import fcntl
import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig
from django.core.management import call_command
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage

# Beside the collected files: the fingerprint of the sources they were collected from.
SOURCES_STAMP = ".sources"
# What collectstatic leaves out by default, so that the fingerprint leaves it out too.
IGNORED = ["CVS", ".*", "*~"]


class AssetStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage, compressing only the hashed copies, which pages link. The
    originals stay for the few addresses built without {% static %} (the admin's icons),
    uncompressed: half the work, most of it Brotli's, on a server's first start."""

    def compress_files(self, paths: Iterable[str]) -> Iterator[tuple[str, str]]:
        hashed = set(self.hashed_files.values())
        return super().compress_files([path for path in paths if path in hashed])


class StaticAssets(WhiteNoiseMiddleware):
    """WhiteNoise, keeping a hashed asset a year rather than its ten: the longest HTTP/1.1
    advised (RFC 2616, 14.21), and as good as forever, since new content gets a new name."""

    FOREVER = 365 * 24 * 60 * 60


def assets_collected() -> bool:
    """Collect the static assets unless STATIC_ROOT holds those of the sources as they are
    now; whether it collected. Processes starting together wait for the one collecting."""
    root = Path(settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    stamp = root / SOURCES_STAMP
    with (root / ".collecting").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        fingerprint = sources_fingerprint()
        if stamp.exists() and stamp.read_text() == fingerprint:
            return False
        # Without --clear: the files of the last version stay, for pages still linking them.
        call_command("collectstatic", interactive=False, verbosity=0)
        stamp.write_text(fingerprint)
        return True


def sources_fingerprint() -> str:
    """What the collected files depend on: each source's name, size and time of change (a
    package upgrade may bring older times, so any difference counts, not only a newer
    one), and how they are stored."""
    digest = hashlib.blake2b(repr(settings.STORAGES["staticfiles"]).encode(), digest_size=16)
    for name, path in sorted(_sources().items()):
        stat = os.stat(path)
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _sources() -> dict[str, str]:
    """Each asset's name under STATIC_URL and the file it comes from, the first finder's
    where two have one of that name, as collectstatic takes it."""
    found: dict[str, str] = {}
    for finder in finders.get_finders():
        for name, storage in finder.list(IGNORED):
            prefix = getattr(storage, "prefix", None) or ""
            found.setdefault(os.path.join(prefix, name), storage.path(name))
    return found


class StaticFilesConfig(BaseStaticFilesConfig):
    """collectstatic's own app, leaving out what a library ships that no page of ours
    loads: the ReDoc bundle and its source map, beside the Swagger UI the API's docs use,
    would be a third of the assets, compressed at every collection."""

    ignore_patterns = [*BaseStaticFilesConfig.ignore_patterns, "redoc.standalone.js*"]
