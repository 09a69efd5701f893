"""Operations endpoints in the authorisation matrix.

GET /metrics is public by decision: it carries counts and latencies, nothing personal, and
an operator who wants it closed sets QS_METRICS_TOKEN (tests/ops/test_observability.py
checks both ways). Keep it off the public load balancer in any case (deploy/).
"""

from __future__ import annotations

from tests.support.matrix import register

register({}, public={("GET", "/metrics")})
