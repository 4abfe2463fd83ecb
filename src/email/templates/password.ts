// Password reset (issue 23 §3): the link, and the notice after any password change.
import { html, oneLine, type Template, tokenLink } from "../template";

export const passwordReset: Template = (data, ctx) => {
  const link = tokenLink(ctx, "/reset-password");
  const name = oneLine(data.username);
  const lines = [
    `Hello ${name},`,
    "someone (hopefully you) asked to reset the password of your TimeLog account. The link works once, for one hour:",
  ];
  const after = "If you did not ask for this, ignore this email: your password stays as it is.";
  return {
    subject: "Reset your TimeLog password",
    text: `${lines.join("\n\n")}\n\n${link}\n\n${after}\n`,
    html: html([...lines, after], { href: link, label: "Choose a new password" }),
  };
};

export const passwordChanged: Template = (data) => {
  const lines = [
    `Hello ${oneLine(data.username)},`,
    "the password of your TimeLog account was just changed. Your sessions elsewhere have ended.",
    "If this was not you, reset your password now and tell your administrator.",
  ];
  return { subject: "Your TimeLog password was changed", text: `${lines.join("\n\n")}\n`, html: html(lines) };
};
