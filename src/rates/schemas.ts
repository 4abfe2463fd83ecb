import { z } from "@hono/zod-openapi";
import { PageQuery, pageSchema } from "../lib/page";
import { Id, queryId, Timestamp } from "../lib/schemas";

const Kind = z.enum(["billable", "cost"]);
/** Minor units per hour: 100,000,000,000 is a billion an hour in a two-decimal currency. */
const Amount = z.number().int().min(0).max(100_000_000_000).openapi({
  description: "minor units of the company currency per hour (cents for EUR)",
  example: 12_000,
});

export const Rate = z
  .object({
    id: Id,
    kind: Kind,
    amount: Amount,
    currency: z.string().openapi({ description: "ISO 4217, the company's", example: "EUR" }),
    effective_from: z.iso.date(),
    project_fk: Id.nullable(),
    user_fk: Id.nullable(),
    position_fk: Id.nullable(),
    created_at: Timestamp,
  })
  .openapi("Rate");
export type Rate = z.infer<typeof Rate>;
export const RatePage = pageSchema(Rate, "RatePage");

export const CreateRate = z
  .strictObject({
    kind: Kind,
    amount: Amount,
    effective_from: z.iso.date().openapi({ description: "a day in the company's zone; from then on" }),
    project_fk: Id.optional(),
    user_fk: Id.optional(),
    position_fk: Id.optional(),
  })
  .refine(
    (r) =>
      r.kind === "billable"
        ? r.project_fk !== undefined && r.position_fk === undefined
        : r.project_fk === undefined && (r.user_fk === undefined) !== (r.position_fk === undefined),
    {
      message: "billable: project_fk (and user_fk for an override); cost: position_fk, or user_fk for an override",
    },
  )
  .openapi("CreateRate");

export const RateQuery = PageQuery.extend({
  kind: Kind.optional(),
  project_fk: queryId().optional(),
  user_fk: queryId().optional(),
  position_fk: queryId().optional(),
});
