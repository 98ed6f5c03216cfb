"""A local emulator of the Tencent Meeting REST API, for tests, benchmarks and the demo.

    from sandbox.server import SandboxServer
    from sandbox.config import SandboxConfig
    from sandbox.windows import parse_rate

    with SandboxServer(SandboxConfig(quotas=(parse_rate("300/60s"),))) as server:
        app = server.credentials  # the sandbox's own AppCredentials
        creds = Credentials(app.app_id, app.secret_id, app.secret_key, app.sdk_id)
        client = WemeetClient(AkSkAuth(creds), server.base_url)
        ...
        server.meetings(), server.stats(), server.requests_log()

The sandbox is the protocol's independent judge and imports nothing of the worker: it
verifies signatures and counts quota windows with its own code, written from the spec, so a
mistake in the worker's signer or quota ledger cannot hide behind the same mistake on the
server's side.

Modules: config (settings), credentials (the app it recognises), auth (header, credential,
timestamp, signature and replay checks), oauth (a third-party OAuth2.0 app: codes, token
endpoints, rotation, the token check of a call), signature (the AK/SK signature of spec §1),
validate (body rules), state (meetings), recurrence (a series' occurrences), endpoints (the
API operations), windows (call limits and their natural windows), quota (natural-window
counters), faults, limits (bounds of fault settings and clock moves), request_log (what was
asked), inspection (/_sandbox/), guard (who may use /_sandbox/), jsontext (strict JSON in
and out), app (the WSGI application), handler (HTTP/1.1 keep-alive server), server
(SandboxServer), cli (`meeting-sync sandbox`, `python -m sandbox`).
"""
