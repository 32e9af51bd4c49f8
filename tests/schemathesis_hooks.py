"""What the schemathesis run (tests/test_openapi.py) is told beyond the OpenAPI document: the one rule a
parameter schema cannot state, that a window's end is not before its start (`until` >= `since`, the
same for signed_since/signed_until and the panel's months; the API refuses a reversed window with a
400 naming it). A drawn window that is reversed is put the right way round."""

import schemathesis

WINDOWS = (("since", "until"), ("signed_since", "signed_until"))


@schemathesis.hook
def map_query(ctx, query):
    for start, end in WINDOWS:
        if (
            query
            and isinstance(query.get(start), str)
            and isinstance(query.get(end), str)
            and query[end] < query[start]
        ):
            query[start], query[end] = query[end], query[start]
    return query
