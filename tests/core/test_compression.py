"""Static files travel gzipped; pages with CSRF tokens do not (BREACH)."""

from __future__ import annotations


async def test_static_files_are_gzipped_for_slow_networks(client):
    response = await client.get(
        "/static/vendor/jsqr/jsQR-1.4.0.js", headers={"accept-encoding": "gzip"}
    )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"


async def test_pages_with_tokens_are_never_compressed(client):
    response = await client.get("/login", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
