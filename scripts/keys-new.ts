// `npm run keys:new`: prints a fresh RS256 signing key as one line of JSON (a private JWK with a
// kid), for `wrangler secret put JWT_PRIVATE_KEY` or .dev.vars. Works on any Node the README names.
import { newSigningKey } from "./keys.ts";

console.log(newSigningKey());
