// Locks are the database's: no interleaving of parallel requests lets a change land in a week
// that is submitted or approved. Real parallelism on the PostgreSQL leg; PGlite serialises.
import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { addEntry, createTeamWorld, type Log } from "../helpers/factories";

interface Event {
  kind: string;
  seq: number;
}

describe("locks under parallel requests", () => {
  it("20 edits racing a submit, 20 more racing the approval: the approved week is what was submitted", async () => {
    const { manager, ann, project } = await createTeamWorld();
    const logs: Log[] = [];
    for (let day = 0; day < 5; day++) {
      for (const hour of [8, 13]) {
        const start = new Date(Date.UTC(2026, 8, 28 + day, hour));
        logs.push(await addEntry(ann, project.id, start, new Date(start.getTime() + 3 * 3_600_000)));
      }
    }
    const edit = (log: Log, i: number) =>
      i % 2 === 0
        ? call("PATCH", `/timelog/${log.id}`, { token: ann.token, body: { note: `edit ${i}` } })
        : call("PATCH", `/timelog/${log.id}`, {
            token: manager.token,
            body: { end_time: new Date(Date.parse(log.end_time ?? "") - i * 60_000).toISOString() },
          });
    const editsFor = (offset: number) =>
      logs.flatMap((log, i) => [edit(log, offset + 2 * i), edit(log, offset + 2 * i + 1)]);

    const first = await Promise.all([
      ...editsFor(0),
      call("POST", "/timesheets/2026-W40/submit", { token: ann.token }),
    ]);
    const submit = first.pop() as Response;
    expect(submit.status).toBe(200);
    for (const res of first) expect([200, 409]).toContain(res.status);

    const second = await Promise.all([
      call("POST", `/timesheets/${ann.id}/2026-W40/approve`, { token: manager.token, body: {} }),
      ...editsFor(100),
    ]);
    const approve = second.shift() as Response;
    const approved = (await approve.json()) as { status: string; worked_seconds: number; submitted_seconds: number };
    expect(approved.status).toBe("approved");
    // The week was already submitted: every one of these edits is refused.
    for (const res of second) expect(res.status).toBe(409);

    // What was approved is what was submitted, and what the logs hold now.
    expect(approved.worked_seconds).toBe(approved.submitted_seconds);
    const now = (await (
      await call("GET", `/timelog/?user_fk=${ann.id}&limit=200`, { token: manager.token })
    ).json()) as {
      items: (Log & { locked: boolean })[];
    };
    const seconds = now.items.reduce((s, l) => s + (Date.parse(l.end_time ?? "") - Date.parse(l.start_time)) / 1000, 0);
    expect(seconds).toBe(approved.submitted_seconds);
    expect(now.items.every((l) => l.locked)).toBe(true);
    // The person's audit chain is the order things happened in: no change to a log after the submit.
    const events = (await (
      await call("GET", `/audit/?user_fk=${ann.id}&limit=200`, { token: manager.token })
    ).json()) as {
      items: Event[];
    };
    const submitted = events.items.find((e) => e.kind === "timesheet.submitted")?.seq ?? 0;
    const lastEdit = Math.max(...events.items.filter((e) => e.kind.startsWith("timelog.")).map((e) => e.seq));
    expect(lastEdit).toBeLessThan(submitted);
    const succeeded = first.filter((r) => r.status === 200).length;
    expect(events.items.filter((e) => e.kind === "timelog.updated")).toHaveLength(succeeded);
  });
});
