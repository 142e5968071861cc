"""The WSGI application `undersigned serve` runs: Django, behind the page cache that serves
public pages rendered in the last second without running Django at all. Whatever reaches
Django has what it left unread of a request body read away, so that a refused request
leaves its connection sound (lib/request_body.py).

Any WSGI server's worker that imports this finds the static assets collected
(lib/static_assets.py), as `undersigned serve` does, so gunicorn needs no step of its own."""

import os

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

from undersigned.lib.page_cache import PageCache
from undersigned.lib.request_body import SoundBodies
from undersigned.lib.static_assets import assets_collected

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
# get_wsgi_application() in two steps: the assets are collected before the handler's
# WhiteNoise lists what STATIC_ROOT holds.
django.setup(set_prefix=False)
assets_collected()
application = PageCache(SoundBodies(WSGIHandler(), drain_bytes=settings.REQUEST_BODY_DRAIN_BYTES))
