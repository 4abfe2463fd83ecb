// The MCP server for one request (stateless Streamable HTTP: no session, JSON answers, no stream):
// the official SDK's McpServer and its web-standard transport, built per request because each
// carries its caller. Loaded by src/mcp/routes.ts with await import() on /mcp only.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Context } from "hono";
import type { AppEnv } from "../lib/router";
import { type Caller, callerFor, ToolProblem } from "./dispatch";
import { managerTools } from "./team-tools";
import { ownTools } from "./tools";

export const TOOLS = [...ownTools, ...managerTools];

/** What an assistant can do about a refusal, beyond the route's own sentence. */
const ADVICE: Record<string, string> = {
  insufficient_scope: "This token may not do that: the person can create a token with the needed scope.",
  invalid_token: "The sign-in has ended: the person must connect again.",
  nothing_open: "No timer is running: nothing to stop.",
  already_running: "A timer is already running: use switch_project to move to another project, or clock_out first.",
  period_locked: "That time is in a submitted or approved week: a manager must reject the week first.",
  validation_failed: "Fix the fields named in errors and call again.",
  forbidden: "Only the person's manager or a superuser may do this.",
};

function failure(p: ToolProblem): CallToolResult {
  const errors = Array.isArray(p.extra.errors)
    ? ` Errors: ${(p.extra.errors as { path: string; message: string }[]).map((e) => `${e.path}: ${e.message}`).join("; ")}.`
    : "";
  const advice = ADVICE[p.code] ? ` ${ADVICE[p.code]}` : "";
  return {
    isError: true,
    content: [{ type: "text", text: `${p.code}: ${p.detail}${errors}${advice}` }],
    _meta: { code: p.code, status: p.status, ...p.extra },
  };
}

function build(caller: Caller): McpServer {
  // The JSON Schema validator is only for elicitation, which these tools never use: no ajv here.
  const jsonSchemaValidator = {
    getValidator: () => {
      throw new Error("elicitation is not used");
    },
  };
  const server = new McpServer(
    { name: "timelog", version: "0.2.0" },
    {
      jsonSchemaValidator,
      instructions:
        "TimeLog: the person's working time. Times are RFC 3339 with offsets; durations are seconds (summary: ms); " +
        "money is minor units. Refusals carry a code (e.g. insufficient_scope, project_ambiguous) and what to do.",
    },
  );
  for (const t of TOOLS) {
    server.registerTool(
      t.name,
      {
        title: t.title,
        description: t.description,
        inputSchema: t.input,
        outputSchema: t.output,
        annotations: { readOnlyHint: t.readOnly, destructiveHint: false, openWorldHint: false },
      },
      async (args: Record<string, unknown>): Promise<CallToolResult> => {
        try {
          const result = (await t.run(args, caller)) as Record<string, unknown>;
          return { content: [{ type: "text", text: JSON.stringify(result) }], structuredContent: result };
        } catch (err) {
          if (err instanceof ToolProblem) return failure(err);
          throw err;
        }
      },
    );
  }
  return server;
}

export async function serve(c: Context<AppEnv>): Promise<Response> {
  const caller = callerFor(c);
  const server = build(caller);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  const response = await transport.handleRequest(c.req.raw);
  await server.close();
  // A route refused the login (logged out, token revoked, account deactivated): HTTP 401, so the
  // client signs in again (or refreshes its OAuth token) instead of showing a tool error.
  if (caller.ended) {
    return c.json(
      { jsonrpc: "2.0", error: { code: -32001, message: "The sign-in has ended: connect again." }, id: null },
      401,
    );
  }
  // Through c.body, so the answer carries what every answer does (X-Request-Id, Cache-Control: no-store).
  const headers = Object.fromEntries(response.headers);
  return c.body(await response.text(), response.status as 200, headers);
}
