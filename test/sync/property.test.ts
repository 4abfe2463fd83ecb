// THE sync property (issue 24 §1): two devices of one person and their manager's device sync at
// random points while the person, the manager and a superuser write (logs, absences, projects,
// archiving, team membership). Once everyone has caught up, each device's cache (upserts and
// deletes applied to a map keyed type + id) equals a fresh snapshot from a cursor-less /sync.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { addEntry, createProject, createTeamWorld, putMember, type TestUser } from "../helpers/factories";
import { Device, fresh } from "./device";

type Op =
  | { kind: "log"; by: "ann" | "manager" }
  | { kind: "edit"; n: number }
  | { kind: "delete"; n: number }
  | { kind: "cancel"; n: number }
  | { kind: "absence" }
  | { kind: "project" }
  | { kind: "archive"; n: number; archived: boolean }
  | { kind: "membership" }
  | { kind: "sync"; device: number; pages: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("log" as const), by: fc.constantFrom("ann" as const, "manager" as const) }),
  fc.record({ kind: fc.constant("edit" as const), n: fc.nat(20) }),
  fc.record({ kind: fc.constant("delete" as const), n: fc.nat(20) }),
  fc.record({ kind: fc.constant("cancel" as const), n: fc.nat(20) }),
  fc.record({ kind: fc.constant("absence" as const) }),
  fc.record({ kind: fc.constant("project" as const) }),
  fc.record({ kind: fc.constant("archive" as const), n: fc.nat(20), archived: fc.boolean() }),
  fc.record({ kind: fc.constant("membership" as const) }),
  fc.record({ kind: fc.constant("sync" as const), device: fc.nat(2), pages: fc.integer({ min: 1, max: 3 }) }),
);

let world: Awaited<ReturnType<typeof createTeamWorld>>;
let slot = 0;
let day = 0;
/** Whether ann is in the manager's team now (runs carry on from the last run's world). */
let member = true;
beforeAll(async () => {
  world = await createTeamWorld();
});

const ok = (res: Response, ...statuses: number[]) => {
  if (!statuses.includes(res.status)) throw new Error(`unexpected ${res.status}`);
};

describe("sync property", () => {
  it("every device ends equal to a fresh snapshot, whatever was written between its syncs", async () => {
    const { admin, manager, ann, team, project } = world;
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 4, maxLength: 12 }),
        fc.integer({ min: 5, max: 40 }),
        fc.nat(5),
        async (ops, limit, fresh0) => {
          const devices = [new Device(ann, limit), new Device(ann, limit), new Device(manager, limit)];
          // Most runs start from devices that hold everything (a run may also start one afresh).
          for (const [i, device] of devices.entries()) if (i !== fresh0) await device.drain();
          const logs: { id: number; owner: TestUser }[] = [];
          const absences: number[] = [];
          const projects: number[] = [];
          for (const o of ops) {
            if (o.kind === "log") {
              const owner = o.by === "ann" ? ann : manager;
              // Each log its own 10-minute slot, so no two overlap.
              const start = new Date(Date.UTC(2026, 10, 1) + slot++ * 15 * 60_000);
              logs.push({
                id: (await addEntry(owner, project.id, start, new Date(start.getTime() + 600_000))).id,
                owner,
              });
            } else if (o.kind === "edit" || o.kind === "delete") {
              const log = logs[o.n % Math.max(logs.length, 1)];
              if (!log) continue;
              const res =
                o.kind === "edit"
                  ? await call("PATCH", `/timelog/${log.id}`, { token: log.owner.token, body: { note: `n${o.n}` } })
                  : await call("DELETE", `/timelog/${log.id}`, { token: log.owner.token });
              ok(res, 200, 204, 404);
            } else if (o.kind === "absence") {
              const from = new Date(Date.UTC(2030, 0, 1) + day++ * 86_400_000).toISOString().slice(0, 10);
              const res = await call("POST", "/absences", { token: ann.token, body: { type_fk: 2, from, to: from } });
              ok(res, 201);
              absences.push(((await res.json()) as { id: number }).id);
            } else if (o.kind === "cancel") {
              const id = absences[o.n % Math.max(absences.length, 1)];
              if (id !== undefined)
                ok(await call("POST", `/absences/${id}/cancel`, { token: ann.token, body: {} }), 200, 409);
            } else if (o.kind === "project") {
              projects.push((await createProject(admin)).id);
            } else if (o.kind === "archive") {
              const id = projects[o.n % Math.max(projects.length, 1)];
              if (id !== undefined)
                ok(
                  await call("PATCH", `/projects/${id}`, { token: admin.token, body: { is_archived: o.archived } }),
                  200,
                );
            } else if (o.kind === "membership") {
              if (member) ok(await call("DELETE", `/teams/${team.id}/members/${ann.id}`, { token: admin.token }), 204);
              else await putMember(admin, team.id, ann.id, "member");
              member = !member;
            } else {
              const device = devices[o.device];
              for (let i = 0; i < o.pages && device; i++) if (!(await device.step())) break;
            }
          }
          for (const device of devices) {
            await device.drain();
            expect(device.view()).toEqual(await fresh(device.user));
          }
        },
      ),
      { numRuns: 20 },
    );
  }, 120_000);
});
