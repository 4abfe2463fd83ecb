import { createRoute, z } from "@hono/zod-openapi";
import { json } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { problems } from "../lib/schemas";
import { keysOf } from "./jwt";
import { access } from "./middleware";

const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi("Jwks");

export const wellKnown = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/jwks.json",
    tags: ["users"],
    summary: "Public keys that verify this API's tokens",
    description:
      "Public, and cacheable for five minutes: the keys that verify access tokens, older ones still accepted during a key rotation included.",
    ...access("public"),
    responses: { 200: json(Jwks, "JWKS"), ...problems() },
  }),
  (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json({ keys: keysOf(c.get("config")).verifying as unknown as Record<string, unknown>[] }, 200);
  },
);
