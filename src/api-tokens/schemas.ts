import { z } from "@hono/zod-openapi";
import { SCOPES } from "../lib/api-token";
import { PageQuery, pageSchema } from "../lib/page";
import { Id, MAX_INT, Timestamp } from "../lib/schemas";
import { DateTime } from "../projects/schemas";

export const ApiToken = z
  .object({
    id: Id,
    user_fk: Id,
    name: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    prefix: z.string().openapi({ description: "the token's first characters, to tell tokens apart" }),
    created_at: Timestamp,
    last_used_at: Timestamp.nullable().openapi({ description: "to the minute" }),
    expires_at: Timestamp.nullable(),
  })
  .openapi("ApiToken");
export type ApiToken = z.infer<typeof ApiToken>;
export const ApiTokenPage = pageSchema(ApiToken, "ApiTokenPage");

export const NewApiToken = ApiToken.extend({
  token: z.string().openapi({ description: "shown once: only its hash is stored", example: "tl_pat_42_…" }),
}).openapi("NewApiToken");

export const CreateApiToken = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    scopes: z
      .array(z.enum(SCOPES))
      .min(1)
      .max(SCOPES.length)
      .refine((s) => new Set(s).size === s.length, { message: "each scope once" }),
    expires_at: DateTime.optional().openapi({ description: "in the future; none: until revoked" }),
  })
  .openapi("CreateApiToken");

export const TokenListQuery = PageQuery.extend({
  user_fk: z.coerce.number().int().min(1).max(MAX_INT).optional(),
});
