// Issue 23 review B: POST /users/me/email sends mail to an address the caller names; it is
// throttled like the verification link (one a minute, 429 rate_limited), in the database.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createUser, unique } from "../helpers/factories";
import { emailsTo } from "../helpers/mail";

describe("POST /users/me/email", () => {
  it("is throttled like the verification link: not one email per request to any address", async () => {
    const ada = await createUser();
    const targets = [0, 1, 2].map((i) => `victim-${i}-${unique()}@example.com`);
    const statuses: number[] = [];
    for (const email of targets) {
      const res = await call("POST", "/users/me/email", {
        token: ada.token,
        body: { email, current_password: ada.password },
      });
      statuses.push(res.status);
      if (res.status === 429) {
        const problem = await expectProblem(res, 429);
        expect(problem.code).toBe("rate_limited");
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([202, 429, 429]);
    // A refused change sends nothing, to the stranger or the owner's notice.
    expect(await emailsTo(targets[1] ?? "")).toEqual([]);
    expect((await emailsTo(ada.email)).filter((e) => e.template === "email_change_notice")).toHaveLength(1);
  });
});
