// The bench's history row is read back from the page the bench wrote: a change to the page's
// format that the history can no longer read fails here, not silently in the next run's row.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { appendHistory, headline, historyFile, historyRow } from "./history.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const page = readFileSync(join(ROOT, "BENCHMARKS.md"), "utf8");

it("reads every headline number of the committed BENCHMARKS.md", () => {
  const h = headline(page);
  expect(h).toBeDefined();
  const row = historyRow(h as NonNullable<typeof h>, "abc1234");
  const cells = row.trim().split(" | ");
  expect(cells).toHaveLength(14);
  expect(row).not.toContain("–");
  expect(cells[3]).toBe("full");
  // Ratios at 1 · 16 connections, CPU and cold start with the baseline's in brackets.
  expect(cells[4]).toMatch(/^\d\.\d\d · \d\.\d\d$/);
  expect(cells[10]).toMatch(/^\d+\.\d\d \(\d+\.\d\d\) · \d+\.\d\d \(\d+\.\d\d\)$/);
  expect(cells[11]).toMatch(/^\d+ \(\d+\)$/);
});

it("marks a quick run, and appends under one header however many runs", () => {
  const quick = page.replace("Written by `npm run bench`", "Written by `npm run bench -- --quick`");
  const h = headline(quick);
  expect(h?.quick).toBe(true);
  const file = historyFile(join(mkdtempSync(join(tmpdir(), "bench-")), "b.md"));
  expect(file).toMatch(/b-history\.md$/);
  appendHistory(file, historyRow(h as NonNullable<typeof h>, "abc1234"));
  appendHistory(file, historyRow(headline(page) as NonNullable<typeof h>, "def5678"));
  const lines = readFileSync(file, "utf8").split("\n");
  expect(lines.filter((l) => l.startsWith("| commit |"))).toHaveLength(1);
  const header = lines.find((l) => l.startsWith("| commit |")) ?? "";
  const rows = lines.filter((l) => /^\| (abc1234|def5678) \|/.test(l));
  expect(rows.map((r) => r.split(" | ")[3])).toEqual(["quick", "full"]);
  expect(rows.every((r) => r.split("|").length === header.split("|").length)).toBe(true);
});

it("keeps the committed history's rows in the shape of its header", () => {
  const lines = readFileSync(join(ROOT, "BENCHMARKS-history.md"), "utf8").split("\n");
  const header = lines.find((l) => l.startsWith("| commit |")) ?? "";
  const rows = lines.filter((l) => /^\| [0-9a-f]{7}\+? \|/.test(l));
  expect(rows.length).toBeGreaterThanOrEqual(10);
  expect(rows.every((r) => r.split("|").length === header.split("|").length)).toBe(true);
});
