// The operation gate's rules (test/helpers/operation-gaps.ts): what counts as a success and as a
// refusal, so a gate that went blind — counting 401s, 429s or the fuzzer — fails here first.
import { describe, expect, it } from "vitest";
import { gaps, type Report } from "../helpers/operation-gaps";

const op = (operation: string, statuses: string[], open = false) => ({ operation, statuses, open });
const doc = [
  op("GET /things/{id}", ["200", "401", "403", "404", "422", "429", "default"]),
  op("POST /users/login", ["200", "401", "422", "429", "default"], true),
  op("GET /health", ["200", "429", "503", "default"], true),
  op("GET /.well-known/jwks.json", ["200", "429", "default"], true),
];
const report = (file: string, seen: string[]): Report => ({ file, seen, operations: doc });
const fine = [
  "GET /things/{id} → 200",
  "GET /things/{id} → 404",
  "POST /users/login → 200",
  "POST /users/login → 401",
  "GET /health → 200",
  "GET /health → 503",
  "GET /.well-known/jwks.json → 200",
];
const without = (entry: string) => fine.filter((e) => e !== entry);

describe("the operation gate", () => {
  it("passes when every operation has a success and a refusal, across files", () => {
    expect(gaps([report("/r/test/a.test.ts", fine.slice(0, 3)), report("/r/test/b.test.ts", fine.slice(3))])).toEqual(
      [],
    );
  });

  it("names an operation without a success, or never called", () => {
    expect(gaps([report("/r/test/a.test.ts", without("GET /things/{id} → 200"))])).toEqual([
      "GET /things/{id}: no test sees a 2xx (seen: 404)",
    ]);
    expect(gaps([report("/r/test/a.test.ts", without("GET /.well-known/jwks.json → 200"))])).toEqual([
      "GET /.well-known/jwks.json: no test sees a 2xx (seen: never called)",
    ]);
  });

  it("a 401 or 429 is no refusal of an operation that needs a token; a 401 is one of login's", () => {
    const seen = [...without("GET /things/{id} → 404"), "GET /things/{id} → 401", "GET /things/{id} → 429"];
    expect(gaps([report("/r/test/a.test.ts", seen)])).toEqual([
      "GET /things/{id}: no test sees a refusal (seen: 200, 401, 429)",
    ]);
    expect(
      gaps([report("/r/test/a.test.ts", [...without("POST /users/login → 401"), "POST /users/login → 429"])]),
    ).toEqual(["POST /users/login: no test sees a refusal (seen: 200, 429)"]);
  });

  it("a documented 503 is /health's refusal; the JWKS, which documents none, needs none", () => {
    expect(gaps([report("/r/test/a.test.ts", without("GET /health → 503"))])).toEqual([
      "GET /health: no test sees a refusal (seen: 200)",
    ]);
  });

  it("the fuzzer's answers do not count", () => {
    const fuzzed = report("/r/test/fuzz/routes.test.ts", ["GET /things/{id} → 404"]);
    expect(gaps([report("/r/test/a.test.ts", without("GET /things/{id} → 404")), fuzzed])).toEqual([
      "GET /things/{id}: no test sees a refusal (seen: 200)",
    ]);
  });
});
