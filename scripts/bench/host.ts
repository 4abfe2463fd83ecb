// Builds the worker as it deploys and serves it, with the baseline worker, on one plain
// `workerd serve` process, not `wrangler dev` (which would measure itself).
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const ROOT = join(import.meta.dirname, "..", "..");
export const OUT = join(ROOT, "bench-out");
const COMPAT =
  readFileSync(join(ROOT, "wrangler.toml"), "utf8").match(/compatibility_date = "(.+)"/)?.[1] ?? "2026-11-01";

export interface Bundle {
  api: string;
  baseline: string;
  rawBytes: number;
  gzipBytes: number;
  /** The fixed stack alone (stack-worker.ts): the floor of the bundle and of cold start. */
  stack: string;
  stackGzipBytes: number;
}

export async function buildBundles(): Promise<Bundle> {
  execFileSync(
    process.execPath,
    [join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js"), "deploy", "--dry-run", "--minify", "--outdir", OUT],
    {
      cwd: ROOT,
      stdio: "pipe",
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    },
  );
  // Named after wrangler.toml's main (dist/worker.js, written by scripts/build.mjs).
  const api = join(OUT, "worker.js");
  const baseline = join(OUT, "baseline.js");
  await build({
    entryPoints: [join(ROOT, "scripts", "bench", "baseline-worker.ts")],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["browser", "module", "main"],
    conditions: ["workerd", "worker", "browser"],
    outfile: baseline,
    logLevel: "silent",
  });
  const stack = join(OUT, "stack.js");
  await build({
    entryPoints: [join(ROOT, "scripts", "bench", "stack-worker.ts")],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*", "node:*"],
    outfile: stack,
    logLevel: "silent",
  });
  const code = readFileSync(api);
  const stackCode = readFileSync(stack);
  return {
    api,
    baseline,
    rawBytes: code.length,
    gzipBytes: gzipSync(code).length,
    stack,
    stackGzipBytes: gzipSync(stackCode).length,
  };
}

export interface Host {
  apiUrl: string;
  baselineUrl: string;
  workerdPid: number;
  close(): Promise<void>;
}

const capnpString = (v: string) => JSON.stringify(v);

async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function workerConfig(file: string, bindings: Record<string, string>): string {
  const binds = Object.entries(bindings)
    .map(([name, text]) => `(name = ${capnpString(name)}, text = ${capnpString(text)})`)
    .join(", ");
  return `(modules = [(name = "worker.js", esModule = embed ${capnpString(basename(file))})], compatibilityDate = ${capnpString(COMPAT)}, bindings = [${binds}])`;
}

/**
 * Cold start: from spawning `workerd serve` with one worker to its first response on `path` (no
 * database). workerd compiles and evaluates the script before it listens, so this is the bundle's
 * parse, evaluation and first request, plus workerd's own start, which the baseline shows.
 */
export async function coldStartMs(file: string, path: string, bindings: Record<string, string>): Promise<number> {
  const port = await freePort();
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "w", worker = ${workerConfig(file, bindings)})],
  sockets = [(name = "w", address = "127.0.0.1:${port}", http = (), service = "w")],
);
`;
  const capnp = join(OUT, "cold.capnp");
  writeFileSync(capnp, config);
  const started = performance.now();
  const child = spawn(join(ROOT, "node_modules", ".bin", "workerd"), ["serve", capnp, "--experimental"], {
    stdio: ["ignore", "ignore", "ignore"],
  });
  try {
    for (;;) {
      try {
        await (await fetch(`http://127.0.0.1:${port}${path}`)).arrayBuffer();
        return performance.now() - started;
      } catch {
        if (child.exitCode !== null) throw new Error("workerd exited");
        await new Promise((r) => setTimeout(r, 2));
      }
    }
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

/** Serves both workers from one `workerd serve` process, each on its own loopback port. */
export async function serve(bundle: Bundle, bindings: Record<string, string>): Promise<Host> {
  const [apiPort, basePort] = [await freePort(), await freePort()];
  const worker = (file: string) => workerConfig(file, bindings);
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "api", worker = ${worker(bundle.api)}),
    (name = "baseline", worker = ${worker(bundle.baseline)}),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [
    (name = "api", address = "127.0.0.1:${apiPort}", http = (), service = "api"),
    (name = "baseline", address = "127.0.0.1:${basePort}", http = (), service = "baseline"),
  ],
);
`;
  const file = join(OUT, "workerd.capnp");
  writeFileSync(file, config);
  const child = spawn(join(ROOT, "node_modules", ".bin", "workerd"), ["serve", file, "--experimental"], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${apiUrl}/.well-known/jwks.json`);
      break;
    } catch (err) {
      if (i > 100 || child.exitCode !== null) throw new Error(`workerd did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    apiUrl,
    baselineUrl: `http://127.0.0.1:${basePort}`,
    workerdPid: child.pid ?? 0,
    close: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
