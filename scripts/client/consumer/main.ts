// An app using the installed package timelog-api-client, as its README shows: copied into a
// project of its own by package.test.ts, type-checked under NodeNext and bundler resolution, then
// run against the test's loopback server (its address is the first argument).
import { createTimelogClient, type paths } from "timelog-api-client";

// No @types/node, as in a browser app: only the DOM's fetch. Strict settings, including
// exactOptionalPropertyTypes: the token is a string or undefined, as the environment gives it.
declare const process: { argv: string[]; env: Record<string, string | undefined> };

const api = createTimelogClient({ baseUrl: process.argv[2] ?? "", token: process.env.TIMELOG_TOKEN });

const current = await api.GET("/timelog/current");
const open: boolean | undefined = current.data?.open;

const clockIn = await api.POST("/timelog", { body: { project_fk: 7 } });
const code: string | undefined = clockIn.error?.code;

const week = await api.GET("/reports/summary", {
  params: { query: { from: "2026-11-23", to: "2026-11-30", group_by: ["project", "day"] } },
});

// The paths are the document's, not `any`: an unknown one does not compile.
// @ts-expect-error "/no-such-path" is not a path of the API
const unknown: keyof paths = "/no-such-path";

console.log(JSON.stringify({ open, code, groups: week.data?.groups.length, status: clockIn.response.status, unknown }));
