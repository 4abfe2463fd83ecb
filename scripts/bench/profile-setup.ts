// The pieces scripts/bench/profile.ts stands on: the unminified bundle, the settings, the local
// Neon endpoint to record from, and the stub of globalThis.fetch that records and replays.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { build } from "esbuild";

export const ROOT = join(import.meta.dirname, "..", "..");
export const OUT = join(ROOT, "bench-out", "profile");

// As scripts/build.mjs and scripts/bench/host.ts build them, without minify. (build.mjs's
// leaving-out of zod's locales only changes the bundle's size and start-up, not a request.)
export async function bundle(entry: string, name: string): Promise<string> {
  const outfile = join(OUT, name);
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2024",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    minify: false,
    logLevel: "warning",
  });
  return outfile;
}

/** wrangler.toml [vars], the bindings the API reads as settings. */
export function vars(): Record<string, string> {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const section = /^\[vars\]$([^[]*)/m.exec(toml)?.[1] ?? "";
  return Object.fromEntries([...section.matchAll(/^(\w+) = "(.*)"$/gm)].map((m) => [m[1], m[2]]));
}

/** scripts/neon-local over a fresh, migrated PGlite, in its own process (as scripts/bench/stack.ts). */
export async function startEndpoint(): Promise<{ child: ChildProcess; url: string }> {
  const script = join(ROOT, "scripts", "neon-local", "serve.ts");
  const child = spawn(process.execPath, ["--experimental-strip-types", "--no-warnings", script, "--migrate"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on("line", (line) => line.startsWith("ready ") && resolve(line.slice(6)));
    child.once("exit", (code) => reject(new Error(`endpoint exited (${code})`)));
  });
  return { child, url };
}

export interface Answer {
  status: number;
  body: string;
}

/** The host replayed answers come from: nothing real answers it, so a stray request fails loudly. */
export const DB_HOST = "neon.recorded";

const realFetch = globalThis.fetch;
let mode: "through" | "record" | "replay" = "through";
let answers: Answer[] = [];
let next = 0;

/** Every fetch goes to the network as usual (the script's own seeding statements). */
export function passThrough() {
  mode = "through";
}
/** Fetches go to the network and their answers are kept, in order, in the list returned. */
export function record(): Answer[] {
  mode = "record";
  answers = [];
  return answers;
}
/** Fetches to DB_HOST get these answers in turn, without the network. */
export function replay(recorded: Answer[]) {
  mode = "replay";
  answers = recorded;
  next = 0;
}

globalThis.fetch = async (input, init) => {
  if (mode === "through") return realFetch(input, init);
  let answer: Answer;
  if (mode === "record") {
    const res = await realFetch(input, init);
    answer = { status: res.status, body: await res.text() };
    answers.push(answer);
  } else {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.includes(DB_HOST)) throw new Error(`unexpected fetch during replay: ${url}`);
    answer = answers[next++ % answers.length] as Answer;
  }
  return new Response(answer.body, { status: answer.status, headers: { "content-type": "application/json" } });
};
