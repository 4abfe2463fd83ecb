// Every email the API sends, by the name the outbox row carries (email_outbox.template). Each area
// adds its templates here: a row whose template is missing fails delivery with that reason.
import type { Template } from "../template";
// Reminders (issue 23 §5, h-rem)
import { absencePending, timerForgotten, timesheetOverdue } from "./reminders";

export const templates: Record<string, Template> = {
  // Reminders (issue 23 §5, h-rem)
  timer_forgotten: timerForgotten,
  timesheet_overdue: timesheetOverdue,
  absence_pending: absencePending,
};
