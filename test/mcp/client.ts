// The official SDK's MCP client, over HTTP into the worker: its transport's fetch is the worker's
// fetch handler (test/helpers/api.ts send()), so every byte goes through /mcp as from Claude Desktop.
import { Validator } from "@cfworker/json-schema";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { expect } from "vitest";
import { call, send } from "../helpers/api";
import type { TestUser } from "../helpers/factories";

/** An API token of the person's with these scopes, as an assistant would be given. */
export async function mint(user: TestUser, scopes: string[]) {
  const res = await call("POST", "/users/me/tokens", { token: user.token, body: { name: "assistant", scopes } });
  if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as { id: number; token: string };
}

export const MCP_URL = "http://api.test/mcp";

/** Every HTTP answer /mcp gave, for the tests that look at statuses and headers. */
export const answers: Response[] = [];

export async function connect(token: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    fetch: async (url, init) => {
      const res = await send(new Request(url, init));
      answers.push(res.clone());
      return res;
    },
  });
  // ajv (the SDK's default) compiles with new Function, which workerd forbids.
  const client = new Client(
    { name: "timelog-tests", version: "1.0.0" },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  await client.connect(transport);
  return client;
}

interface Result {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { type: string; text?: string }[];
  _meta?: Record<string, unknown>;
}

const schemas = new Map<string, unknown>();

/**
 * tools/call, and our own check that a successful answer validates against the tool's declared
 * outputSchema (the SDK client checks too; this one fails loudly even if the client stopped).
 */
export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Result> {
  if (schemas.size === 0) for (const t of (await client.listTools()).tools) schemas.set(t.name, t.outputSchema);
  const result = (await client.callTool({ name, arguments: args })) as Result;
  if (!result.isError) {
    const schema = schemas.get(name);
    expect(schema, `${name} declares an outputSchema`).toBeDefined();
    const draft = String((schema as { $schema?: string }).$schema ?? "").includes("draft-07") ? "7" : "2020-12";
    const check = new Validator(schema as never, draft, false).validate(result.structuredContent);
    expect(check.errors, `${name}'s output validates`).toEqual([]);
    expect(check.valid).toBe(true);
  }
  return result;
}

/** A tool error's text, asserting it is one. */
export function errorText(result: Result): string {
  expect(result.isError).toBe(true);
  return result.content.map((c) => c.text ?? "").join("\n");
}
