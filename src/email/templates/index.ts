// Every email the API sends, by the name the outbox row carries (email_outbox.template). Each area
// adds its templates here: a row whose template is missing fails delivery with that reason.
import type { Template } from "../template";
// Invitations, email verification and change (h-inv)
import { emailChange, emailChangeNotice, emailVerification, invitation } from "./accounts";
// Password reset (issue 23 §3, h-mail)
import { passwordChanged, passwordReset } from "./password";
// Reminders (issue 23 §5, h-rem)
import { absencePending, timerForgotten, timesheetOverdue } from "./reminders";
// Two-factor sign-in notices (issue 23 §4, h-otp)
import { twoFactorDisabled, twoFactorEnabled } from "./two-factor";

export const templates: Record<string, Template> = {
  // Password reset (issue 23 §3, h-mail)
  password_reset: passwordReset,
  password_changed: passwordChanged,
  // Invitations, email verification and change (h-inv)
  invitation,
  email_verification: emailVerification,
  email_change: emailChange,
  email_change_notice: emailChangeNotice,
  // Reminders (issue 23 §5, h-rem)
  timer_forgotten: timerForgotten,
  timesheet_overdue: timesheetOverdue,
  absence_pending: absencePending,
  // Two-factor sign-in notices (issue 23 §4, h-otp)
  two_factor_enabled: twoFactorEnabled,
  two_factor_disabled: twoFactorDisabled,
};
