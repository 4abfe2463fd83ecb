// The API document browsable at /docs: Swagger UI served from our own static assets (see
// scripts/docs-assets.mjs), so it works offline and no CDN file ever runs on the API's origin.
import { publicRoute } from "../auth/middleware";
import { createRouter } from "../lib/router";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TimeLog API</title>
<link rel="icon" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

/** Only our own files; Swagger UI sets inline styles and shows data: images. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// Public, declared as every route declares what it asks (src/auth/middleware.ts).
export const docs = createRouter().get("/", publicRoute, (c) => {
  c.header("Content-Security-Policy", CSP);
  return c.html(PAGE);
});
