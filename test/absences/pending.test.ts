// A week is submitted only once the requests in it are decided (issue 22 review F7): its lock would
// otherwise leave them requested for ever — neither approvable, rejectable nor cancellable.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createTeamWorld, seedSql } from "../helpers/factories";
import { act, request, requested, SICK } from "./helpers";

const submit = (who: { token: string }, week: string) =>
  call("POST", `/timesheets/${week}/submit`, { token: who.token });

describe("requested absences and submitting a week", () => {
  it("a requested absence in the week refuses the submit (absence_pending) until it is decided", async () => {
    const { manager, ann } = await createTeamWorld();
    await seedSql("UPDATE app_user SET time_zone = 'UTC' WHERE id = $1", [ann.id]);
    const a = await requested(ann, { from: "2026-11-04", to: "2026-11-04" }); // 2026-W45
    const b = await requested(ann, { from: "2026-11-08", to: "2026-11-10" }); // Sun W45 – Tue W46
    expect(await requested(ann, { type_fk: SICK, from: "2026-11-05", to: "2026-11-05" })).toMatchObject({
      status: "approved",
    });
    let res: Response | undefined;
    expect(
      await countRoundTrips(async () => {
        res = await submit(ann, "2026-W45");
      }),
    ).toBe(1);
    expect(await expectProblem(res as Response, 409)).toMatchObject({ code: "absence_pending", absence_id: a.id });
    expect((await act(manager, a.id, "approve")).status).toBe(200);
    // The one straddling the week's end counts as well.
    expect(await expectProblem(await submit(ann, "2026-W45"), 409)).toMatchObject({ absence_id: b.id });
    expect((await act(manager, b.id, "reject", { comment: "no" })).status).toBe(200);
    expect((await submit(ann, "2026-W45")).status).toBe(200);
    // Another person's request or an earlier week's does not hold this week.
    const other = await requested(manager, { from: "2026-11-17", to: "2026-11-17" });
    expect((await requested(ann, { from: "2026-11-13", to: "2026-11-13" })).status).toBe("requested"); // W46
    expect(other.status).toBe("requested");
    expect(await expectProblem(await submit(manager, "2026-W47"), 409)).toMatchObject({ absence_id: other.id });
    expect((await submit(ann, "2026-W47")).status).toBe(200);
  });

  it("a request racing a submit: never a requested absence inside a submitted week", async () => {
    const { ann } = await createTeamWorld();
    const [asked, submitted] = await Promise.all([
      request(ann, { from: "2026-10-28", to: "2026-10-28" }), // 2026-W44
      submit(ann, "2026-W44"),
    ]);
    if (asked.status === 201) {
      expect(submitted.status).toBe(409);
      expect((await submitted.json()) as { code: string }).toMatchObject({ code: "absence_pending" });
    } else {
      expect(submitted.status).toBe(200);
      expect((await asked.json()) as { code: string }).toMatchObject({ code: "period_locked" });
    }
  });
});
