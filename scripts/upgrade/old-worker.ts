// The previous release's Worker, as it deployed: its src/ and its own scripts/build.mjs taken from
// git (the commit in scripts/upgrade/previous-release), built with today's node_modules and served
// by plain `workerd serve` on loopback, as the bench serves the current one (scripts/bench/host.ts).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");

/** The release the upgrade test runs against: each release moves it to its own last commit. */
export function previousRelease(): string {
  const lines = readFileSync(join(import.meta.dirname, "previous-release"), "utf8").split("\n");
  const ref = lines.map((l) => l.trim()).find((l) => l !== "" && !l.startsWith("#")) ?? "";
  try {
    return execFileSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    throw new Error(
      `The previous release ${ref} (scripts/upgrade/previous-release) is not in this clone. ` +
        "The upgrade test needs the git history: clone without --depth, or `git fetch --unshallow`.",
    );
  }
}

export interface OldBuild {
  dir: string;
  bundle: string;
  compatibilityDate: string;
  remove(): void;
}

/** Extracts the release into a temp dir and runs its own build script there (esbuild → dist/worker.js). */
export function buildRelease(commit: string): OldBuild {
  const dir = mkdtempSync(join(tmpdir(), "timelog-previous-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    // Only what the build reads; package.json makes the extracted tree an ES module project like ours.
    const archive = execFileSync(
      "git",
      ["archive", commit, "src", "scripts/build.mjs", "wrangler.toml", "package.json"],
      {
        cwd: ROOT,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    execFileSync("tar", ["-x", "-C", dir], { input: archive });
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const toml = readFileSync(join(dir, "wrangler.toml"), "utf8");
    const compatibilityDate = toml.match(/compatibility_date = "(.+)"/)?.[1];
    if (!compatibilityDate) throw new Error("no compatibility_date in the release's wrangler.toml");
    return { dir, bundle: join(dir, "dist", "worker.js"), compatibilityDate, remove };
  } catch (err) {
    remove();
    throw err;
  }
}

export interface Served {
  url: string;
  /** What workerd printed (the worker's console.error lines among it). */
  log(): string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const capnp = (v: string) => JSON.stringify(v);

/** Serves the bundle with text bindings; outbound fetches (the Neon endpoint, receivers) may reach loopback. */
export async function serveBuild(build: OldBuild, bindings: Record<string, string>): Promise<Served> {
  const port = await freePort();
  const binds = Object.entries(bindings)
    .map(([name, text]) => `(name = ${capnp(name)}, text = ${capnp(text)})`)
    .join(", ");
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "api", worker = (modules = [(name = "worker.js", esModule = embed "dist/worker.js")],
      compatibilityDate = ${capnp(build.compatibilityDate)}, bindings = [${binds}])),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "api", address = "127.0.0.1:${port}", http = (), service = "api")],
);
`;
  const file = join(build.dir, "workerd.capnp");
  writeFileSync(file, config);
  const child = spawn(join(ROOT, "node_modules", ".bin", "workerd"), ["serve", file, "--experimental", "--verbose"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  child.stderr.on("data", (d) => {
    output += d;
  });
  const exited = new Promise((r) => child.once("exit", r));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${url}/.well-known/jwks.json`);
      break;
    } catch (err) {
      if (i > 150 || child.exitCode !== null) {
        child.kill("SIGTERM");
        throw new Error(`workerd did not start: ${err}\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    log: () => output,
    close: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
