// A project's tasks: created, listed and deleted through their own project only.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createProject, createSuperuser, createUser, type TestUser } from "../helpers/factories";

interface Task {
  id: number;
  project_fk: number;
  name: string;
  is_archived: boolean;
  created_at: string;
}

async function createTask(admin: TestUser, projectId: number, name: string) {
  const res = await call("POST", `/projects/${projectId}/tasks`, { token: admin.token, body: { name } });
  if (res.status !== 201) throw new Error(`task failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Task;
}

const tasksOf = async (user: TestUser, projectId: number) => {
  const res = await call("GET", `/projects/${projectId}/tasks`, { token: user.token });
  if (res.status !== 200) throw new Error(`tasks failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { items: Task[] }).items;
};

describe("tasks", () => {
  it("creating refuses a name taken in the project (any case), a non-superuser and an unknown project", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const project = await createProject(admin);
    const other = await createProject(admin);
    const design = await createTask(admin, project.id, "Design");
    const post = (who: TestUser, id: number, name: string) =>
      call("POST", `/projects/${id}/tasks`, { token: who.token, body: { name } });
    expect((await expectProblem(await post(admin, project.id, "DESIGN"), 409)).code).toBe("name_taken");
    expect((await expectProblem(await post(alice, project.id, "Review"), 403)).code).toBe("superuser_required");
    expect((await expectProblem(await post(admin, 999999, "Review"), 404)).code).toBe("not_found");
    await expectProblem(await post(admin, project.id, ""), 422);
    expect(await tasksOf(alice, project.id)).toEqual([design]);
    // The same name in another project is another task.
    expect((await post(admin, other.id, "Design")).status).toBe(201);
  });

  it("listing an unknown project's tasks is 404, not an empty page", async () => {
    const alice = await createUser();
    const res = await call("GET", "/projects/999999/tasks", { token: alice.token });
    expect((await expectProblem(res, 404)).code).toBe("not_found");
    await expectProblem(await call("GET", "/projects/1/tasks?limit=0", { token: alice.token }), 422);
  });

  it("a task no log carries is deleted; through another project it is not found and stays", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const project = await createProject(admin);
    const other = await createProject(admin);
    const [draft, keep] = [await createTask(admin, project.id, "Draft"), await createTask(admin, project.id, "Keep")];
    const elsewhere = await call("DELETE", `/projects/${other.id}/tasks/${draft.id}`, { token: admin.token });
    await expectProblem(elsewhere, 404);
    await expectProblem(await call("DELETE", `/projects/${project.id}/tasks/${draft.id}`, { token: alice.token }), 403);
    expect(await tasksOf(alice, project.id)).toEqual([draft, keep]);
    const res = await call("DELETE", `/projects/${project.id}/tasks/${draft.id}`, { token: admin.token });
    expect(res.status).toBe(204);
    expect(await tasksOf(alice, project.id)).toEqual([keep]);
    const again = await call("DELETE", `/projects/${project.id}/tasks/${draft.id}`, { token: admin.token });
    await expectProblem(again, 404);
  });
});
