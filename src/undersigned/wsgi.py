"""The WSGI application `undersigned serve` runs: Django, behind the page cache that serves
public pages rendered in the last second without running Django at all."""

import os

from django.core.wsgi import get_wsgi_application

from undersigned.lib.page_cache import PageCache

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
application = PageCache(get_wsgi_application())
