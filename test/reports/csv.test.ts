import { parse } from "csv-parse/browser/esm/sync";
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import {
  addEntry,
  createProject,
  createSuperuser,
  createUser,
  seedRowsWithoutTriggers,
  type TestUser,
} from "../helpers/factories";

async function csv(user: TestUser, qs: string) {
  const res = await call("GET", `/reports/timelog.csv?${qs}`, { token: user.token });
  if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
  return { res, rows: parse(await res.text(), { columns: true }) as Record<string, string>[] };
}

describe("GET /reports/timelog.csv", () => {
  it("parses back into the same rows, times in tz with offsets, durations in seconds and h:mm", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin, { secret_name: 'Apollo, "the" moon' });
    const alice = await createUser();
    const note = 'Line one, with "quotes"\nline two\r\nand three';
    const log = await addEntry(alice, p.id, new Date("2026-03-29T00:30:00Z"), new Date("2026-03-29T02:15:30Z"), note);
    let out: Awaited<ReturnType<typeof csv>> | undefined;
    const trips = await countRoundTrips(async () => {
      out = await csv(alice, "from=2026-03-28&to=2026-03-30&tz=Europe/Berlin");
    });
    expect(trips).toBe(1);
    expect(out?.res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(out?.res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="timelog_2026-03-28_2026-03-30.csv"$/,
    );
    expect(out?.rows).toEqual([
      {
        id: String(log.id),
        user_id: String(alice.id),
        username: alice.username,
        position: "Employee",
        project_id: String(p.id),
        project: 'Apollo, "the" moon',
        start: "2026-03-29T01:30:00.000+01:00",
        end: "2026-03-29T04:15:30.000+02:00",
        duration_ms: "6330000",
        duration_hm: "1:45",
        open: "false",
        note,
        // An employee's export: no rate, amount or cost columns.
        client: "",
        task: "",
        tags: "",
        billable: "true",
      },
    ]);
  });

  it("neutralises cells a spreadsheet would run as formulas", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin, { secret_name: '=HYPERLINK("http://x")' });
    const alice = await createUser({ username: "+cmd" });
    const notes = ["=1+1", "+SUM(A1)", "-2+3", "@foo", "\tx", "\rx"];
    for (const [i, n] of notes.entries()) {
      await addEntry(alice, p.id, new Date(Date.UTC(2026, 3, 1, i)), new Date(Date.UTC(2026, 3, 1, i, 30)), n);
    }
    const { rows } = await csv(alice, "from=2026-04-01&to=2026-04-02");
    expect(rows.map((r) => r.note)).toEqual(notes.map((n) => `'${n}`));
    expect(rows[0]?.project).toBe('\'=HYPERLINK("http://x")');
    expect(rows[0]?.username).toBe("'+cmd");
  });

  it("employees get only their own rows; superusers filter by user", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    const bob = await createUser();
    await addEntry(alice, p.id, new Date("2026-08-10T09:00:00Z"), new Date("2026-08-10T10:00:00Z"));
    await addEntry(bob, p.id, new Date("2026-08-10T09:00:00Z"), new Date("2026-08-10T10:00:00Z"));
    const range = "from=2026-08-10&to=2026-08-11";
    expect((await csv(alice, range)).rows.map((r) => r.user_id)).toEqual([String(alice.id)]);
    await expectProblem(
      await call("GET", `/reports/timelog.csv?${range}&user_fk=${bob.id}`, { token: alice.token }),
      403,
    );
    expect((await csv(admin, `${range}&user_fk=${bob.id}`)).rows.map((r) => r.user_id)).toEqual([String(bob.id)]);
    expect((await csv(admin, `${range}&project_fk=${p.id}`)).rows).toHaveLength(2);
  });

  it("rejects bad parameters with 422", async () => {
    const alice = await createUser();
    await expectProblem(
      await call("GET", "/reports/timelog.csv?from=2026-01-02&to=2026-01-01", { token: alice.token }),
      422,
    );
    await expectProblem(
      await call("GET", "/reports/timelog.csv?from=2026-01-01&to=2026-01-02&tz=Nowhere", { token: alice.token }),
      422,
    );
  });

  it("exports more than Neon's 10 MiB response limit in pages, every row once, in order", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const alice = await createUser();
    // 2,800 logs with notes of 1,000 four-byte characters (a note holds 1,000 characters): 11.6 MB
    // of CSV in the fewest rows, since every row costs time (each page's query reads all the rows
    // after its start, up to 5,000, to find where 6 MiB ends): 3,700 three-byte notes took a
    // quarter longer.
    await seedRowsWithoutTriggers(
      "timelog",
      `INSERT INTO timelog (user_fk, project_fk, start_time, end_time, note)
       SELECT $1, $2, t, t + interval '10 minutes', repeat(chr(128512 + g % 80), 1000)
       FROM generate_series(0, 2799) g, LATERAL (SELECT '2025-01-01T00:00:00Z'::timestamptz + g * interval '40 minutes' AS t) x`,
      [alice.id, p.id],
    );
    let res: Response | undefined;
    let bytes = new Uint8Array();
    const trips = await countRoundTrips(async () => {
      res = await call("GET", `/reports/timelog.csv?from=2025-01-01&to=2025-12-31&user_fk=${alice.id}`, {
        token: admin.token,
      });
      bytes = new Uint8Array(await (res as Response).arrayBuffer());
    });
    expect(res?.status).toBe(200);
    expect(bytes.length).toBeGreaterThan(10 * 1024 * 1024);
    // These rows hold no comma, quote or line break (the first test parses such cells), so lines
    // and fields split exactly — where a CSV parser spends seconds on 11 MB.
    const [header, ...lines] = new TextDecoder().decode(bytes).split("\r\n");
    expect(lines.pop()).toBe("");
    const columns = (header ?? "").split(",");
    const rows = lines.map((line) => line.split(","));
    expect(rows).toHaveLength(2_800);
    expect(rows.every((r) => r.length === columns.length)).toBe(true);
    const [id, start, note] = ["id", "start", "note"].map((name) => columns.indexOf(name)) as [number, number, number];
    expect(new Set(rows.map((r) => r[id])).size).toBe(2_800);
    expect(rows.every((r, i) => i === 0 || (rows[i - 1]?.[start] ?? "") < (r[start] ?? ""))).toBe(true);
    // Every note whole: a page cut inside a row would shorten or split one.
    expect(rows.every((r) => [...(r[note] ?? "")].length === 1000)).toBe(true);
    // Pages of about 1,350 rows here, then the last 100: each its own round trip, the first too.
    expect(trips).toBe(3);
  });

  it("notes full of control characters (6 bytes each in Neon's JSON) cannot push a page past 10 MiB", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const mallory = await createUser();
    // 2,500 one-minute logs whose notes are 1,000 × U+0001: 15 MB as Neon would send them.
    await seedRowsWithoutTriggers(
      "timelog",
      `INSERT INTO timelog (user_fk, project_fk, start_time, end_time, note)
       SELECT $1, $2, t, t + interval '1 minute', repeat(chr(1), 1000)
       FROM generate_series(0, 2499) g, LATERAL (SELECT '2024-03-01T00:00:00Z'::timestamptz + g * interval '2 minutes' AS t) x`,
      [mallory.id, p.id],
    );
    const res = await call("GET", `/reports/timelog.csv?from=2024-03-01&to=2024-03-10&user_fk=${mallory.id}`, {
      token: admin.token,
    });
    expect(res.status).toBe(200);
    const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2_500);
  });
});
