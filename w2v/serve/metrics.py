"""Request counts and latency histograms, rendered in the Prometheus text format (0.0.4).

    w2v_http_requests_total{method,route,status}            counter
    w2v_http_request_duration_seconds{method,route}         histogram
    w2v_jobs{state}, w2v_models                             gauges (supplied at render time)

`route` is the route template (`/v1/models/{name}/similar`), never the raw path, so the
number of series stays bounded whatever clients send.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import defaultdict

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


class Metrics:
    def __init__(self, buckets: tuple[float, ...] = BUCKETS):
        self.buckets = buckets
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, int], int] = defaultdict(int)
        # (method, route) -> [count per bucket..., +Inf count], sum of seconds
        self._hist: dict[tuple[str, str], list[int]] = {}
        self._sum: dict[tuple[str, str], float] = defaultdict(float)
        self.started = time.time()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        if method not in METHODS:  # a client chooses the method: keep the label set bounded
            method = "other"
        i = bisect.bisect_left(self.buckets, seconds)
        key = (method, route)
        with self._lock:
            self._requests[(method, route, status)] += 1
            h = self._hist.get(key)
            if h is None:
                h = self._hist[key] = [0] * (len(self.buckets) + 1)
            h[i] += 1
            self._sum[key] += seconds

    def render(
        self, gauges: dict[str, tuple[str, dict[tuple[tuple[str, str], ...], float]]]
    ) -> str:
        """The exposition text. `gauges` maps a metric name to (help, {labels: value})."""
        with self._lock:
            requests = sorted(self._requests.items())
            hists = sorted((k, list(v), self._sum[k]) for k, v in self._hist.items())
        lines = [
            "# HELP w2v_http_requests_total HTTP requests by method, route and status.",
            "# TYPE w2v_http_requests_total counter",
        ]
        for (method, route, status), n in requests:
            labels = _labels((("method", method), ("route", route), ("status", str(status))))
            lines.append(f"w2v_http_requests_total{labels} {n}")
        lines += [
            "# HELP w2v_http_request_duration_seconds Time to handle a request.",
            "# TYPE w2v_http_request_duration_seconds histogram",
        ]
        for (method, route), counts, total in hists:
            base = (("method", method), ("route", route))
            cumulative = 0
            for le, n in zip((*map(_num, self.buckets), "+Inf"), counts, strict=True):
                cumulative += n
                labels = _labels((*base, ("le", le)))
                lines.append(f"w2v_http_request_duration_seconds_bucket{labels} {cumulative}")
            lines.append(f"w2v_http_request_duration_seconds_sum{_labels(base)} {total!r}")
            lines.append(f"w2v_http_request_duration_seconds_count{_labels(base)} {cumulative}")
        for name, (help_, series) in gauges.items():
            lines += [f"# HELP {name} {help_}", f"# TYPE {name} gauge"]
            for labels, value in series.items():
                lines.append(f"{name}{_labels(labels)} {_num(value)}")
        lines.append("# HELP w2v_start_time_seconds When the server started (Unix time).")
        lines.append("# TYPE w2v_start_time_seconds gauge")
        lines.append(f"w2v_start_time_seconds {self.started!r}")
        return "\n".join(lines) + "\n"


def _num(x: float) -> str:
    return repr(float(x)) if not float(x).is_integer() else str(int(x))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: tuple[tuple[str, str], ...]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"
