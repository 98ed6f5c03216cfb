"""A local emulator of the Tencent Meeting REST API, for tests, benchmarks and the demo.

    from sandbox.server import SandboxServer
    from sandbox.config import SandboxConfig

    with SandboxServer(SandboxConfig(quotas=(parse_rate("300/60s"),))) as server:
        client = WemeetClient(AkSkAuth(server.credentials), server.base_url)
        ...
        server.meetings(), server.stats(), server.requests_log()

Modules: config (settings), auth (header, credential, timestamp, signature and replay
checks), validate (body rules), state (meetings), endpoints (the API operations), quota
(natural-window counters), faults, limits (bounds of fault settings and clock moves), request_log
(what was asked), inspection (/_sandbox/), guard (who may use /_sandbox/), jsontext (strict
JSON in and out), app (the WSGI application), handler (HTTP/1.1 keep-alive server), server
(SandboxServer), cli (`meeting-sync sandbox`, `python -m sandbox`).
"""
