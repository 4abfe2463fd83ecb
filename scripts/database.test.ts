// The dev tools next to a running `npm run dev`: the embedded database has one owner, and a second
// opener is refused with a sentence saying what to do (not a second PGlite writing into the live
// folder); a tool run before any migration says to migrate first instead of printing a stack trace.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const data = mkdtempSync(join(tmpdir(), "timelog-data-"));
process.env.TIMELOG_DATA_DIR = data;
afterAll(() => rmSync(data, { recursive: true, force: true }));

/** Runs a dev script as npm would, on the temporary data folder. */
function tool(script: string, ...args: string[]) {
  const env = { ...process.env, TIMELOG_DATA_DIR: data, DATABASE_URL: "" };
  const res = spawnSync(
    process.execPath,
    ["--experimental-strip-types", "--no-warnings=ExperimentalWarning", join(ROOT, "scripts", script), ...args],
    { cwd: ROOT, env, encoding: "utf8", timeout: 60_000 },
  );
  return { code: res.status, out: res.stdout, err: res.stderr };
}

describe("dev tools on the embedded database", () => {
  it("say to migrate first, then work, then refuse while another process holds the folder", async () => {
    const early = tool("user-create.ts", "--email", "early@example.com");
    expect(early.code).toBe(1);
    expect(early.err).toContain("npm run db:migrate");
    expect(early.err).not.toMatch(/\n\s+at /); // no stack trace

    expect(tool("db-migrate.ts").code).toBe(0);
    const made = tool("user-create.ts", "--email", "you@example.com", "--superuser");
    expect(made.code).toBe(0);
    expect(made.out).toMatch(/created user \d+ <you@example.com> \(superuser\)\npassword: \S+/);
    const reset = tool("user-password.ts", "--email", "you@example.com");
    expect(reset.code).toBe(0);
    expect(reset.out).toMatch(/new password for user \d+ <you@example.com>: \S+/);

    // This process now holds the folder, as npm run dev's endpoint would.
    const { openDatabase } = await import("./database.ts");
    const held = await openDatabase("");
    try {
      for (const script of ["user-create.ts", "db-migrate.ts", "user-password.ts"]) {
        const busy = tool(script, "--email", "second@example.com");
        expect(busy.code, script).toBe(1);
        expect(busy.err, script).toContain(`in use by process ${process.pid}`);
        expect(busy.err, script).toContain("Stop it first");
      }
    } finally {
      await held.close();
    }
    // Released: the account made before is there, and nothing was written while it was held.
    const after = tool("user-create.ts", "--email", "you@example.com");
    expect(after.code).toBe(1);
    expect(after.err).toContain("already exists");
  }, 120_000);
});
