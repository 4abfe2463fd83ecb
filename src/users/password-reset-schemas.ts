import { z } from "@hono/zod-openapi";
import { Password } from "./schemas";

export const PasswordResetRequest = z
  .strictObject({ email: z.email().max(320).openapi({ example: "ada@example.com" }) })
  .openapi("PasswordResetRequest");

/** The one answer, whether or not an account uses the address (no enumeration). */
export const PasswordResetAccepted = z.object({ message: z.string() }).openapi("PasswordResetAccepted");
export const RESET_ACCEPTED = {
  message: "If an account uses this address, a link to choose a new password is on its way. It works for one hour.",
};

export const PasswordResetConfirm = z
  .strictObject({
    token: z.string().min(1).max(200).openapi({ description: "from the link's fragment (#token=…)" }),
    password: Password,
  })
  .openapi("PasswordResetConfirm");
