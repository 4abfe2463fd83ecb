// The worker's bundle step (wrangler.toml [build]): esbuild with two files of zod left out that
// nothing here uses and that esbuild cannot drop by itself, because @hono/zod-openapi hands the
// whole `z` namespace around as a value: the 40-odd translations of zod's error messages (we speak
// English, through our own problem catalogue) and z.fromJSONSchema(). wrangler then bundles the
// result as it would have bundled src/ (minified on deploy).
import { build } from "esbuild";

const ZOD = /[/\\]node_modules[/\\]zod[/\\]/;

const dropUnused = {
  name: "zod-drop-unused",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (a) =>
      ZOD.test(a.importer) ? { path: "locales", namespace: "zod-stub" } : undefined,
    );
    b.onResolve({ filter: /^\.\/from-json-schema\.js$/ }, (a) =>
      ZOD.test(a.importer) ? { path: "from-json-schema", namespace: "zod-stub" } : undefined,
    );
    b.onLoad({ filter: /^locales$/, namespace: "zod-stub" }, () => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: new URL("../node_modules/zod/v4/locales/", import.meta.url).pathname,
    }));
    b.onLoad({ filter: /^from-json-schema$/, namespace: "zod-stub" }, () => ({
      contents: 'export function fromJSONSchema() { throw new Error("z.fromJSONSchema is not bundled"); }',
    }));
  },
};

// The MCP server (issue 25 §1, h-mcp): the SDK imports ajv (with ajv-formats and fast-uri), the
// zod v3 runtime and zod-to-json-schema at its top level, for JSON Schema validation of elicitation
// answers and for zod 3 schemas. src/mcp/server.ts passes its own validator and only zod 4 schemas,
// so none of them runs; ajv could not run in workerd anyway (it compiles with new Function). Left
// out, they would be ~150 KB of the bundle (~40 KB gzipped).
const MCP_SDK = /[/\\]node_modules[/\\]@modelcontextprotocol[/\\]sdk[/\\]/;
const MCP_UNUSED = {
  ajv: "export default class Ajv { constructor() { throw new Error('ajv is not bundled'); } }",
  "ajv-formats": "export default function addFormats() { throw new Error('ajv-formats is not bundled'); }",
  "zod/v3": "export function object() { throw new Error('zod 3 schemas are not bundled'); }",
  "zod-to-json-schema": "export function zodToJsonSchema() { throw new Error('zod-to-json-schema is not bundled'); }",
};
const mcpDropUnused = {
  name: "mcp-drop-unused",
  setup(b) {
    b.onResolve({ filter: /^(ajv|ajv-formats|zod\/v3|zod-to-json-schema)$/ }, (a) =>
      MCP_SDK.test(a.importer) ? { path: a.path, namespace: "mcp-stub" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "mcp-stub" }, (a) => ({ contents: MCP_UNUSED[a.path] }));
  },
};

await build({
  entryPoints: ["src/index.ts"],
  outfile: "dist/worker.js",
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2024",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  external: ["cloudflare:*", "node:*"],
  minify: true,
  sourcemap: "linked",
  logLevel: "warning",
  plugins: [dropUnused, mcpDropUnused],
});
