// Every email the API sends, by the name the outbox row carries (email_outbox.template). Each area
// adds its templates here: a row whose template is missing fails delivery with that reason.
import type { Template } from "../template";
// Invitations, email verification and change (h-inv)
import { emailChange, emailChangeNotice, emailVerification, invitation } from "./accounts";

export const templates: Record<string, Template> = {
  // Invitations, email verification and change (h-inv)
  invitation,
  email_verification: emailVerification,
  email_change: emailChange,
  email_change_notice: emailChangeNotice,
};
