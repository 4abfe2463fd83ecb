// Notices of two-factor sign-in being turned on or off (issue 23 §4, h-otp): no link, no secret;
// they tell the owner in case it was not them.
import { html, type Template } from "../template";

const notice =
  (subject: string, what: string): Template =>
  () => {
    const lines = [what, "If this was not you, change your password now and ask an administrator for help."];
    return { subject, text: `${lines.join("\n\n")}\n`, html: html(lines) };
  };

export const twoFactorEnabled = notice(
  "Two-factor sign-in is on",
  "Two-factor sign-in was turned on for your TimeLog account: signing in now also asks for a code from your authenticator app.",
);

export const twoFactorDisabled = notice(
  "Two-factor sign-in is off",
  "Two-factor sign-in was turned off for your TimeLog account: signing in asks only for your password now.",
);
