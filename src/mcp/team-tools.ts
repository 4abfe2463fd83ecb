// The tools for managers: deciding their people's submitted weeks. The routes refuse anyone who
// does not manage the person (403) and one's own week, so these need no check of their own.
import { z } from "@hono/zod-openapi";
import { RunningPage } from "../timelog/running";
import { Timesheet } from "../timesheets/schemas";
import { query, type Tool, tool, Week } from "./tool";

const Person = z.number().int().min(1).describe("the person's user id (user_fk in summaries and timesheets)");
const Comment = z.string().max(1000);

export const managerTools: Tool[] = [
  tool({
    name: "team_status",
    title: "Who is clocked in",
    description:
      "Who among the people you manage (everyone, for a superuser) is clocked in now, and on what: username, " +
      "project_name and the running log (start_time is RFC 3339; elapsed time is now minus start_time). Someone " +
      "not listed is not clocked in. An empty list for someone who manages nobody.",
    input: z.object({ cursor: z.string().max(200).optional().describe("next_cursor of the previous page") }),
    output: RunningPage,
    readOnly: true,
    run: (args, api) => api.request("GET", `/timelog/running${query({ limit: 200, cursor: args.cursor })}`) as never,
  }),
  tool({
    name: "approve_week",
    title: "Approve a week",
    description:
      "Approve a submitted ISO week of someone you manage (never your own). Refused unless the week is submitted (409) " +
      "or when you do not manage the person (403).",
    input: z.object({ user_id: Person, week: Week, comment: Comment.optional().describe("optional, for the person") }),
    output: Timesheet,
    readOnly: false,
    run: (args, api) =>
      api.request("POST", `/timesheets/${args.user_id}/${args.week}/approve`, {
        comment: args.comment,
      }) as never,
  }),
  tool({
    name: "reject_week",
    title: "Reject a week",
    description:
      "Send a submitted ISO week of someone you manage back to them, unlocked, with a comment saying what to fix.",
    input: z.object({ user_id: Person, week: Week, comment: Comment.min(1).describe("what the person should fix") }),
    output: Timesheet,
    readOnly: false,
    run: (args, api) =>
      api.request("POST", `/timesheets/${args.user_id}/${args.week}/reject`, { comment: args.comment }) as never,
  }),
];
