#!/usr/bin/env python3
"""Builds the world corral-sessions-load needs on a running manager, through its REST API:
one server pool, one server per connected agent (each assigned to that agent, so it is ready at
once) and one workspace over the pool. Meant for a manager started by corral-agent-swarm
(docs/PERFORMANCE.md, "Broker", (b)); standard library only, one keep-alive TLS connection."""
import argparse
import http.client
import json
import ssl
import sys
import time


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=18443)
    p.add_argument("--ca", required=True)
    p.add_argument("--admin-token-file", required=True)
    p.add_argument("--pool", default="bench")
    p.add_argument("--workspace", default="bench")
    p.add_argument("--max-sessions", type=int, default=25)
    p.add_argument("--servers", type=int, default=0, help="at most this many (0: one per online agent)")
    a = p.parse_args()

    token = open(a.admin_token_file).read().strip()
    ctx = ssl.create_default_context(cafile=a.ca)
    conn = http.client.HTTPSConnection(a.host, a.port, context=ctx)
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

    def call(method, path, body=None, expect=(200, 201)):
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        r = conn.getresponse()
        data = r.read()
        if r.status not in expect:
            sys.exit(f"{method} {path}: {r.status} {data[:300]!r}")
        return json.loads(data) if data else {}

    agents, page = [], ""
    while True:
        got = call("GET", "/api/v1/agents?status=online&pageSize=1000" + (f"&pageToken={page}" if page else ""))
        agents += [x["id"] for x in got.get("agents", [])]
        page = got.get("nextPageToken", "")
        if not page:
            break
    if a.servers:
        agents = agents[: a.servers]
    print(f"online agents: {len(agents)}", flush=True)

    pool = call("POST", "/api/v1/pools", {"name": a.pool, "type": "POOL_TYPE_SERVER"})["id"]
    start = time.monotonic()
    for i, agent in enumerate(agents):
        call("POST", "/api/v1/servers",
             {"poolId": pool, "hostname": f"rdp-{i:05d}", "address": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
              "maxSimultaneousSessionsPerServer": a.max_sessions, "agentId": agent})
    print(f"servers: {len(agents)} in {time.monotonic() - start:.1f} s", flush=True)
    call("POST", "/api/v1/workspaces", {"name": a.workspace, "poolId": pool})
    print(f"pool={pool} workspace={a.workspace}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
