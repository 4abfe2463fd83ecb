// An app using the installed package timelog-api-client, as its README shows: copied into a
// project of its own by package.test.ts, type-checked under NodeNext and bundler resolution, then
// run against the test's loopback server (its address is the first argument).
import { createTimelogClient, type paths } from "timelog-api-client";

// What a browser app has too: no @types/node, only the DOM's fetch.
declare const process: { argv: string[] };

const api = createTimelogClient({ baseUrl: process.argv[2] ?? "", token: () => "tl_pat_consumer" });

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
