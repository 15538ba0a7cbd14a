"""Lists a stdio MCP server's tools with the official Python SDK and prints
them as JSON: the independent client the import tests compare with.

usage: python list_tools.py COMMAND [ARGS...]
"""

import asyncio
import json
import sys

import mcp_types as types
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main() -> None:
    params = StdioServerParameters(command=sys.argv[1], args=sys.argv[2:])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = []
            cursor = None
            while True:
                page = await session.list_tools(
                    params=None if cursor is None else types.PaginatedRequestParams(cursor=cursor)
                )
                tools.extend(
                    t.model_dump(by_alias=True, exclude_none=True, mode="json")
                    for t in page.tools
                )
                cursor = page.next_cursor
                if not cursor:
                    break
    json.dump(tools, sys.stdout)


asyncio.run(main())
