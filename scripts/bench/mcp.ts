// The MCP server's row (issue 25 §1): tools/call current_timer, to read beside GET /timelog/current.
// The tool is that route, called inside the Worker, so the round trips should be the same (one);
// the difference in CPU and latency is the SDK's JSON-RPC handling and the internal request.
import type { Target } from "./measure.ts";

export function mcpTargets(writers: string[]): Target[] {
  const call = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "current_timer", arguments: {} } };
  return [
    {
      name: "POST /mcp tools/call current_timer",
      base: "api",
      tokens: writers,
      requests: [
        {
          method: "POST",
          path: "/mcp",
          // Stateless Streamable HTTP: no initialize first, no session; the client accepts both answers.
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify(call),
        },
      ],
    },
  ];
}
