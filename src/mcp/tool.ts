// What a tool is here: a name, words for a model, a JSON Schema input and a structured output (zod,
// so the SDK publishes both as JSON Schema and checks the output), and what it asks of the API.
import { z } from "@hono/zod-openapi";
import type { Caller } from "./dispatch";

export interface Tool {
  name: string;
  title: string;
  description: string;
  input: z.ZodObject;
  output: z.ZodObject;
  /** Changes nothing (MCP's readOnlyHint): an assistant may call it without asking. */
  readOnly: boolean;
  run(args: Record<string, unknown>, caller: Caller): Promise<unknown>;
}

export function tool<I extends z.ZodObject, O extends z.ZodObject>(t: {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  readOnly: boolean;
  run(args: z.infer<I>, caller: Caller): Promise<z.input<O>>;
}): Tool {
  return t as unknown as Tool;
}

/** A query string from the given parameters, leaving out the ones not given. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, String(v));
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

export const Week = z
  .string()
  .regex(/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/, { message: "an ISO week such as 2026-W49" })
  .describe("an ISO 8601 week such as 2026-W49 (Monday to Sunday in the person's time zone)");

export const Instant = z
  .string()
  .max(40)
  .describe("an RFC 3339 time WITH its offset, e.g. 2026-12-07T09:00:00+01:00 (use the person's zone)");

export const ProjectRef = z
  .union([z.number().int().min(1), z.string().trim().min(1).max(40)])
  .describe(
    "the project: its id (a number from list_projects) or its name; a name is matched case-insensitively, " +
      "whole or in part, among active projects",
  );
