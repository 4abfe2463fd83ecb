// Every email the API sends, by the name the outbox row carries (email_outbox.template). Each area
// adds its templates here: a row whose template is missing fails delivery with that reason.
import type { Template } from "../template";
// Password reset (issue 23 §3, h-mail)
import { passwordChanged, passwordReset } from "./password";

export const templates: Record<string, Template> = {
  // Password reset (issue 23 §3, h-mail)
  password_reset: passwordReset,
  password_changed: passwordChanged,
};
