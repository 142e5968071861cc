from tests.mail.conftest import relay  # noqa: F401  (the fixture, for these tests too)
