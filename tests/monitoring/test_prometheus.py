"""Error-rate samples read from a Prometheus server: a real HTTP server on 127.0.0.1 answers
`/api/v1/query_range` as Prometheus does, and the feed's pull stores its minutes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from accord.monitoring import prometheus
from accord.monitoring.models import ErrorRateSample, ModuleRegion, PrometheusFeed

NOW = datetime(2026, 11, 3, 11, 0, 30, tzinfo=UTC)
T0 = int(datetime(2026, 11, 3, 10, 0, tzinfo=UTC).timestamp())


class FakePrometheus(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        server: Any = self.server
        query = parse_qs(urlparse(self.path).query)
        server.asked.append({k: v[0] for k, v in query.items()})
        body = server.answers.get(query["query"][0], {"status": "error", "error": "unknown"})
        data = json.dumps(body).encode()
        self.send_response(200 if body.get("status") == "success" else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Any]:
    httpd: Any = ThreadingHTTPServer(("127.0.0.1", 0), FakePrometheus)
    httpd.asked, httpd.answers = [], {}
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()


def matrix(*series: tuple[dict[str, str], list[tuple[int, str]]]) -> dict[str, Any]:
    return {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [{"metric": m, "values": [[t, v] for t, v in vs]} for m, vs in series],
        },
    }


def feed(server: Any) -> PrometheusFeed:
    return PrometheusFeed.objects.create(
        name="prom",
        url=f"http://127.0.0.1:{server.server_address[1]}",
        requests_query="requests",
        errors_query="errors",
    )


def test_a_pull_stores_each_minute_of_each_module_region(world: Any, server: Any) -> None:
    rm = {"module": "release-manager", "region": "us"}
    server.answers["requests"] = matrix(
        (rm, [(T0 + 60, "1000"), (T0 + 120, "999.6"), (T0 + 180, "10")]),
        ({"module": "nothing", "region": "us"}, [(T0 + 60, "5")]),
    )
    server.answers["errors"] = matrix((rm, [(T0 + 60, "12"), (T0 + 180, "11")]))
    source = feed(server)
    pulled = prometheus.pull(source, now=NOW)
    assert (pulled.skipped_series, pulled.clipped) == (1, 1)
    mr = ModuleRegion.objects.get(module__slug="release-manager", region__code="us")
    rows = ErrorRateSample.objects.filter(module_region=mr).order_by("start")
    # The value at 10:01 is the minute 10:00-10:01; 999.6 requests are 1000; 11 errors of 10
    # requests are cut to 10.
    assert [(int(r.start.timestamp()) - T0, r.requests, r.errors) for r in rows] == [
        (0, 1000, 12),
        (60, 1000, 0),
        (120, 10, 10),
    ]
    asked = server.asked[0]
    assert (asked["step"], int(asked["start"]), int(asked["end"])) == ("60", T0 + 60, T0 + 3600)
    source.refresh_from_db()
    assert source.pulled_until == datetime(2026, 11, 3, 11, 0, tzinfo=UTC)


def test_the_next_pull_reads_from_where_the_last_ended(world: Any, server: Any) -> None:
    server.answers["requests"] = matrix()
    server.answers["errors"] = matrix()
    source = feed(server)
    prometheus.pull(source, now=NOW)
    server.asked.clear()
    prometheus.pull(source, now=NOW + timedelta(minutes=5))
    assert [int(a["start"]) for a in server.asked] == [T0 + 3600 + 60] * 2


def test_a_server_that_fails_keeps_the_minutes_for_the_next_run(world: Any, server: Any) -> None:
    server.answers["requests"] = {"status": "error", "error": "bad_data: parse error"}
    source = feed(server)
    prometheus.pull_all(NOW)
    source.refresh_from_db()
    assert source.pulled_until is None and "parse error" in source.last_error
    assert not ErrorRateSample.objects.exists()
    unreachable = PrometheusFeed.objects.create(
        name="gone", url="http://127.0.0.1:9", requests_query="r", errors_query="e"
    )
    prometheus.pull_all(NOW)
    unreachable.refresh_from_db()
    assert unreachable.pulled_until is None and unreachable.last_error
