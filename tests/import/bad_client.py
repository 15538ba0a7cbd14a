"""A deliberately wrong MCP client, for the conformance tests to check that
the suite's verdict is read correctly: it only sends `initialize` over
Streamable HTTP, with what it is told, and exits.

usage: python bad_client.py PROTOCOL_VERSION CLIENT_NAME URL

(CLIENT_NAME `-` stands for an empty name.)
"""

import json
import sys
import urllib.request

version, name, url = sys.argv[1], sys.argv[2], sys.argv[3]
message = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": version,
        "capabilities": {},
        "clientInfo": {"name": "" if name == "-" else name, "version": "1.0.0"},
    },
}
request = urllib.request.Request(
    url,
    data=json.dumps(message).encode(),
    headers={
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
    },
)
with urllib.request.urlopen(request, timeout=10) as answer:
    answer.read()
