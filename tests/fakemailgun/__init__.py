"""A stateful fake of Mailgun's regional REST API for the tests (one instance per region).

    with FakeMailgun(region="eu", api_key="key-test", domains=["mg.example.eu"]) as fake:
        fake.add_bounce("mg.example.eu", "gone@example.org")
        ...  # point the code under test at fake.url instead of https://api.eu.mailgun.net
        assert fake.bounces("mg.example.eu") == [...]
        fake.assert_all_requests_valid()

Every request is checked against Mailgun's official OpenAPI description (see ``spec.py`` for how,
and for the few places where the published document had to be corrected).
"""

from .recording import Call
from .server import FakeMailgun
from .spec import SPEC_PATH

__all__ = ["SPEC_PATH", "Call", "FakeMailgun"]
