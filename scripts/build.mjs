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
  plugins: [dropUnused],
});
