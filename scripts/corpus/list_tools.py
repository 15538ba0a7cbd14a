#!/usr/bin/env python3
"""Lists the tools of a real MCP server over stdio and writes them, verbatim,
as one file of the labelled corpus (corpus/servers/<slug>.json).

Uses the official Python MCP SDK (`mcp` on PyPI) as an independent client:
initialize, then tools/list following nextCursor to the end.

    python3 scripts/corpus/list_tools.py SLUG --source npm:PACKAGE@VERSION \
        [--env NAME=VALUE]... [--out corpus/servers] -- COMMAND [ARGS...]

--source names the provenance written into the file: npm:PKG@VER,
pypi:PKG==VER, or repo:OWNER/NAME@COMMIT. Environment values given with --env
are placeholders some servers need to start; they are not written out.
"""
import argparse
import asyncio
import json
import os
import sys
from datetime import date

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def list_all(command, args, env, timeout):
    params = StdioServerParameters(command=command, args=args, env=env)
    async with stdio_client(params, errlog=sys.stderr) as (read, write):
        async with ClientSession(read, write) as session:
            init = await asyncio.wait_for(session.initialize(), timeout)
            tools = []
            cursor = None
            while True:
                req = None
                if cursor:
                    from mcp import types
                    req = types.PaginatedRequestParams(cursor=cursor)
                result = await asyncio.wait_for(session.list_tools(params=req), timeout)
                tools.extend(result.tools)
                cursor = getattr(result, "next_cursor", None) or getattr(result, "nextCursor", None)
                if not cursor:
                    break
            return init, tools


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("slug")
    ap.add_argument("--source", required=True)
    ap.add_argument("--domain", default="")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--out", default="corpus/servers")
    ap.add_argument("--timeout", type=float, default=60)
    argv = sys.argv[1:]
    if "--" not in argv:
        ap.error("give the server's command after --")
    split = argv.index("--")
    a = ap.parse_args(argv[:split])
    cmd = argv[split + 1:]
    if not cmd:
        ap.error("give the server's command after --")
    env = dict(os.environ)
    for kv in a.env:
        k, _, v = kv.partition("=")
        env[k] = v
    init, tools = asyncio.run(list_all(cmd[0], cmd[1:], env, a.timeout))
    if not tools:
        print(f"{a.slug}: the server listed no tools", file=sys.stderr)
        sys.exit(2)
    info = getattr(init, "server_info", None) or init.serverInfo
    record = {
        "slug": a.slug,
        "source": a.source,
        "domain": a.domain,
        "listed": date.today().isoformat(),
        "listed_with": "tools/list over stdio, Python MCP SDK",
        "server_info": {"name": info.name, "version": info.version},
        "tools": [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools],
    }
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, a.slug + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False, indent=1, sort_keys=False)
        f.write("\n")
    print(f"{a.slug}: {len(tools)} tools -> {path}")


if __name__ == "__main__":
    main()
