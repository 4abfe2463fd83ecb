// A project named in words ("clock me into Acme") becomes an id by reading the projects the caller
// may see, through GET /projects: one more round trip than clocking in by id. The clock-in route
// takes ids only, and a name is not unique enough to be a key there.

import type { Caller } from "./dispatch";
import { ToolProblem } from "./dispatch";

interface Named {
  id: number;
  secret_name: string;
}
interface Page {
  items: Named[];
  next_cursor: string | null;
}

/** Pages of 200; a company with more active projects than this is asked for an id. */
const MAX_PAGES = 5;

export async function projectId(caller: Caller, project: number | string): Promise<number> {
  if (typeof project === "number") return project;
  const wanted = project.trim().toLowerCase();
  const all: Named[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const path: string = `/projects?archived=false&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const answer = (await caller.request("GET", path)) as Page;
    all.push(...answer.items);
    cursor = answer.next_cursor;
    if (cursor === null) break;
  }
  const exact = all.filter((p) => p.secret_name.toLowerCase() === wanted);
  if (exact.length === 1 && exact[0]) return exact[0].id;
  const partial = exact.length > 1 ? exact : all.filter((p) => p.secret_name.toLowerCase().includes(wanted));
  if (partial.length === 1 && partial[0]) return partial[0].id;
  if (partial.length === 0 && /^\d{1,10}$/.test(wanted)) return Number(wanted);
  const candidates = (partial.length > 0 ? partial : all).slice(0, 20).map((p) => ({ id: p.id, name: p.secret_name }));
  const list = candidates.map((p) => `${p.name} (id ${p.id})`).join(", ");
  if (partial.length > 1) {
    throw new ToolProblem(
      422,
      "project_ambiguous",
      `"${project}" matches ${partial.length} projects: ${list}. Ask which one is meant, then pass its id.`,
      { candidates },
    );
  }
  throw new ToolProblem(
    422,
    "project_unknown",
    all.length === 0
      ? `No active project is named "${project}", and there are no active projects.`
      : `No active project is named "${project}". Active projects include: ${list}. Ask which one is meant, then pass its id.`,
    { candidates },
  );
}
