import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Adapter, AdapterPayload, Configuration, KoaContextWithOIDC, Provider } from "oidc-provider";

/** PSC's issuer is a Keycloak realm: the local one has the same path, so URL building is tested too. */
const REALM_PATH = "/auth/realms/esante-wallet";
const INTERACTION_PATH = `${REALM_PATH}/interaction/`;

/**
 * The provider's records (sessions, codes, grants) in this process, one store per provider: the
 * library's own in-memory adapter works too, but warns on every start.
 */
function memoryAdapter(): new (model: string) => Adapter {
  const records = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  const live = (key: string) => {
    const record = records.get(key);
    return record && record.expiresAt > Date.now() ? record.payload : undefined;
  };
  return class MemoryAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      records.set(`${this.model}:${id}`, { payload, expiresAt: Date.now() + expiresIn * 1000 });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return live(`${this.model}:${id}`);
    }

    async findByUserCode(): Promise<AdapterPayload | undefined> {
      return undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      for (const [key, record] of records) {
        if (key.startsWith(`${this.model}:`) && record.payload.uid === uid) return live(key);
      }
      return undefined;
    }

    async consume(id: string): Promise<void> {
      const payload = live(`${this.model}:${id}`);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      records.delete(`${this.model}:${id}`);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const [key, record] of records) if (record.payload.grantId === grantId) records.delete(key);
    }
  };
}

/** Who logs in at the next interaction, as PSC would describe them. */
export interface PscLogin {
  /** `SubjectNameID`: `8` + RPPS or `0` + ADELI. */
  nationalId: string;
  givenName: string;
  familyName: string;
  /** The ID token's `acr`; PSC's is `eidas1`. */
  acr?: string;
}

export interface PscProvider {
  /** The issuer, to set as PSC_ISSUER_URL. */
  issuer: string;
  /** The next interaction logs this person in and consents, without any page. */
  nextLogin(login: PscLogin): void;
  /** The next interaction is cancelled: the browser goes back with `error=access_denied`. */
  nextCancel(): void;
  close(): Promise<void>;
}

/**
 * A local OpenID provider shaped like Pro Santé Connect, for tests only: scopes `openid scope_all`,
 * userinfo with `SubjectNameID`, `SubjectRefPro`, `given_name`, `family_name`, ID tokens with `acr`
 * and `idp: "PSC"`, PKCE required, discovery at both the standard path and PSC's
 * `wallet-openid-configuration`. There is no login page: the test says who logs in next, and the
 * interaction endpoint completes login and consent at once, so plain `fetch` with manual redirects
 * and a cookie jar drives the whole flow.
 *
 * @example
 * const psc = await startPscProvider({ clientId: "confrere", clientSecret: "s3cret", redirectUris });
 * psc.nextLogin({ nationalId: "810434640974", givenName: "Léa", familyName: "ROBERT" });
 */
export async function startPscProvider(options: {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}): Promise<PscProvider> {
  // Loaded on use: the library warns on Node 20 at import, and most suites never need it.
  const { default: OidcProvider } = await import("oidc-provider");
  const queue: (PscLogin | "cancel")[] = [];
  const accounts = new Map<string, PscLogin>();

  let handle: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = http.createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}${REALM_PATH}`;

  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const configuration: Configuration = {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: options.redirectUris,
        response_types: ["code"],
        grant_types: ["authorization_code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: "jwk" }), kid: "psc-test", use: "sig", alg: "RS256" }] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    scopes: ["openid", "scope_all"],
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ["sub", "idp"],
      scope_all: ["SubjectNameID", "SubjectRefPro", "given_name", "family_name"],
    },
    acrValues: ["eidas1"],
    adapter: memoryAdapter(),
    // PSC's access tokens live minutes; everything here lives no longer than a test.
    ttl: {
      AccessToken: 300,
      AuthorizationCode: 60,
      IdToken: 300,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, userinfo: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PATH}${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const login = accounts.get(sub);
      if (!login) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            idp: "PSC",
            SubjectNameID: login.nationalId,
            given_name: login.givenName,
            family_name: login.familyName,
            SubjectRefPro: {
              codeCivilite: "DR",
              exercices: [
                {
                  codeProfession: "10",
                  codeCategorieProfessionnelle: "C",
                  nomDexercice: login.familyName,
                  prenomDexercice: login.givenName,
                  activities: [],
                },
              ],
            },
          };
        },
      };
    },
    renderError(ctx: KoaContextWithOIDC, out) {
      ctx.type = "application/json";
      ctx.body = JSON.stringify(out);
    },
  };
  const provider: Provider = new OidcProvider(issuer, configuration);
  const callback = provider.callback();

  /** Login and consent in one step, as if the person had used their e-CPS. */
  async function interact(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const next = queue.shift();
    if (next === undefined || next === "cancel") {
      await provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "the person cancelled" },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    // PSC's `sub` is an opaque id of its own, stable per professional.
    const accountId = createHash("sha256").update(next.nationalId).digest("hex").slice(0, 32);
    accounts.set(accountId, next);
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId, acr: next.acr ?? "eidas1", remember: false }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  handle = (req, res) => {
    const url = req.url ?? "/";
    if (url.startsWith(INTERACTION_PATH)) {
      interact(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    if (!url.startsWith(REALM_PATH)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    // PSC's own discovery path serves the standard document.
    const path = url.replace(
      `${REALM_PATH}/.well-known/wallet-openid-configuration`,
      `${REALM_PATH}/.well-known/openid-configuration`,
    );
    // Mounted under the realm path: oidc-provider finds the mount point by comparing originalUrl and url.
    Object.assign(req, { originalUrl: path, url: path.slice(REALM_PATH.length) || "/" });
    callback(req, res);
  };

  return {
    issuer,
    nextLogin(login) {
      queue.push(login);
    },
    nextCancel() {
      queue.push("cancel");
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
