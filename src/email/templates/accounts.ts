// Invitations, email verification and email change (issue 23 §2). Names people typed (a username,
// a team's name) go through oneLine() before a subject; the HTML frame escapes every paragraph.
import { html, oneLine, type Template, tokenLink } from "../template";

const text = (lines: string[]) => `${lines.join("\n\n")}\n`;

export const invitation: Template = (data, ctx) => {
  const by = oneLine(data.invited_by) || "An administrator";
  const team = oneLine(data.team);
  const position = oneLine(data.position);
  const link = tokenLink(ctx, "/accept-invitation");
  const lines = [
    `${by} invited you to TimeLog${team ? `, team ${team}` : ""}${position ? ` (${position})` : ""}.`,
    `Choose a username and password to accept: ${link}`,
    "The link works once and for 7 days. If you did not expect this, ignore this email.",
  ];
  return {
    subject: oneLine(`${by} invited you to TimeLog${team ? ` (${team})` : ""}`, 120),
    text: text(lines),
    html: html([lines[0] ?? "", lines[2] ?? ""], { href: link, label: "Accept the invitation" }),
  };
};

export const emailVerification: Template = (data, ctx) => {
  const link = tokenLink(ctx, "/verify-email");
  const lines = [
    `Hello ${oneLine(data.username)},`,
    `Please confirm that this is your email address: ${link}`,
    "The link works once and for 24 hours. If you did not create a TimeLog account, ignore this email.",
  ];
  return {
    subject: "Confirm your email address for TimeLog",
    text: text(lines),
    html: html([lines[0] ?? "", lines[2] ?? ""], { href: link, label: "Confirm my address" }),
  };
};

export const emailChange: Template = (data, ctx) => {
  const link = tokenLink(ctx, "/confirm-email");
  const lines = [
    `Hello ${oneLine(data.username)},`,
    `Your TimeLog account asked to use this address from now on. Confirm it: ${link}`,
    "The link works once and for 24 hours. If you did not ask for this, ignore this email.",
  ];
  return {
    subject: "Confirm your new email address for TimeLog",
    text: text(lines),
    html: html([lines[0] ?? "", lines[2] ?? ""], { href: link, label: "Confirm the new address" }),
  };
};

export const emailChangeNotice: Template = (data) => {
  const lines = [
    `Hello ${oneLine(data.username)},`,
    "Someone signed in to your TimeLog account asked to move it to another email address. It changes only when the new address is confirmed.",
    "If this was not you, change your password now and tell your administrator.",
  ];
  return { subject: "Your TimeLog email address is being changed", text: text(lines), html: html(lines) };
};
