// Every response the test suite sees is checked against the OpenAPI document, as a generated client
// would trust it: the status is documented for the operation (or its default), the body validates
// as JSON Schema 2020-12 against the documented schema, and documented headers that are present
// validate too. `call()` runs this on every response, so every test is also a contract test.
import { Validator } from "@cfworker/json-schema";

type Schema = Record<string, unknown>;
interface Documented {
  content?: Record<string, { schema: Schema }>;
  headers?: Record<string, { schema: Schema; required?: boolean }>;
}
interface Doc {
  paths: Record<string, Record<string, { responses: Record<string, Documented>; security?: unknown[] }>>;
  webhooks?: Record<string, { post: { requestBody: { content: Record<string, { schema: Schema }> } } }>;
  components: Schema;
}

let doc: Doc | undefined;
let routes: { re: RegExp; template: string; ops: Doc["paths"][string] }[] = [];
const validators = new Map<string, Validator>();
/** "METHOD /template → status" of every documented answer seen (test/helpers/report-operations.ts). */
export const seen = new Set<string>();

/** The document's operations ("METHOD /template"), their statuses, and whether they take no token. */
export function documentedOperations(): { operation: string; statuses: string[]; open: boolean }[] {
  return Object.entries(doc?.paths ?? {}).flatMap(([template, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      operation: `${method.toUpperCase()} ${template}`,
      statuses: Object.keys(op.responses),
      open: op.security?.length === 0,
    })),
  );
}

export function useDocument(d: Doc) {
  doc = d;
  routes = Object.entries(d.paths).map(([template, ops]) => ({
    template,
    ops,
    re: new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+").replace(/(.)\/$/, "$1")}/?$`),
  }));
}

function validator(key: string, schema: Schema): Validator {
  let v = validators.get(key);
  if (!v) {
    v = new Validator({ ...schema, components: doc?.components } as Schema, "2020-12", false);
    validators.set(key, v);
  }
  return v;
}

function check(key: string, schema: Schema | undefined, value: unknown, where: string) {
  if (!schema) throw new Error(`${where}: not documented`);
  const { valid, errors } = validator(key, schema).validate(value);
  if (!valid) throw new Error(`${where} does not match the document: ${JSON.stringify(errors.slice(0, 3))}`);
}

/** What the document's `default` problem covers: the statuses any route may answer. */
const ANY_ROUTE = new Set([400, 405, 413, 415, 500, 503]);

/** Throws if the response is not one the document describes. */
export async function checkResponse(method: string, path: string, res: Response): Promise<void> {
  if (!doc) return;
  const bare = path.split("?")[0] ?? "";
  const route = routes.find((r) => r.re.test(bare) && r.ops[method.toLowerCase()]);
  const type = (res.headers.get("content-type") ?? "").split(";")[0] ?? "";
  if (!route) {
    // No operation (an unknown path, or a method the path does not answer): still a Problem.
    if (res.status >= 400 && type === "application/problem+json") {
      check("problem", { $ref: "#/components/schemas/Problem" }, await res.clone().json(), `${method} ${bare}`);
    }
    return;
  }
  const op = route.ops[method.toLowerCase()];
  const status = String(res.status);
  // `default` stands only for what any route may answer; every other status must be listed.
  const documented = op?.responses[status] ?? (ANY_ROUTE.has(res.status) ? op?.responses.default : undefined);
  const where = `${method.toUpperCase()} ${route.template} → ${status}`;
  if (!documented) throw new Error(`${where} is not in the document`);
  if (!res.headers.get("x-request-id")) throw new Error(`${where}: no X-Request-Id`);
  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    const value = res.headers.get(name);
    // A header the document requires (Location on a 201, Retry-After on a 429, …) must be there.
    if (value === null && header.required) throw new Error(`${where}: no ${name}, which the document requires`);
    if (value === null || !header.schema) continue;
    const typed = header.schema.type === "integer" && /^\d+$/.test(value) ? Number(value) : value;
    check(`${where} ${name}`, header.schema, typed, `${where} header ${name}`);
  }
  if (type.endsWith("json") && res.status !== 204) {
    const schema = documented.content?.[type]?.schema;
    check(`${where} ${type}`, schema, await res.clone().json(), `${where} (${type})`);
  } else if (type && res.status !== 204 && !documented.content?.[type]) {
    throw new Error(`${where}: ${type} is not documented`);
  }
  seen.add(where);
}

/** Throws if a webhook body a receiver got is not what the document's `webhooks` section says. */
export function checkWebhookBody(body: string): void {
  if (!doc) return;
  const value = JSON.parse(body) as { type: string };
  const schema = doc.webhooks?.[value.type]?.post.requestBody.content["application/json"]?.schema;
  check(`webhook ${value.type}`, schema, value, `webhook ${value.type}`);
}
