"""The bare endpoint the benchmarks measure lab against: a minimal Litestar app whose GET /json
answers a small JSON object, served like lab (uvicorn, same worker count, no access log) by
bench/harness.py. By hand: .venv/bin/uvicorn bare:app --app-dir bench --no-access-log
"""

from __future__ import annotations

from litestar import Litestar, get


@get("/json", sync_to_thread=False)
def hello() -> dict[str, str]:
    return {"message": "Hello, World!"}


app = Litestar(route_handlers=[hello])
