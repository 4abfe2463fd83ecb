// The README's quickstart, run as written against `npm run dev` (its own data folder, settings file
// and ports, so it can run beside a developer's stack): the README cannot drift from the API.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { newSigningKey } from "./keys.ts";

const ROOT = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "timelog-quickstart-"));
let dev: ChildProcess | undefined;
afterAll(async () => {
  if (dev && dev.exitCode === null) {
    dev.kill("SIGTERM");
    await new Promise((r) => dev?.once("exit", r));
  }
  rmSync(dir, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** The shell block of the README's Quickstart section. */
function quickstart(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Quickstart"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("README has no Quickstart shell block");
  return block;
}

it("runs the README's quickstart against npm run dev", async () => {
  const [api, neon] = [await freePort(), await freePort()];
  const vars = join(dir, "dev.vars");
  writeFileSync(
    vars,
    [
      "DATABASE_URL=postgres://dev:dev@localhost/timelog",
      `NEON_FETCH_ENDPOINT=http://127.0.0.1:${neon}/sql`,
      `JWT_PRIVATE_KEY=${newSigningKey()}`,
      "",
    ].join("\n"),
  );
  const env = {
    ...process.env,
    TIMELOG_DATA_DIR: join(dir, "data"),
    TIMELOG_DEV_VARS: vars,
    TIMELOG_DEV_PORT: String(api),
    DATABASE_URL: "",
  };
  dev = spawn(
    process.execPath,
    ["--experimental-strip-types", "--no-warnings=ExperimentalWarning", join(ROOT, "scripts", "dev.ts")],
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  dev.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  dev.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  let password: string | undefined;
  for (const started = Date.now(); Date.now() - started < 90_000; ) {
    password ??= /development superuser: admin@timelog\.local \/ (\S+)/.exec(out)?.[1];
    const up = await fetch(`http://127.0.0.1:${api}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (password && up) break;
    if (dev.exitCode !== null) throw new Error(`npm run dev exited:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(password, out).toBeDefined();

  const script = quickstart().replace(/^API=http:\/\/127\.0\.0\.1:8787$/m, `API=http://127.0.0.1:${api}`);
  expect(script).toContain(`API=http://127.0.0.1:${api}`);
  const run = spawnSync("bash", ["-euo", "pipefail", "-c", script], {
    env: { ...process.env, PASSWORD: password },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  // The registration, the running log's end, the report and the CSV, as the README says.
  expect(run.stdout).toContain('"username":"ann"');
  expect(run.stdout).toContain('{"open":false,"log":null}');
  expect(run.stdout).toMatch(/"secret_name" ?: ?"Apollo"/);
  expect(run.stdout).toMatch(/"secret_name" ?: ?"Gemini"/);
  expect(run.stdout).toContain("id,user_id,username");
  expect(run.stdout).toContain("design review");
}, 150_000);
