// Clients as a list: everyone signed in reads it a page at a time, archived ones apart on request.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createSuperuser, createUser, type TestUser } from "../helpers/factories";

interface Client {
  id: number;
  name: string;
  is_archived: boolean;
  created_at: string;
}
interface Page {
  items: Client[];
  next_cursor: string | null;
}

/** Names are unique in the file's database, whose clients every test here shares. */
async function createClient(admin: TestUser, body: { name: string; is_archived?: boolean }) {
  const name = `${body.name} ${crypto.randomUUID().slice(0, 8)}`;
  const res = await call("POST", "/clients/", { token: admin.token, body: { ...body, name } });
  if (res.status !== 201) throw new Error(`client failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Client;
}

const list = async (user: TestUser, qs = "") => {
  const res = await call("GET", `/clients?${qs}`, { token: user.token });
  if (res.status !== 200) throw new Error(`list failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Page;
};

/** Every client, two to a page; only `mine` of them, since other tests add their own. */
async function everyClient(user: TestUser, mine: Client[], qs = "") {
  const all: Client[] = [];
  for (let cursor = ""; ; ) {
    const page = await list(user, `limit=2${qs}${cursor && `&cursor=${cursor}`}`);
    all.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  expect(all.map((c) => c.id)).toEqual([...new Set(all.map((c) => c.id))].sort((a, b) => a - b));
  return all.filter((c) => mine.some((m) => m.id === c.id));
}

describe("GET /clients", () => {
  it("any signed-in user pages through every client once, in id order; archived=… filters", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const acme = await createClient(admin, { name: "Acme" });
    const globex = await createClient(admin, { name: "Globex", is_archived: true });
    const initech = await createClient(admin, { name: "Initech" });
    const mine = [acme, globex, initech];
    expect(await everyClient(alice, mine)).toEqual(mine);
    expect(await everyClient(alice, mine, "&archived=true")).toEqual([globex]);
    expect(await everyClient(alice, mine, "&archived=false")).toEqual([acme, initech]);
  });

  it("refuses a bad limit, a cursor it never gave out and an unknown filter value (422)", async () => {
    const alice = await createUser();
    await expectProblem(await call("GET", "/clients?limit=0", { token: alice.token }), 422);
    await expectProblem(await call("GET", "/clients?limit=100000", { token: alice.token }), 422);
    const cursor = await expectProblem(await call("GET", "/clients?cursor=42", { token: alice.token }), 422);
    expect(cursor.code).toBe("invalid_cursor");
    await expectProblem(await call("GET", "/clients?archived=maybe", { token: alice.token }), 422);
    await expectProblem(await call("GET", "/clients"), 401);
  });
});

describe("one client", () => {
  it("reads one by id; an unknown id is 404", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const acme = await createClient(admin, { name: "Acme" });
    expect(await (await call("GET", `/clients/${acme.id}`, { token: alice.token })).json()).toEqual(acme);
    expect((await expectProblem(await call("GET", "/clients/999999", { token: alice.token }), 404)).code).toBe(
      "not_found",
    );
  });

  it("renaming refuses a taken name (any case), a non-superuser and an unknown id; none changes it", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const acme = await createClient(admin, { name: "Acme" });
    const globex = await createClient(admin, { name: "Globex" });
    const patch = (who: TestUser, id: number, body: unknown) =>
      call("PATCH", `/clients/${id}`, { token: who.token, body });
    const taken = await patch(admin, globex.id, { name: acme.name.toUpperCase() });
    expect((await expectProblem(taken, 409)).code).toBe("name_taken");
    const denied = await expectProblem(await patch(alice, globex.id, { is_archived: true }), 403);
    expect(denied.code).toBe("superuser_required");
    await expectProblem(await patch(admin, 999999, { name: "Ghost" }), 404);
    await expectProblem(await patch(admin, globex.id, {}), 422);
    expect(await everyClient(alice, [acme, globex])).toEqual([acme, globex]);
  });

  it("a client no project names is deleted; then it is gone, and deleting again is 404", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const acme = await createClient(admin, { name: "Acme" });
    const gone = await createClient(admin, { name: "Gone" });
    await expectProblem(await call("DELETE", `/clients/${gone.id}`, { token: alice.token }), 403);
    expect((await call("DELETE", `/clients/${gone.id}`, { token: admin.token })).status).toBe(204);
    await expectProblem(await call("GET", `/clients/${gone.id}`, { token: alice.token }), 404);
    expect(await everyClient(alice, [acme, gone])).toEqual([acme]);
    await expectProblem(await call("DELETE", `/clients/${gone.id}`, { token: admin.token }), 404);
  });
});
