"""The Redis transport closes cleanly after the broker connection was lost (app/core/redis_transport.py).

The sequence is the one the worker's consumer runs when Redis goes away under load: the connection drops
its client, then the channel is closed and restores the message it had delivered but not acknowledged.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from kombu import Connection, Queue

from app.core.redis_transport import TRANSPORT, Channel
from tests.conftest import REDIS_TEST_URL

pytestmark = pytest.mark.redis


@pytest.fixture
def prefix() -> Iterator[str]:
    prefix = f"mh-transport-{uuid.uuid4().hex[:8]}:"
    yield prefix
    server = redis.Redis.from_url(REDIS_TEST_URL)
    for key in server.scan_iter(f"{prefix}*"):
        server.delete(key)


def connect(url: str, prefix: str) -> Connection:
    options = {"global_keyprefix": prefix, "socket_connect_timeout": 1}
    return Connection(url, transport=TRANSPORT, transport_options=options)


def delivered_unacknowledged(connection: Connection, queue: Queue) -> Channel:
    channel = connection.default_channel
    assert isinstance(channel, Channel)
    with connection.Producer(channel) as producer:
        producer.publish({"n": 1}, routing_key=queue.name, declare=[queue])
    message = queue(channel).get(no_ack=False)
    assert message is not None and message.payload == {"n": 1}
    assert len(channel.qos._delivered) == 1
    return channel


def test_a_channel_closed_after_its_connection_restores_its_unacknowledged_message(prefix: str) -> None:
    queue = Queue(f"q-{uuid.uuid4().hex[:6]}")
    connection = connect(REDIS_TEST_URL, prefix)
    channel = delivered_unacknowledged(connection, queue)
    channel._disconnect_pools()  # as the transport does when the server went away
    connection._do_close_transport()  # the transport no longer knows its client
    assert channel.connection.client is None

    channel.close()  # kombu's own channel fails here with AttributeError

    with connect(REDIS_TEST_URL, prefix) as again:
        message = queue(again.default_channel).get(no_ack=True)
        assert message is not None and message.payload == {"n": 1}


def test_a_channel_that_never_connected_fails_with_a_broker_connection_error() -> None:
    connection = Connection("redis://127.0.0.1:1", transport=TRANSPORT)
    channel = Channel.__new__(Channel)  # what is left once __init__ never reached the server
    channel.connection = None
    with pytest.raises(tuple(connection.connection_errors)):
        channel._connparams()
