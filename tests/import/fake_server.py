"""A small MCP server of the import tests' own, on the official Python SDK.

usage: python fake_server.py TOOLS.json [PAGE_SIZE]

Serves the tools listed in TOOLS.json (a JSON array of MCP Tool objects),
PAGE_SIZE to a page of tools/list (default: all on one page), so a test can
change a definition between two imports by rewriting the file.
"""

import asyncio
import json
import sys

import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

TOOLS_FILE = sys.argv[1]
PAGE = int(sys.argv[2]) if len(sys.argv) > 2 else 0


async def list_tools(ctx, params):
    with open(TOOLS_FILE, encoding="utf-8") as f:
        tools = [types.Tool.model_validate(t) for t in json.load(f)]
    start = int(params.cursor) if params and params.cursor else 0
    if not PAGE:
        return types.ListToolsResult(tools=tools[start:])
    end = start + PAGE
    nxt = str(end) if end < len(tools) else None
    return types.ListToolsResult(tools=tools[start:end], next_cursor=nxt)


async def main():
    server = Server("fake-notes", version="1.2.3", on_list_tools=list_tools)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


asyncio.run(main())
