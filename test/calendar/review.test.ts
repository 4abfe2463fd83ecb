// Review of calendar feeds (issue 24 §4): the edge cache against the rights checked on every read.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import {
  addEntry,
  createProject,
  createSuperuser,
  createTeamWorld,
  createUser,
  minutesAgo,
  putMember,
} from "../helpers/factories";
import { absence, day, makeFeed, readFeed, SICK } from "./helpers";

describe("the edge cache after the owner's rights end", () => {
  // KNOWN LIMIT, documented in README "Calendar feeds" (these tests flip when it is lifted): a feed read once is kept in this data centre's Cache API for FEED_TTL (300 s), and only a
  // replacement or a revocation purges it. Erasure (and deactivation) delete the feed row in SQL
  // (calendar_feed_end_on_deactivation), but nothing purges the cached copy: the erased person's
  // notes and name are served for up to 5 more minutes, where the README promises "deactivated
  // owners ... get the same 404" and "notes on their time logs ... are removed". The fix needs the
  // erase and PATCH /users/{id} routes (outside calendar/) to return the dead feeds' hashes and call
  // forgetFeed, or the cached entry to carry a version the read can check without a round trip.
  it.fails("an erased person's feed is 404 at once, even after it was cached", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const ann = await createUser();
    await addEntry(ann, project.id, minutesAgo(120), minutesAgo(60), "private note");
    const feed = await makeFeed(ann);
    expect((await readFeed(feed.path)).text).toContain("private note");
    expect((await call("POST", `/users/${ann.id}/erase`, { token: admin.token })).status).toBe(200);
    await expectProblem(await call("GET", feed.path), 404);
  });

  // KNOWN LIMIT (README, Calendar feeds: up to 5 minutes): the same for a team feed whose owner is demoted: the route's description says it "stops
  // (404) as soon as you no longer manage the team", but a copy read before is served from the
  // cache (team.test.ts never reads before the demotion, so it does not see this).
  it.fails("a demoted manager's team feed is 404 at once, even after it was cached", async () => {
    const { admin, manager, ann, team } = await createTeamWorld();
    await absence(ann.id, SICK, day(1), day(1), "approved");
    const feed = await makeFeed(manager, team.id);
    await readFeed(feed.path);
    await putMember(admin, team.id, manager.id, "member");
    await expectProblem(await call("GET", feed.path), 404);
  });
});
