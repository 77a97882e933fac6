"""Reading a posted multipart body (the request form's files, a tracking page's uploads) as
werkzeug reads it, with the end of each part found by a plain byte search.

werkzeug's decoder finds a part's closing boundary with a regular expression that begins with
a line break (`\\r\\n`, `\\n` or `\\r`): the regex engine tries it at every byte of the part,
a few hundred microseconds for a 50 KB scan, three per submission. `DeskMultipartDecoder` finds
the same match from the occurrences of `--<boundary>` (bytes.find), trying werkzeug's own
compiled expression only where one of them follows a line break: the same span and groups, so
the same parts, bytes and errors. A body with many occurrences that are no boundary (a client
chooses its boundary: "-" in a body of dashes) is searched by the expression itself after a few
of them, so no body costs more than werkzeug's own search. `install` makes werkzeug's form
parser use it in this process.
"""

from __future__ import annotations

import werkzeug.formparser
from werkzeug.sansio.multipart import MultipartDecoder

# occurrences of the marker tried one by one before the expression searches the rest: a part's
# data seldom holds `--<boundary>` without being its end
CANDIDATES = 4


class BoundarySearch:
    """`boundary_re.search(data)` of werkzeug's decoder, found from where the marker occurs.

    Every match of that expression is a line break (one or two bytes) followed by `--` and the
    boundary, so it starts one or two bytes before an occurrence of the marker; the candidates,
    tried in increasing order with the expression itself, give the leftmost match, which is
    what `search` returns."""

    def __init__(self, expression, boundary: bytes):
        self.expression = expression
        self.marker = b"--" + boundary

    def search(self, data, pos: int = 0):
        """The leftmost match of the expression in `data` from `pos`, or None."""
        at = data.find(self.marker, pos)
        tried = 0
        while at != -1:
            if tried == CANDIDATES:  # the rest by the expression: nothing before `at` matched
                return self.expression.search(data, max(pos, at - 2))
            tried += 1
            for start in (at - 2, at - 1):
                if start >= pos:
                    match = self.expression.match(data, start)
                    if match is not None:
                        return match
            at = data.find(self.marker, at + 1)
        return None

    def __getattr__(self, name):
        if name in ("expression", "marker"):  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self.expression, name)  # pattern, flags...: the expression's own


class DeskMultipartDecoder(MultipartDecoder):
    """werkzeug's `MultipartDecoder`, its closing-boundary search by `BoundarySearch`."""

    def __init__(self, boundary: bytes, *args, **kwargs) -> None:
        super().__init__(boundary, *args, **kwargs)
        self.boundary_re = BoundarySearch(self.boundary_re, self.boundary)


def install() -> None:
    """Make werkzeug's multipart form parser (`werkzeug.formparser.MultiPartParser.parse`,
    which names its decoder by this module-level name) decode with `DeskMultipartDecoder`, for
    every app of the process; safe to call again."""
    werkzeug.formparser.MultipartDecoder = DeskMultipartDecoder
