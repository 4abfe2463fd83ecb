// `npm run client:build`: compiles the client package (this folder) to dist/ — index.js and
// index.d.ts by the project's tsc, plus the generated types they import — ready for `npm pack
// scripts/client`. dist/ is rebuilt from nothing each time, so nothing stale is ever packed.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";

const HERE = import.meta.dirname;
const TSC = join(HERE, "..", "..", "node_modules", "typescript", "bin", "tsc");

export function buildClient(): string {
  const dist = join(HERE, "dist");
  rmSync(dist, { recursive: true, force: true });
  execFileSync(process.execPath, [TSC, "-p", join(HERE, "tsconfig.build.json")], { stdio: "inherit" });
  // tsc emits nothing for a .d.ts it reads: the generated types go beside index.d.ts as they are.
  cpSync(join(HERE, "generated", "openapi.d.ts"), join(dist, "generated", "openapi.d.ts"));
  return dist;
}

if (process.argv[1] === import.meta.filename) console.log(`client: built ${buildClient()}`);
