// GET /sync: snapshot paging, every type, deletes, round trips, cursors.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { addEntry, createTeamWorld, minutesAgo } from "../helpers/factories";
import { Device, fresh, page } from "./device";

describe("GET /sync", () => {
  it("pages a snapshot, then carries on with changes, one round trip a page", async () => {
    const { admin, manager, ann, project } = await createTeamWorld();
    const logs = [];
    for (let i = 0; i < 5; i++)
      logs.push(await addEntry(ann, project.id, minutesAgo(600 - i * 60), minutesAgo(590 - i * 60)));
    const device = new Device(ann, 3);
    let trips = 0;
    for (let i = 0; i < 50; i++) {
      let more = false;
      trips += await countRoundTrips(async () => (more = await device.step()));
      if (!more) break;
    }
    expect(trips).toBe(device.pages);
    expect(device.pages).toBeGreaterThan(3);
    expect(device.keys("timelog").sort()).toEqual(logs.map((l) => String(l.id)).sort());
    expect(device.view()).toEqual(await fresh(ann));
    void admin;
    void manager;
  });
});
