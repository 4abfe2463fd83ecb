// Review of GET /sync (issue 24 §1): lost sight through a deleted team, and no colleague's ids leaking
// as deletes when somebody joins or leaves a team.
import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { addEntry, createTeamWorld, createUser, minutesAgo, putMember } from "../helpers/factories";
import { enableTwoFactor } from "../two-factor/helpers";
import { Device, fresh, page } from "./device";

const personal = /^(timelog|absence|timesheet):/;

describe("GET /sync: sight through teams", () => {
  it("a deleted team: the manager's device drops the members' logs", async () => {
    const { admin, manager, ann, team, project } = await createTeamWorld();
    const log = await addEntry(ann, project.id, minutesAgo(100), minutesAgo(90));
    const boss = await new Device(manager).drain();
    expect(boss.keys("timelog")).toContain(String(log.id));
    expect((await call("DELETE", `/teams/${team.id}`, { token: admin.token })).status).toBe(204);
    await boss.drain();
    expect(boss.keys("timelog")).not.toContain(String(log.id));
    expect(boss.view()).toEqual(await fresh(manager));
  });

  it("a demoted manager's next page deletes the people they no longer manage", async () => {
    const { admin, manager, ann, team, project } = await createTeamWorld();
    const log = await addEntry(ann, project.id, minutesAgo(100), minutesAgo(90));
    const boss = await new Device(manager).drain();
    expect(boss.keys("timelog")).toContain(String(log.id));
    await putMember(admin, team.id, manager.id, "member");
    await boss.drain();
    expect(boss.keys("timelog")).not.toContain(String(log.id));
    expect(boss.view()).toEqual(await fresh(manager));
  });

  it("a colleague joining or leaving the team sends a member nothing about anyone's logs, absences or weeks", async () => {
    const { admin, ann, bob, team, project } = await createTeamWorld();
    const carol = await createUser();
    await addEntry(carol, project.id, minutesAgo(100), minutesAgo(90));
    await addEntry(bob, project.id, minutesAgo(100), minutesAgo(90));
    const annDevice = await new Device(ann).drain();
    const carolDevice = await new Device(carol).drain();
    await putMember(admin, team.id, carol.id, "member");
    expect((await call("DELETE", `/teams/${team.id}/members/${bob.id}`, { token: admin.token })).status).toBe(204);
    const seenByAnn = (await page(ann, annDevice.cursor)).changes.map((c) => `${c.type}:${c.id}`);
    expect(seenByAnn.filter((k) => personal.test(k))).toEqual([]);
    const seenByCarol = (await page(carol, carolDevice.cursor)).changes.map((c) => `${c.type}:${c.id}`);
    expect(seenByCarol.filter((k) => personal.test(k))).toEqual([]);
  });

  it("turning on two-factor re-sends the user (two_factor_enabled is in user_json)", async () => {
    const { ann } = await createTeamWorld();
    const device = await new Device(ann).drain();
    expect(device.cache.get(`user:${ann.id}`)?.data?.two_factor_enabled).toBe(false);
    await enableTwoFactor(ann);
    await device.drain();
    expect(device.cache.get(`user:${ann.id}`)?.data?.two_factor_enabled).toBe(true);
  });
});
