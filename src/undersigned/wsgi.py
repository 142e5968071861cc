"""The WSGI application `undersigned serve` runs: Django, behind the page cache that serves
public pages rendered in the last second without running Django at all. Whatever reaches
Django has what it left unread of a request body read away, so that a refused request
leaves its connection sound (lib/request_body.py)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from undersigned.lib.page_cache import PageCache
from undersigned.lib.request_body import SoundBodies

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
application = PageCache(
    SoundBodies(get_wsgi_application(), drain_bytes=settings.REQUEST_BODY_DRAIN_BYTES)
)
