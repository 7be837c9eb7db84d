// A Better Auth server as an application would run one: email and password sign-up, the
// JWT plugin (EdDSA/Ed25519 keys, 15-minute tokens) and an in-memory database, on
// 127.0.0.1:PORT. AUTH_BASE_PATH and AUTH_JWKS_PATH move it to Neon Auth's layout
// (`<auth url>/.well-known/jwks.json`, with `iss` and `aud` the origin).
//
// Two routes outside Better Auth stand in for what only time does to a provider:
// POST /test/rotate expires the signing key, as `jwks.rotationInterval` would (the next
// token is signed with a new key; the old one stays published for the grace period),
// and POST /test/expired-token signs, with the provider's own key, the token it gave
// the user `sub` twenty minutes ago.
import http from "node:http";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { toNodeHandler } from "better-auth/node";
import { jwt } from "better-auth/plugins";

const port = Number(process.env.PORT);
const origin = `http://127.0.0.1:${port}`;
const tables = { user: [], session: [], account: [], verification: [], jwks: [] };

const auth = betterAuth({
  baseURL: origin,
  basePath: process.env.AUTH_BASE_PATH ?? "/api/auth",
  secret: "identity-provider-test-secret-of-32-bytes-or-more",
  database: memoryAdapter(tables),
  emailAndPassword: { enabled: true },
  telemetry: { enabled: false },
  plugins: [jwt({ jwks: { jwksPath: process.env.AUTH_JWKS_PATH ?? "/jwks" } })],
});
const betterAuthHandler = toNodeHandler(auth);

async function expiredToken(url) {
  const user = tables.user.find((each) => each.id === url.searchParams.get("sub"));
  if (user === undefined) return { status: 404, body: { error: "no such user" } };
  const issuedAt = Math.floor(Date.now() / 1000) - 20 * 60;
  const payload = { ...user, sub: user.id, iat: issuedAt, exp: issuedAt + 15 * 60 };
  return { status: 200, body: await auth.api.signJWT({ body: { payload } }) };
}

async function testRoute(request, url) {
  if (url.pathname === "/test/rotate") {
    for (const key of tables.jwks) key.expiresAt = new Date(Date.now() - 1000);
    return { status: 200, body: { rotated: tables.jwks.length } };
  }
  if (url.pathname === "/test/expired-token") return expiredToken(url);
  return { status: 404, body: { error: "no such test route" } };
}

const server = http.createServer((request, response) => {
  const url = new URL(request.url, origin);
  if (!url.pathname.startsWith("/test/") || request.method !== "POST") {
    betterAuthHandler(request, response);
    return;
  }
  testRoute(request, url).then(({ status, body }) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  });
});
server.listen(port, "127.0.0.1", () => console.log(`listening on ${origin}`));
