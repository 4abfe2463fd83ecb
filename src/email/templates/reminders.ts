// Reminder emails (issue 23 §5), queued by reminders_run() (migrations/0040). Times come from the
// database already in the recipient's zone (…_local, with time_zone beside them); links are plain
// paths into the front end, no token: the person signs in as usual.
import { html, oneLine, type Template } from "../template";

const text = (lines: string[]) => `${lines.join("\n\n")}\n`;
const zoned = (data: Record<string, unknown>, key: string) => `${oneLine(data[key])} (${oneLine(data.time_zone)})`;

export const timerForgotten: Template = (data, ctx) => {
  const link = `${ctx.appUrl}/timer`;
  const lines = [
    `Your timer has been running since ${zoned(data, "started_local")}, for ${Number(data.hours)} hours.`,
    "If you forgot to stop it, stop it now and correct the end time.",
  ];
  return {
    subject: "Your timer is still running",
    text: text([...lines, link]),
    html: html(lines, { href: link, label: "Open the timer" }),
  };
};

export const timesheetOverdue: Template = (data, ctx) => {
  const week = oneLine(data.week, 10);
  const link = `${ctx.appUrl}/timesheets/${encodeURIComponent(week)}`;
  const rejected = data.status === "rejected";
  const lines = [
    rejected
      ? `Your timesheet for ${week} was sent back and is not submitted again yet; it was due ${zoned(data, "due_local")}.`
      : `Your timesheet for ${week} is not submitted yet; it was due ${zoned(data, "due_local")}.`,
    "Please check your time and submit the week.",
  ];
  return {
    subject: `Timesheet ${week} is overdue`,
    text: text([...lines, link]),
    html: html(lines, { href: link, label: `Open ${week}` }),
  };
};

export const absencePending: Template = (data, ctx) => {
  const link = `${ctx.appUrl}/absences/${Number(data.absence_fk)}`;
  // The name is what a person typed: one line in the subject, escaped by html() in the body.
  const person = oneLine(data.person, 40);
  const lines = [
    `${person} asked for an absence from ${oneLine(data.from, 10)} to ${oneLine(data.to, 10)} on ${zoned(data, "requested_local")}.`,
    "It is still waiting for your decision: please approve or reject it.",
  ];
  return {
    subject: `An absence of ${person} is waiting for your decision`,
    text: text([...lines, link]),
    html: html(lines, { href: link, label: "Review the absence" }),
  };
};
