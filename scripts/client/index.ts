// The typed client, published as the package `timelog-api-client` (this folder; `npm run
// client:build` compiles it to dist/): openapi-fetch over the types openapi-typescript generates
// from our OpenAPI document (generated/openapi.d.ts, refreshed by `npm run openapi`; a check in
// `npm test` fails when stale).
// Chosen over Hono's `hc` because its types are the published contract itself — the same ones a
// Swift or Kotlin generator reads — including every error status and Problem body, and because it
// costs apps 6 kB and no build step. Paths, parameters, bodies and responses are all typed:
//
//   const api = createTimelogClient({ baseUrl: "https://api.example.com", token: "tl_pat_…" });
//   const { data, error } = await api.POST("/timelog", { body: { project_fk: 1 } });
import createClient, { type Client } from "openapi-fetch";
// ".js" although the file is openapi.d.ts: the compiled package is read by Node's own resolution
// (NodeNext), which wants the extension of the file at run time; bundlers accept it too.
import type { paths } from "./generated/openapi.js";

export type { components, operations, paths } from "./generated/openapi.js";

export interface TimelogClientOptions {
  baseUrl: string;
  // `| undefined` spelled out: apps compiled with exactOptionalPropertyTypes pass
  // `process.env.TIMELOG_TOKEN` (a string or undefined) as it is.
  /** An access token or an API token (`tl_pat_…`), or a function that returns the current one. */
  token?: string | (() => string | undefined) | undefined;
  /** A fetch to use instead of the global one (tests, service bindings). */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
}

export function createTimelogClient(options: TimelogClientOptions): Client<paths> {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    fetch: options.fetch,
    // As the document says for list parameters (group_by): `group_by=project,day`.
    querySerializer: { array: { style: "form", explode: false } },
  });
  client.use({
    onRequest({ request }) {
      const token = typeof options.token === "function" ? options.token() : options.token;
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  });
  return client;
}
