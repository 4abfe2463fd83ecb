import { z } from "@hono/zod-openapi";
import { pageSchema } from "../lib/page";
import { Id, WeeklyHours, Zone } from "../lib/schemas";

export const Email = z.email().max(320).openapi({ example: "ada@example.com" });
export const Username = z.string().trim().min(1).max(25).openapi({ example: "ada" });
// NIST SP 800-63B: length is the rule (at least 8, long passphrases welcome), no composition rules.
export const Password = z
  .string()
  .min(8, "at least 8 characters")
  .max(256)
  .openapi({ example: "correct horse battery" });

export const User = z
  .object({
    id: Id,
    email: z.string(),
    username: z.string(),
    position_fk: Id,
    is_active: z.boolean(),
    is_superuser: z.boolean(),
    is_verified: z.boolean().openapi({ description: "the same as email_verified (kept for existing clients)" }),
    email_verified: z
      .boolean()
      .openapi({ description: "the person confirmed their email address (or accepted an invitation)" }),
    two_factor_enabled: z.boolean().openapi({ description: "sign-in asks for a TOTP code after the password" }),
    registered_at: z.iso.datetime({ offset: true }),
    time_zone: z.string().nullable().openapi({ description: "IANA; null: the company's default_time_zone" }),
    weekly_hours: z.number().nullable().openapi({ description: "expected hours a week; null: the position's" }),
    holiday_calendar_fk: Id.nullable().openapi({ description: "this person's public holidays; null: the company's" }),
    erased: z.boolean().openapi({ description: "erased (GDPR): name and email are a pseudonym, the records stay" }),
  })
  .openapi("User");
export type User = z.infer<typeof User>;

export const UpdatedMe = User.extend({
  tokens_revoked: z.number().int().min(0).optional().openapi({
    description: "present when the password changed: how many of your API tokens were revoked with it",
  }),
}).openapi("UpdatedMe");
export type UpdatedMe = z.infer<typeof UpdatedMe>;

export const UserWithPosition = User.extend({ position_title: z.string() }).openapi("UserWithPosition");
export type UserWithPosition = z.infer<typeof UserWithPosition>;

export const Register = z
  .strictObject({ email: Email, username: Username, password: Password, position_fk: Id })
  .openapi("Register");

const DeviceToken = z
  .string()
  .max(4096)
  .optional()
  .openapi({ description: "the device_token of an earlier sign-in: this client keeps its own attempt budget" });
const TurnstileToken = z.string().max(2048).optional().openapi({
  description:
    "a Cloudflare Turnstile token: lets a client without a device token sign in while the account is over its budget for unknown clients (429 turnstile_required)",
});
export const LoginJson = z
  .strictObject({
    email: z.string().max(320),
    password: z.string().max(256),
    device_token: DeviceToken,
    turnstile_token: TurnstileToken,
  })
  .openapi("Login");
/** The old service's OAuth2-style form: `username` carries the email. */
export const LoginForm = z
  .object({
    username: z.string().max(320),
    password: z.string().max(256),
    device_token: DeviceToken,
    turnstile_token: TurnstileToken,
  })
  .openapi("LoginForm");

export const TokenPair = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal("bearer"),
    expires_in: z.number().int(),
    device_token: z.string().optional().openapi({
      description: "login responses only: send it with later sign-ins from this device (browsers get device_cookie)",
    }),
  })
  .openapi("TokenPair");

export const RefreshBody = z.strictObject({ refresh_token: z.string().min(1).max(4096) }).openapi("Refresh");

export const UpdateMe = z
  .strictObject({
    username: Username.optional(),
    time_zone: Zone.nullable().optional().openapi({ description: "your weeks run Monday to Monday here" }),
    password: Password.optional(),
    current_password: z.string().max(256).optional(),
    revoke_tokens: z.boolean().default(true).openapi({
      description:
        "with a new password: also revoke all your API tokens (default). false keeps them; the answer's tokens_revoked says how many went",
    }),
  })
  .refine((b) => b.password === undefined || b.current_password !== undefined, {
    message: "current_password is required to change the password",
    path: ["current_password"],
  })
  .refine((b) => b.password !== undefined || b.username !== undefined || b.time_zone !== undefined, {
    message: "nothing to change",
  })
  .openapi("UpdateMe");

export const UpdateUser = z
  .strictObject({
    username: Username.optional(),
    position_fk: Id.optional(),
    is_active: z.boolean().optional(),
    is_superuser: z.boolean().optional(),
    is_verified: z.boolean().optional(),
    time_zone: Zone.nullable().optional(),
    weekly_hours: WeeklyHours.nullable().optional(),
    holiday_calendar_fk: Id.nullable()
      .optional()
      .openapi({ description: "null: the company's calendar; an unknown id is 422 unknown_holiday_calendar" }),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("UpdateUser");

export const UserPage = pageSchema(UserWithPosition, "UserPage");
