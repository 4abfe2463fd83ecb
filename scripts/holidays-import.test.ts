// `npm run holidays:import` as an operator meets it: its usage on wrong flags, a clear failure when
// the API cannot be reached; and date-holidays stays out of the worker (only scripts/ import it).
// The import itself runs against the worker in test/holidays/import.test.ts.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const run = (...args: string[]) =>
  spawnSync(
    process.execPath,
    [
      "--experimental-strip-types",
      "--no-warnings=ExperimentalWarning",
      join(ROOT, "scripts", "holidays-import.ts"),
      ...args,
    ],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, TIMELOG_URL: "", TIMELOG_TOKEN: "" } },
  );

describe("holidays:import", () => {
  it("says how to call it when a flag is missing or wrong (exit 2)", () => {
    for (const args of [
      [],
      ["--region", "DE-BY"],
      ["--region", "DE-BY", "--years", "2028-2026", "--url", "http://x", "--token", "t"],
      ["--region", "DE-BY", "--years", "2026", "--token", "t"],
      ["--region", "DE-BY", "--years", "2026", "--url", "http://x"],
      ["--region", "DE-BY", "--years", "2026", "--calendar", "x", "--url", "http://x", "--token", "t"],
      ["--bogus"],
    ]) {
      const r = run(...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toContain("usage: npm run holidays:import");
    }
  });

  it("fails with the reason when the region is unknown or the API does not answer (exit 1)", () => {
    const unknown = run("--region", "XX-YY", "--years", "2026", "--url", "http://127.0.0.1:9", "--token", "t");
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("does not know the region XX-YY");
    const down = run("--region", "DE-BY", "--years", "2026", "--url", "http://127.0.0.1:9", "--token", "t");
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/holidays:import: .*fetch failed/);
  });

  it("is never imported by the worker's source", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
      );
    const importers = files(join(ROOT, "src")).filter((f) => readFileSync(f, "utf8").includes("date-holidays"));
    expect(importers).toEqual([]);
  });
});
