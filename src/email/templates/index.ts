// Every email the API sends, by the name the outbox row carries (email_outbox.template). Each area
// adds its templates here: a row whose template is missing fails delivery with that reason.
import type { Template } from "../template";
// Two-factor sign-in notices (issue 23 §4, h-otp)
import { twoFactorDisabled, twoFactorEnabled } from "./two-factor";

export const templates: Record<string, Template> = {
  // Two-factor sign-in notices (issue 23 §4, h-otp)
  two_factor_enabled: twoFactorEnabled,
  two_factor_disabled: twoFactorDisabled,
};
