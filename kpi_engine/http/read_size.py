"""How much httpcore asks of the socket per read, raised from 64 KiB to 1 MiB.

Each read goes once through h11's parser and buffer in Python. A Shopify bulk file of
677 MB (200,000 orders) took about 10,500 reads and 1.4 CPU s to download; with 1 MiB
reads, 0.9 CPU s. A read returns what has arrived, so a small answer costs the same as
before. The attribute belongs to httpcore's HTTP/1.1 connection class, so this applies to
the whole process; a later httpcore without it is left alone.
"""

from __future__ import annotations

READ_BYTES = 1 << 20


def use_larger_reads() -> None:
    import httpcore

    connection = getattr(httpcore, "HTTP11Connection", None)
    current = getattr(connection, "READ_NUM_BYTES", None)
    if isinstance(current, int) and current < READ_BYTES:
        connection.READ_NUM_BYTES = READ_BYTES
