"""The multipart decoder of posted forms (`views.multipart`): the same events as werkzeug's own
for any body and any split of it into reads, and the app's form parser uses it."""

from __future__ import annotations

import io
import random

import werkzeug.formparser
from werkzeug.sansio.multipart import (
    Epilogue,
    MultipartDecoder,
    NeedData,
)

from views.multipart import BoundarySearch, DeskMultipartDecoder

BOUNDARY = b"desk-b0undary"
PIECES = [
    b"\r\n",
    b"\n",
    b"\r",
    b"--",
    b"--" + BOUNDARY,
    b"\r\n--" + BOUNDARY,
    b"\n--" + BOUNDARY,
    b"\r--" + BOUNDARY,
    b"\r\n--" + BOUNDARY + b"--",
    b"--" + BOUNDARY[:5],
    b"  \t",
    b"x",
    b"%PDF-1.4",
    b"desk",
    bytes(range(256)),
]


def _noise(rng: random.Random, n: int) -> bytes:
    return b"".join(rng.choice(PIECES) for _ in range(n))


def _body(rng: random.Random) -> bytes:
    """A multipart body, well formed or not: parts with noisy data and closing boundaries with
    or without line breaks and trailing whitespace, sometimes cut short or with a preamble."""
    out = [_noise(rng, rng.randrange(3))] if rng.random() < 0.3 else []
    for i in range(rng.randrange(1, 5)):
        out.append(b"\r\n--" + BOUNDARY + rng.choice([b"", b" ", b"\t "]) + b"\r\n")
        name = f'form-data; name="f{i}"'.encode()
        if rng.random() < 0.5:
            name += f'; filename="f{i}.pdf"'.encode()
        out.append(b"Content-Disposition: " + name + b"\r\n\r\n")
        out.append(_noise(rng, rng.randrange(40)))
    if rng.random() < 0.9:
        out.append(b"\r\n--" + BOUNDARY + b"--" + rng.choice([b"", b"\r\n", b"  \r\n"]))
    body = b"".join(out)
    if rng.random() < 0.1:
        body = body[: rng.randrange(len(body) + 1)]
    return body


def _events(decoder_class, body: bytes, rng: random.Random) -> list:
    """Every event the decoder gives for `body` fed in random reads (as werkzeug's form parser
    drives it), ending with the error it raised, if any."""
    decoder = decoder_class(BOUNDARY, max_form_memory_size=None)
    events, position = [], 0
    try:
        while True:
            if position >= len(body):
                decoder.receive_data(None)
            else:
                size = rng.randrange(1, 64)
                decoder.receive_data(body[position : position + size])
                position += size
            event = decoder.next_event()
            while not isinstance(event, (Epilogue, NeedData)):
                events.append(event)
                event = decoder.next_event()
            if isinstance(event, Epilogue) or decoder.complete:
                events.append(event)
                return events
    except Exception as error:  # noqa: BLE001 - the refusal is part of what must be equal
        events.append((type(error), str(error)))
        return events


def test_the_same_events_as_werkzeugs_decoder_for_any_body_and_any_reads():
    rng = random.Random(2026)
    for _ in range(3000):
        body = _body(rng)
        seed = rng.random()
        ours = _events(DeskMultipartDecoder, body, random.Random(seed))
        theirs = _events(MultipartDecoder, body, random.Random(seed))
        assert ours == theirs, body


def test_the_boundary_search_finds_the_expressions_leftmost_match():
    expression = MultipartDecoder(BOUNDARY).boundary_re
    search = BoundarySearch(expression, BOUNDARY)
    rng = random.Random(12)
    for _ in range(5000):
        data = bytearray(_noise(rng, rng.randrange(30)))
        pos = rng.randrange(len(data) + 1)
        ours, theirs = search.search(data, pos), expression.search(data, pos)
        assert (ours and ours.span(), ours and ours.groups()) == (
            theirs and theirs.span(),
            theirs and theirs.groups(),
        ), bytes(data)
    assert search.pattern == expression.pattern


def test_the_apps_form_parser_decodes_with_it(app):
    assert werkzeug.formparser.MultipartDecoder is DeskMultipartDecoder
    body = (
        b"--" + BOUNDARY + b"\r\n"
        b'Content-Disposition: form-data; name="a"\r\n\r\nsatu\r\n'
        b"--" + BOUNDARY + b"\r\n"
        b'Content-Disposition: form-data; name="f"; filename="f.pdf"\r\n\r\n'
        b"%PDF-1.4\r\n--" + BOUNDARY[:4] + b"\n--x\r\n"
        b"--" + BOUNDARY + b"--\r\n"
    )
    content_type = "multipart/form-data; boundary=" + BOUNDARY.decode()
    with app.test_request_context(
        "/", method="POST", input_stream=io.BytesIO(body), content_type=content_type
    ) as context:
        form, files = context.request.form, context.request.files
        assert form["a"] == "satu"
        assert files["f"].read() == b"%PDF-1.4\r\n--" + BOUNDARY[:4] + b"\n--x"


class CountingExpression:
    """The decoder's expression, counting the times it is tried."""

    def __init__(self, expression):
        self.expression, self.tries = expression, 0

    def match(self, data, pos=0):
        self.tries += 1
        return self.expression.match(data, pos)

    def search(self, data, pos=0):
        self.tries += 1
        return self.expression.search(data, pos)


def test_a_body_of_false_boundaries_is_searched_by_the_expression_itself():
    for boundary, body in ((b"-", b"-" * 100_000), (b"a", b"--a" * 30_000)):
        counting = CountingExpression(MultipartDecoder(boundary).boundary_re)
        search = BoundarySearch(counting, boundary)
        found = search.search(bytearray(body))
        assert found is None
        assert counting.tries <= 10  # not once or twice per occurrence of the marker
        again = search.search(bytearray(body + b"\r\n--" + boundary + b"--"))
        assert (
            again.span() == counting.expression.search(body + b"\r\n--" + boundary + b"--").span()
        )


def test_a_copy_of_the_search_does_not_recurse():
    import copy

    search = BoundarySearch(MultipartDecoder(BOUNDARY).boundary_re, BOUNDARY)
    assert copy.copy(search).marker == search.marker
