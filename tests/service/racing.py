"""Sending requests from threads at the same instant, for tests of races between real transactions."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from httpx import Response

Request = Callable[[], Response]


def race(*requests: Request) -> list[Response]:
    """Send the requests from threads at once (each request holds its own client); answers in the same order."""
    start = threading.Barrier(len(requests))

    def send(request: Request) -> Response:
        start.wait(timeout=30)
        return request()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))
