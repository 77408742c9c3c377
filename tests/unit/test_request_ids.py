"""Request ids (observability/logs.py): a client's plain id is kept, anything else replaced."""

from __future__ import annotations

import pytest

from authward.observability import logs


@pytest.mark.parametrize("sent", ["req-1", "edge.7f3a:0_1", "a" * 128, "0123456789abcdef0123456789abcdef"])
def test_a_plain_id_is_kept(sent):
    assert logs.request_id_from(sent.encode()) == sent


@pytest.mark.parametrize("sent", [b"", b"a" * 129, b"has space", b"new\nline", b'{"json":1}', b"caf\xc3\xa9", None])
def test_anything_else_is_replaced_by_a_new_id(sent):
    made = logs.request_id_from(sent)
    assert made != (sent or b"").decode("latin-1")
    assert len(made) == 32 and logs.REQUEST_ID.fullmatch(made)
    assert logs.request_id_from(sent) != made  # a new one each time


def test_the_user_is_noted_only_inside_a_request():
    logs.note_user("outside")  # no request: nothing to note into
    assert logs.request_fields() == {}
    token = logs.begin_request("req-9")
    try:
        logs.note_user(None)
        assert logs.request_fields() == {"request_id": "req-9"}
        logs.note_user("u-1")
        assert logs.request_fields() == {"request_id": "req-9", "user_id": "u-1"}
    finally:
        logs.end_request(token)
    assert logs.request_fields() == {}
