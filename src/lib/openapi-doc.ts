// What the OpenAPI document says beyond the routes themselves: tags, servers, security schemes,
// and an operationId for every operation (generators name methods after them), derived from the
// method and path so they stay stable as long as the routes do.
import type { OpenAPIHono } from "@hono/zod-openapi";

export const TAGS = [
  { name: "health", description: "Is the service up" },
  { name: "users", description: "Accounts, sign-in, sessions and user admin" },
  { name: "tokens", description: "API tokens for scripts and services" },
  { name: "positions", description: "Positions: titles, expected weekly hours, salaries (superusers)" },
  { name: "clients", description: "Clients projects are done for" },
  { name: "projects", description: "Projects time is logged to, and their tasks" },
  { name: "tags", description: "Tags time logs carry" },
  { name: "rates", description: "The rate card: billable and cost rates, effective-dated (superusers)" },
  { name: "timelog", description: "Clocking in and out, time logs, sync" },
  { name: "teams", description: "Teams, members and managers" },
  { name: "timesheets", description: "Weekly timesheets: submit, approve, reject, reopen" },
  { name: "reports", description: "Summaries and the CSV export" },
  { name: "audit", description: "The tamper-evident audit trail" },
  { name: "settings", description: "Company-wide settings and the payroll lock" },
  { name: "webhooks", description: "Signed notifications of changes to registered endpoints (superusers)" },
];

const pascal = (s: string) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join("");

/** GET /timelog/{id}/history → getTimelogByIdHistory; POST /timelog/ → postTimelog. */
export function operationIdOf(method: string, path: string): string {
  const parts = path
    .split("/")
    .filter(Boolean)
    .map((seg) => (seg.startsWith("{") ? `By${pascal(seg.slice(1, -1))}` : pascal(seg)));
  return `${method.toLowerCase()}${parts.join("") || "Root"}`;
}

// biome-ignore lint/suspicious/noExplicitAny: any OpenAPIHono, whatever its env
export function finishDocument(app: OpenAPIHono<any>) {
  for (const def of app.openAPIRegistry.definitions) {
    if (def.type !== "route") continue;
    def.route.operationId ??= operationIdOf(def.route.method, def.route.path);
    // Public routes say so: no security requirement at all, not "inherit the default".
    def.route.security ??= [];
  }
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT access token, or an API token tl_pat_…",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "cookie", {
    type: "apiKey",
    in: "cookie",
    name: "auth_cookie",
    description: "Browsers: the access token as a cookie (unsafe methods need an allowed Origin)",
  });
}
