import { z } from "@hono/zod-openapi";

const Code = z
  .string()
  .regex(/^\d{6}$/, "six digits")
  .openapi({ example: "123456", description: "the 6-digit code your authenticator app shows now" });
const RecoveryCode = z
  .string()
  .min(1)
  .max(64)
  .openapi({ example: "abcd-efgh-ijkl-mnop", description: "one of your recovery codes (each works once)" });
const oneFactor = (v: { code?: string; recovery_code?: string }) =>
  (v.code === undefined) !== (v.recovery_code === undefined);
const oneFactorMessage = { message: "send either code or recovery_code", path: ["code"] };

export const Enrolment = z
  .object({
    secret: z.string().openapi({ description: "base32, for typing into an authenticator app; shown once" }),
    otpauth_uri: z.string().openapi({ description: "otpauth://totp/… for a QR code" }),
  })
  .openapi("TotpEnrolment");

export const ConfirmBody = z.strictObject({ code: Code }).openapi("TotpConfirm");

export const RecoveryCodes = z
  .object({
    recovery_codes: z
      .array(z.string())
      .openapi({ description: "10 one-time codes for when the authenticator is lost; shown only now" }),
  })
  .openapi("TotpRecoveryCodes");

export const DisableBody = z
  .strictObject({
    code: Code.optional(),
    recovery_code: RecoveryCode.optional(),
    current_password: z.string().max(256),
  })
  .refine(oneFactor, oneFactorMessage)
  .openapi("TotpDisable");

export const LoginOtpBody = z
  .strictObject({
    challenge: z.string().min(1).max(4096).openapi({ description: "from POST /users/login's 401 otp_required" }),
    code: Code.optional(),
    recovery_code: RecoveryCode.optional(),
    device_token: z.string().max(4096).optional().openapi({
      description: "the device_token of an earlier sign-in: this client keeps its own attempt budget",
    }),
  })
  .refine(oneFactor, oneFactorMessage)
  .openapi("LoginOtp");
