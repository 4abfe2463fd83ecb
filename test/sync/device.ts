// A device that caches GET /sync the way the README tells apps to: apply upserts and deletes to a
// map keyed by type + id, carry next_cursor, ask again while has_more.
import { expect } from "vitest";
import { call } from "../helpers/api";
import type { TestUser } from "../helpers/factories";

export interface Change {
  type: string;
  id: string;
  op: "upsert" | "delete";
  data?: Record<string, unknown>;
  etag?: string;
}
export interface Feed {
  changes: Change[];
  next_cursor: string;
  has_more: boolean;
}

export async function page(user: TestUser, cursor?: string, limit?: number): Promise<Feed> {
  const q = new URLSearchParams();
  if (cursor !== undefined) q.set("cursor", cursor);
  if (limit !== undefined) q.set("limit", String(limit));
  const res = await call("GET", `/sync?${q}`, { token: user.token });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Feed;
}

export class Device {
  readonly cache = new Map<string, Change>();
  cursor: string | undefined;
  pages = 0;
  constructor(
    readonly user: TestUser,
    readonly limit = 100,
  ) {}

  apply(changes: Change[]) {
    for (const c of changes) {
      const key = `${c.type}:${c.id}`;
      if (c.op === "delete") this.cache.delete(key);
      else this.cache.set(key, c);
    }
  }

  /** One page; returns has_more. */
  async step(): Promise<boolean> {
    const feed = await page(this.user, this.cursor, this.limit);
    this.apply(feed.changes);
    this.cursor = feed.next_cursor;
    this.pages++;
    return feed.has_more;
  }

  /** Until caught up. */
  async drain(max = 200): Promise<this> {
    for (let i = 0; i < max; i++) if (!(await this.step())) return this;
    throw new Error("sync did not settle");
  }

  /** The cache as plain data: key → data. */
  view(): Record<string, unknown> {
    return Object.fromEntries(
      [...this.cache.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, c]) => [k, c.data]),
    );
  }

  keys(type: string): string[] {
    return [...this.cache.values()].filter((c) => c.type === type).map((c) => c.id);
  }
}

/** What a fresh device would hold now. */
export const fresh = async (user: TestUser, limit = 500) => (await new Device(user, limit).drain()).view();
