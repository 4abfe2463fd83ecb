// Copies the pinned Swagger UI (swagger-ui-dist, an exact version in package.json and the lock
// file) into public/docs/, which Workers Static Assets serve from the API's own origin: /docs
// needs no CDN, works offline, and no third-party file runs on our origin. Plain JavaScript so
// that `npm install` can run it (postinstall) on whatever Node the machine has.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(root, "node_modules", "swagger-ui-dist");
const to = join(root, "public", "docs");
mkdirSync(to, { recursive: true });
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"]) {
  copyFileSync(join(from, file), join(to, file));
}
// In a file of its own, so the page needs no inline script (the CSP allows only 'self'). Tags
// start collapsed: with every tag open, Swagger UI 5.35 rendered only the first 20 of our ~120
// operations (no error), and a section opens from its link (/docs#/timelog) or a click.
writeFileSync(
  join(to, "init.js"),
  'window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, docExpansion: "none" });\n',
);
