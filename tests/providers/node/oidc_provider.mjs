// node oidc-provider (a certified OpenID Connect implementation) issuing RFC 9068 JWT
// access tokens (`typ: at+jwt`, RS256) under the client credentials grant, on
// 127.0.0.1:PORT. Resource indicators (RFC 8707) name the API a token is for: its `aud`.
// OIDC_RESOURCE is this service; OIDC_OTHER_RESOURCE another API of the same provider.
//
// The signing key is kept in OIDC_KEY_FILE, so a provider restarted on the same port
// publishes the same key, as a real one that went down and came back would.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { errors } from "oidc-provider";

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const resources = [process.env.OIDC_RESOURCE, process.env.OIDC_OTHER_RESOURCE];
const keyFile = process.env.OIDC_KEY_FILE;

async function signingKey() {
  if (existsSync(keyFile)) return JSON.parse(readFileSync(keyFile, "utf8"));
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const key = { ...(await exportJWK(privateKey)), alg: "RS256", use: "sig", kid: `rsa-${Date.now()}` };
  writeFileSync(keyFile, JSON.stringify(key));
  return key;
}

const provider = new Provider(issuer, {
  jwks: { keys: [await signingKey()] },
  clients: [
    {
      client_id: "todo-worker",
      client_secret: "todo-worker-secret-of-the-test-provider",
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
    },
  ],
  scopes: ["todos"],
  ttl: { ClientCredentials: 10 * 60 },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resources[0],
      useGrantedResource: () => true,
      getResourceServerInfo: (_context, indicator) => {
        if (!resources.includes(indicator)) throw new errors.InvalidTarget();
        return {
          scope: "todos",
          audience: indicator,
          accessTokenTTL: 10 * 60,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "RS256" } },
        };
      },
    },
  },
});

http.createServer(provider.callback()).listen(port, "127.0.0.1", () => console.log(`listening on ${issuer}`));
