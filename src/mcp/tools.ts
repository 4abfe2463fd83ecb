// The tools for one's own time. Each is one route of the API (src/mcp/dispatch.ts), so it answers,
// refuses and audits as that route does; the output schema is the route's own response schema.
import { z } from "@hono/zod-openapi";
import { ProjectPage } from "../projects/schemas";
import { Summary } from "../reports/schemas";
import { Current, SwitchResult, Timelog } from "../timelog/schemas";
import { Timesheet } from "../timesheets/schemas";
import { User } from "../users/schemas";
import type { Caller } from "./dispatch";
import { projectId } from "./projects";
import { Instant, ProjectRef, query, type Tool, tool, Week } from "./tool";

const Note = z.string().max(1000).describe("a short note on the work, in the person's words");
const Extras = {
  task: z.number().int().min(1).optional().describe("a task id of that project (GET /projects/{id}/tasks)"),
  tags: z.array(z.number().int().min(1)).max(20).optional().describe("tag ids"),
  note: Note.optional(),
};
const Start = z.object({ project: ProjectRef, ...Extras });

/** What a clock-in and a switch send: the project (by id, or by name resolved first) and the extras. */
async function startBody(api: Caller, args: z.infer<typeof Start>) {
  return { project_fk: await projectId(api, args.project), task_fk: args.task, tags: args.tags, note: args.note };
}

const TIMES = "Times are RFC 3339 with their offset; durations are whole seconds unless a field says _ms.";

export const ownTools: Tool[] = [
  tool({
    name: "whoami",
    title: "Who am I",
    description:
      "The signed-in person: id, name, email, time zone (IANA; null means the company's) and whether they are a superuser. " +
      "Use it to learn the person's id and zone before reading or writing times.",
    input: z.object({}),
    output: User,
    readOnly: true,
    run: (_args, api) => api.request("GET", "/users/me") as never,
  }),
  tool({
    name: "current_timer",
    title: "Current timer",
    description: `Whether a timer is running for the person now, and that time log (project_fk, start_time, note). ${TIMES}`,
    input: z.object({}),
    output: Current,
    readOnly: true,
    run: (_args, api) => api.request("GET", "/timelog/current") as never,
  }),
  tool({
    name: "clock_in",
    title: "Clock in",
    description:
      "Start a timer now on a project. Fails with already_running when one already runs: use switch_project " +
      "to move to another project instead. A project given by name that matches several projects is an error listing " +
      "them (project_ambiguous): ask the person which one, then call again with its id.",
    input: Start,
    output: Timelog,
    readOnly: false,
    run: async (args, api) => api.request("POST", "/timelog", await startBody(api, args)) as never,
  }),
  tool({
    name: "clock_out",
    title: "Clock out",
    description:
      "Stop the running timer now, or at end (a forgotten timer: 'I stopped at 5pm'). Fails with nothing_open when no timer runs.",
    input: z.object({ end: Instant.optional().describe("when the work stopped, if not now (RFC 3339 with offset)") }),
    output: Timelog,
    readOnly: false,
    run: (args, api) =>
      api.request("POST", "/timelog/close", args.end === undefined ? {} : { end_time: args.end }) as never,
  }),
  tool({
    name: "switch_project",
    title: "Switch project",
    description:
      "Stop the running timer (if any) and start one on another project at the same instant: no gap, no overlap. " +
      "Answers the log started and the one stopped (null when none ran).",
    input: Start,
    output: SwitchResult,
    readOnly: false,
    run: async (args, api) => api.request("POST", "/timelog/switch", await startBody(api, args)) as never,
  }),
  tool({
    name: "log_time",
    title: "Log past time",
    description:
      "Record finished work after the fact ('I worked on Acme from 9 to 12 yesterday'). start and end are RFC 3339 " +
      "with the offset of the person's zone. Time in a submitted or approved week is locked (409).",
    input: z.object({
      project: ProjectRef,
      start: Instant.describe("when the work began (RFC 3339 with offset)"),
      end: Instant.describe("when it ended, after start (RFC 3339 with offset)"),
      note: Note.optional(),
      task: Extras.task,
      tags: Extras.tags,
    }),
    output: Timelog,
    readOnly: false,
    async run(args, api) {
      const project_fk = await projectId(api, args.project);
      return api.request("POST", "/timelog", {
        project_fk,
        start_time: args.start,
        end_time: args.end,
        note: args.note,
        task_fk: args.task,
        tags: args.tags,
      }) as never;
    },
  }),
  tool({
    name: "list_projects",
    title: "List projects",
    description:
      "Projects the person may log time on (active ones unless archived is true), 200 a page: id, secret_name (the " +
      "project's name), client and billing. budget_amount is in minor units of the company currency.",
    input: z.object({
      archived: z.boolean().optional().describe("true: only archived projects; default: only active ones"),
      cursor: z.string().max(200).optional().describe("next_cursor of the previous page"),
    }),
    output: ProjectPage,
    readOnly: true,
    run: (args, api) =>
      api.request(
        "GET",
        `/projects${query({ archived: String(args.archived ?? false), limit: 200, cursor: args.cursor })}`,
      ) as never,
  }),
  tool({
    name: "my_week",
    title: "My week",
    description:
      "The person's timesheet for one ISO week: status (open, submitted, approved, rejected), worked_seconds, " +
      "expected_seconds, balance_seconds (all whole seconds). Without week: this week (UTC).",
    input: z.object({ week: Week.optional() }),
    output: Timesheet,
    readOnly: true,
    async run(args, api) {
      const page = (await api.request("GET", `/timesheets${query({ user_fk: api.userId, from: args.week })}`)) as {
        items: unknown[];
      };
      return page.items[0] as never;
    },
  }),
  tool({
    name: "submit_week",
    title: "Submit my week",
    description:
      "Submit the person's ISO week for approval: its time is then locked until a manager rejects it. Refused while a " +
      "timer runs in the week (timer_running: clock out first) or when already submitted.",
    input: z.object({ week: Week }),
    output: Timesheet,
    readOnly: false,
    run: (args, api) => api.request("POST", `/timesheets/${args.week}/submit`) as never,
  }),
  tool({
    name: "summary",
    title: "Time summary",
    description:
      "Time worked in [from, to), grouped (e.g. 'how many hours did I log last week, per project'). Durations are whole " +
      "MILLISECONDS (total_ms, duration_ms: divide by 3 600 000 for hours); amounts are minor units of the company " +
      "currency. Employees see their own time, managers their teams' (user_fk), superusers everyone's.",
    input: z.object({
      from: z.string().max(40).describe("a date YYYY-MM-DD (midnight in tz) or an RFC 3339 time with offset"),
      to: z.string().max(40).describe("the end, excluded: a date YYYY-MM-DD or an RFC 3339 time with offset"),
      group_by: z
        .array(z.enum(["project", "user", "client", "task", "tag", "day", "week", "month"]))
        .min(1)
        .max(3)
        .default(["project"])
        .describe("up to three groupings, at most one of day, week, month"),
      tz: z.string().max(64).optional().describe("IANA zone for dates and days, e.g. Europe/Berlin; default UTC"),
      user_fk: z.number().int().min(1).optional().describe("one person you manage (default: what you may see)"),
    }),
    output: Summary,
    readOnly: true,
    run: (args, api) =>
      api.request(
        "GET",
        `/reports/summary${query({ from: args.from, to: args.to, group_by: args.group_by.join(","), tz: args.tz, user_fk: args.user_fk })}`,
      ) as never,
  }),
];
