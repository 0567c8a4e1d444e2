import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import {
  type PscLogin,
  type PscProvider,
  rejectsWith,
  runServerCli,
  scratchDatabase,
  startPscProvider,
  startTestServer,
  type TestServer,
  type TestUser,
  testStore,
} from "@confrere/dev-env";
import { withLuhnKey } from "@confrere/protocol";
import { ApiClient } from "@confrere/sdk";
import { ConfigError, loadConfig, migrate } from "@confrere/server";
import { OLD_PERSONNE_ACTIVITE } from "../src/directory/test-support.ts";

/** startTestServer's PUBLIC_URL: what PSC knows as our redirect URI. */
const PUBLIC_URL = "http://localhost:8080";
const CALLBACK = `${PUBLIC_URL}/api/v1/psc/callback`;
const CLIENT_ID = "confrere-test";
const CLIENT_SECRET = randomBytes(24).toString("base64url");

/** Professionals of the directory fixture. */
const ROBERT = { nationalId: "810434640974", givenName: "Léa", familyName: "ROBERT" };
const BONNET = { nationalId: "810582029384", givenName: "Clémence", familyName: "BONNET" };
/** A well-formed RPPS that the fixture does not hold. */
const NOT_IN_DIRECTORY = {
  nationalId: `8${withLuhnKey("1999999999")}`,
  givenName: "Ana",
  familyName: "NOVA",
};

/**
 * A browser, as far as the flow needs one: a cookie jar per origin, and redirects followed by
 * hand. Its `fetch` also serves the SDK, so cookies set by `startPsc` are kept.
 */
class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const headers = new Headers(init.headers);
    const cookies = [...(this.jar.get(url.origin) ?? new Map<string, string>())];
    if (cookies.length > 0)
      headers.set("cookie", cookies.map(([name, value]) => `${name}=${value}`).join("; "));
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const index = pair.indexOf("=");
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const cookiesOfOrigin = this.jar.get(url.origin) ?? new Map<string, string>();
      if (value === "" || /max-age=0/i.test(line)) cookiesOfOrigin.delete(name);
      else cookiesOfOrigin.set(name, value);
      this.jar.set(url.origin, cookiesOfOrigin);
    }
    return response;
  };

  api(server: TestServer, token: string | null = null): ApiClient {
    return new ApiClient({ baseUrl: server.url, token, fetch: this.fetch });
  }
}

describe(`Pro Santé Connect on ${testStore()}`, () => {
  let provider: PscProvider;
  let server: TestServer;

  before(async () => {
    provider = await startPscProvider({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUris: [CALLBACK],
    });
    server = await startTestServer({
      env: { PSC_ISSUER_URL: provider.issuer, PSC_CLIENT_ID: CLIENT_ID, PSC_CLIENT_SECRET: CLIENT_SECRET },
    });
    const imported = await runServerCli(
      ["directory", "import", OLD_PERSONNE_ACTIVITE, "--no-deactivate-missing"],
      {
        env: server.env,
      },
    );
    assert.equal(imported.code, 0, imported.stderr);
  });
  after(async () => {
    await server?.close();
    await provider?.close();
  });

  /** From PSC's authorization URL to the callback URL PSC sends the browser to (on our server). */
  async function throughPsc(browser: Browser, authorizationUrl: string, login: PscLogin | "cancel") {
    if (login === "cancel") provider.nextCancel();
    else provider.nextLogin(login);
    let url = authorizationUrl;
    for (let hop = 0; hop < 10; hop++) {
      const response = await browser.fetch(url);
      const location = response.headers.get("location");
      if (!location) assert.fail(`PSC stopped at ${url} with ${response.status}: ${await response.text()}`);
      const next = new URL(location, url).href;
      if (next.startsWith(`${CALLBACK}?`)) return next.replace(PUBLIC_URL, server.url);
      url = next;
    }
    return assert.fail("PSC redirected more than 10 times");
  }

  /** Calls the callback as the browser does; returns the query of the web app page it redirects to. */
  async function land(browser: Browser, callbackUrl: string): Promise<URLSearchParams> {
    const response = await browser.fetch(callbackUrl);
    assert.equal(response.status, 302, await response.clone().text());
    const location = response.headers.get("location") ?? "";
    assert.ok(location.startsWith(`${PUBLIC_URL}/psc/complete?`), location);
    return new URL(location).searchParams;
  }

  /** start → PSC → callback; returns the web app page's query (`ticket` or `error`). */
  async function roundTrip(
    browser: Browser,
    api: ApiClient,
    input: { purpose: "login"; deviceName: string } | { purpose: "link" },
    login: PscLogin | "cancel",
  ): Promise<URLSearchParams> {
    const { authorizationUrl } = await api.startPsc(input);
    return land(browser, await throughPsc(browser, authorizationUrl, login));
  }

  async function auditEvents(action: string) {
    return server.server.ctx.db.selectFrom("audit_events").selectAll().where("action", "=", action).execute();
  }

  let linked: TestUser;

  test("the local provider has PSC's shape: both discovery paths, eidas1, scope_all, PKCE", async () => {
    const standard = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
      authorization_endpoint: string;
      acr_values_supported: string[];
      scopes_supported: string[];
      claims_supported: string[];
    };
    const wallet = await (await fetch(`${provider.issuer}/.well-known/wallet-openid-configuration`)).json();
    assert.deepEqual(wallet, standard);
    assert.equal(standard.issuer, provider.issuer);
    assert.deepEqual(standard.acr_values_supported, ["eidas1"]);
    assert.deepEqual(standard.scopes_supported, ["openid", "scope_all"]);
    for (const claim of ["idp", "SubjectNameID", "SubjectRefPro", "given_name", "family_name", "acr"]) {
      assert.ok(standard.claims_supported.includes(claim), claim);
    }
    const withoutPkce = new URL(standard.authorization_endpoint);
    for (const [name, value] of Object.entries({
      client_id: CLIENT_ID,
      redirect_uri: CALLBACK,
      response_type: "code",
      scope: "openid scope_all",
      state: "s".repeat(43),
    })) {
      withoutPkce.searchParams.set(name, value);
    }
    const refused = await fetch(withoutPkce, { redirect: "manual" });
    const location = new URL(refused.headers.get("location") ?? "", withoutPkce);
    assert.equal(location.searchParams.get("error"), "invalid_request");
    assert.match(location.searchParams.get("error_description") ?? "", /PKCE/);
  });

  test("the status says PSC is offered", async () => {
    assert.deepEqual(await server.client().pscStatus(), { enabled: true });
  });

  test("link: PSC verifies a logged-in account, which may then search the directory", async () => {
    linked = await server.createUser({ verified: false });
    await rejectsWith(linked.api.searchDirectory({ q: "robert" }), "PROFESSIONAL_VERIFICATION_REQUIRED", 403);
    const browser = new Browser();
    const api = browser.api(server, linked.api.token);

    const { authorizationUrl } = await api.startPsc({ purpose: "link" });
    const sent = new URL(authorizationUrl).searchParams;
    assert.equal(sent.get("scope"), "openid scope_all");
    assert.equal(sent.get("acr_values"), "eidas1");
    assert.equal(sent.get("code_challenge_method"), "S256");
    assert.equal(sent.get("redirect_uri"), CALLBACK);
    assert.equal(sent.get("client_id"), CLIENT_ID);
    const state = sent.get("state");
    assert.ok(state && sent.get("nonce") && sent.get("code_challenge"));
    // Nothing usable is stored in clear: the state as a hash, the PKCE verifier sealed.
    const row = await server.server.ctx.db
      .selectFrom("psc_logins")
      .selectAll()
      .where("user_id", "=", linked.userId)
      .executeTakeFirstOrThrow();
    assert.notEqual(row.state_hash, state);
    assert.match(row.code_verifier_sealed, /^v1\./);
    assert.equal(row.purpose, "link");

    const landing = await land(browser, await throughPsc(browser, authorizationUrl, ROBERT));
    assert.equal(landing.get("error"), null);
    const ticket = landing.get("ticket");
    assert.ok(ticket);
    const result = await api.completePsc(ticket);
    assert.ok(result.outcome === "linked", JSON.stringify(result));
    assert.equal(result.account.id, linked.userId);
    assert.equal(result.account.state, "verified");
    assert.equal(result.account.nationalId, ROBERT.nationalId);
    assert.equal(result.account.identityMethod, "psc");

    const verified = (await auditEvents("account.identity_verified")).filter(
      (e) => e.target_id === linked.userId,
    );
    assert.equal(verified.length, 1);
    assert.deepEqual(JSON.parse(verified[0]?.detail ?? "null"), {
      method: "psc",
      nationalId: ROBERT.nationalId,
    });
    const { results } = await linked.api.searchDirectory({ q: "bonnet" });
    assert.ok(results.length > 0);

    // The ticket is single use.
    await rejectsWith(api.completePsc(ticket), "PSC_TICKET_INVALID", 400);
  });

  test("login: PSC opens a full session on a new device of the linked account", async () => {
    const browser = new Browser();
    const api = browser.api(server);
    const landing = await roundTrip(browser, api, { purpose: "login", deviceName: "Poste PSC" }, ROBERT);
    const result = await api.completePsc(landing.get("ticket") ?? "");
    assert.ok(result.outcome === "logged_in", JSON.stringify(result));
    assert.equal(result.session.scope, "full");
    assert.equal(result.account.id, linked.userId);
    assert.equal(api.token, result.session.token, "the SDK keeps the new session");
    const me = await api.me();
    assert.equal(me.account.id, linked.userId);
    const { devices } = await api.devices();
    const device = devices.find((d) => d.id === result.session.deviceId);
    assert.equal(device?.name, "Poste PSC");
    assert.ok(device?.isCurrent);
    assert.equal(devices.length, 2, "the password login's device and the new one");
    const logins = (await auditEvents("auth.login_succeeded")).filter(
      (e) => e.target_id === result.session.sessionId,
    );
    assert.equal(logins.length, 1);
    assert.deepEqual(JSON.parse(logins[0]?.detail ?? "null"), { method: "psc" });
    // The session token is nowhere in the PSC rows.
    const rows = await server.server.ctx.db.selectFrom("psc_logins").selectAll().execute();
    assert.ok(!JSON.stringify(rows).includes(result.session.token));
  });

  test("login for a professional without an account: no_account with their names", async () => {
    const browser = new Browser();
    const api = browser.api(server);
    const landing = await roundTrip(browser, api, { purpose: "login", deviceName: "Poste" }, BONNET);
    const result = await api.completePsc(landing.get("ticket") ?? "");
    assert.deepEqual(result, {
      outcome: "no_account",
      professional: {
        nationalId: BONNET.nationalId,
        firstName: BONNET.givenName,
        lastName: BONNET.familyName,
      },
    });
    assert.equal(api.token, null);
  });

  test("an authentication below eidas1 is refused and links nothing", async () => {
    const user = await server.createUser();
    const browser = new Browser();
    const landing = await roundTrip(
      browser,
      browser.api(server, user.api.token),
      { purpose: "link" },
      {
        ...BONNET,
        acr: "eidas0",
      },
    );
    assert.equal(landing.get("error"), "PSC_ACR_INSUFFICIENT");
    assert.equal(landing.get("ticket"), null);
    const { account } = await user.api.me();
    assert.equal(account.nationalId, null);
    assert.equal(account.identityVerifiedAt, null);
    const refused = (await auditEvents("psc.login_refused")).filter((e) => e.target_id === user.userId);
    assert.deepEqual(JSON.parse(refused[0]?.detail ?? "null"), {
      reason: "PSC_ACR_INSUFFICIENT",
      purpose: "link",
    });
  });

  test("a professional missing from the directory is not linked", async () => {
    const user = await server.createUser();
    const browser = new Browser();
    const landing = await roundTrip(
      browser,
      browser.api(server, user.api.token),
      { purpose: "link" },
      NOT_IN_DIRECTORY,
    );
    assert.equal(landing.get("error"), "PROFESSIONAL_NOT_IN_DIRECTORY");
    const { account } = await user.api.me();
    assert.equal(account.state, "active");
    assert.equal(account.nationalId, null);
  });

  test("a professional already linked to another account is not linked twice", async () => {
    const user = await server.createUser();
    const browser = new Browser();
    const landing = await roundTrip(
      browser,
      browser.api(server, user.api.token),
      { purpose: "link" },
      ROBERT,
    );
    assert.equal(landing.get("error"), "PROFESSIONAL_ALREADY_LINKED");
    assert.equal((await user.api.me()).account.nationalId, null);
  });

  test("a replayed callback is refused: the state is used once", async () => {
    const browser = new Browser();
    const api = browser.api(server);
    const { authorizationUrl } = await api.startPsc({ purpose: "login", deviceName: "Poste" });
    const callbackUrl = await throughPsc(browser, authorizationUrl, BONNET);
    const first = await land(browser, callbackUrl);
    assert.ok(first.get("ticket"));
    // The callback cleared the cookie; put it back, so that only the used state stops the replay.
    const state = new URL(callbackUrl).searchParams.get("state");
    const replayed = await fetch(callbackUrl, {
      redirect: "manual",
      headers: { cookie: `confrere_psc_state=${state}` },
    });
    assert.equal(replayed.status, 302);
    assert.equal(
      new URL(replayed.headers.get("location") ?? "").searchParams.get("error"),
      "PSC_STATE_INVALID",
    );
  });

  test("a callback in another browser than the one that started is refused (login CSRF)", async () => {
    const user = await server.createUser();
    const attacker = new Browser();
    const { authorizationUrl } = await attacker.api(server, user.api.token).startPsc({ purpose: "link" });
    // The victim logs in at PSC with the attacker's URL; their browser has no state cookie of ours.
    const victim = new Browser();
    const landing = await land(victim, await throughPsc(victim, authorizationUrl, BONNET));
    assert.equal(landing.get("error"), "PSC_STATE_INVALID");
    assert.equal((await user.api.me()).account.nationalId, null);
  });

  test("a state older than 10 minutes is refused", async () => {
    const browser = new Browser();
    const { authorizationUrl } = await browser
      .api(server)
      .startPsc({ purpose: "login", deviceName: "Poste" });
    const callbackUrl = await throughPsc(browser, authorizationUrl, BONNET);
    server.clock.advance(11 * 60_000);
    assert.equal((await land(browser, callbackUrl)).get("error"), "PSC_STATE_INVALID");
  });

  test("a ticket older than 5 minutes is refused", async () => {
    const browser = new Browser();
    const api = browser.api(server);
    const landing = await roundTrip(browser, api, { purpose: "login", deviceName: "Poste" }, BONNET);
    server.clock.advance(6 * 60_000);
    await rejectsWith(api.completePsc(landing.get("ticket") ?? ""), "PSC_TICKET_INVALID", 400);
  });

  test("an unknown state, and a login cancelled at PSC, come back as errors for the web app", async () => {
    const stranger = new Browser();
    const unknown = await land(stranger, `${server.url}/api/v1/psc/callback?state=${"A".repeat(43)}&code=x`);
    assert.equal(unknown.get("error"), "PSC_STATE_INVALID");
    const browser = new Browser();
    const landing = await roundTrip(
      browser,
      browser.api(server),
      { purpose: "login", deviceName: "Poste" },
      "cancel",
    );
    assert.equal(landing.get("error"), "PSC_PROVIDER_ERROR");
  });

  test("a suspended account cannot log in with PSC", async () => {
    await server.server.ctx.db
      .updateTable("users")
      .set({ suspended_at: server.clock.now(), suspended_reason: "test" })
      .where("id", "=", linked.userId)
      .execute();
    try {
      const browser = new Browser();
      const landing = await roundTrip(
        browser,
        browser.api(server),
        { purpose: "login", deviceName: "Poste" },
        ROBERT,
      );
      assert.equal(landing.get("error"), "AUTH_ACCOUNT_SUSPENDED");
    } finally {
      await server.server.ctx.db
        .updateTable("users")
        .set({ suspended_at: null, suspended_reason: null })
        .where("id", "=", linked.userId)
        .execute();
    }
  });

  test("start checks its input: a login names its device, a link needs a session", async () => {
    const api = server.client();
    await rejectsWith(api.startPsc({ purpose: "login" }), "VALIDATION_FAILED", 400);
    await rejectsWith(api.startPsc({ purpose: "link" }), "AUTH_REQUIRED", 401);
    await rejectsWith(
      linked.api.startPsc({ purpose: "link", deviceName: "Poste" }),
      "VALIDATION_FAILED",
      400,
    );
    await rejectsWith(api.completePsc("A".repeat(43)), "PSC_TICKET_INVALID", 400);
  });
});

describe(`Pro Santé Connect configuration and availability on ${testStore()}`, () => {
  test("without PSC_ISSUER_URL, PSC is off and says so", async () => {
    const server = await startTestServer();
    try {
      const api = server.client();
      assert.deepEqual(await api.pscStatus(), { enabled: false });
      await rejectsWith(api.startPsc({ purpose: "login", deviceName: "Poste" }), "PSC_DISABLED", 404);
      await rejectsWith(api.completePsc("A".repeat(43)), "PSC_DISABLED", 404);
      const callback = await fetch(`${server.url}/api/v1/psc/callback?state=${"A".repeat(43)}`, {
        redirect: "manual",
      });
      assert.equal(callback.status, 404);
      assert.equal(((await callback.json()) as { error: { code: string } }).error.code, "PSC_DISABLED");
    } finally {
      await server.close();
    }
  });

  test("PSC_ISSUER_URL without the client's id or secret stops the server, naming the variable", async () => {
    await assert.rejects(
      startTestServer({ env: { PSC_ISSUER_URL: "https://auth.example.fr/realms/psc" } }),
      (error) => error instanceof ConfigError && error.variable === "PSC_CLIENT_ID",
    );
    assert.throws(
      () => loadConfig({ PSC_ISSUER_URL: "https://auth.example.fr/realms/psc", PSC_CLIENT_ID: "confrere" }),
      (error) => error instanceof ConfigError && /PSC_CLIENT_SECRET is required/.test(error.message),
    );
    assert.throws(
      () =>
        loadConfig({
          NODE_ENV: "production",
          PSC_ISSUER_URL: "http://auth.example.fr/realms/psc",
          PSC_CLIENT_ID: "confrere",
          PSC_CLIENT_SECRET: "secret",
        }),
      (error) => error instanceof ConfigError && error.variable === "PSC_ISSUER_URL",
    );
    const result = await runServerCli(["migrate"], {
      env: { DATA_DIR: "/nonexistent-confrere", PSC_ISSUER_URL: "https://auth.example.fr/realms/psc" },
    });
    assert.equal(result.code, 78, result.stderr);
    assert.match(result.stderr, /PSC_CLIENT_ID is required when PSC_ISSUER_URL is set/);
  });

  test("a provider that is down gives PSC_UNAVAILABLE (each time, not a crash) and stores nothing", async () => {
    const port = await freePort();
    const server = await startTestServer({
      env: {
        PSC_ISSUER_URL: `http://127.0.0.1:${port}/auth/realms/esante-wallet`,
        PSC_CLIENT_ID: CLIENT_ID,
        PSC_CLIENT_SECRET: CLIENT_SECRET,
      },
    });
    try {
      const api = server.client();
      assert.deepEqual(await api.pscStatus(), { enabled: true });
      await rejectsWith(api.startPsc({ purpose: "login", deviceName: "Poste" }), "PSC_UNAVAILABLE", 503);
      await rejectsWith(api.startPsc({ purpose: "login", deviceName: "Poste" }), "PSC_UNAVAILABLE", 503);
      const rows = await server.server.ctx.db.selectFrom("psc_logins").selectAll().execute();
      assert.deepEqual(rows, []);
    } finally {
      await server.close();
    }
  });

  test("PSC_DISCOVERY_URL points at the discovery document explicitly", async () => {
    const provider = await startPscProvider({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUris: [CALLBACK],
    });
    const server = await startTestServer({
      env: {
        PSC_ISSUER_URL: provider.issuer,
        PSC_DISCOVERY_URL: `${provider.issuer}/.well-known/openid-configuration`,
        PSC_CLIENT_ID: CLIENT_ID,
        PSC_CLIENT_SECRET: CLIENT_SECRET,
      },
    });
    try {
      const { authorizationUrl } = await server.client().startPsc({ purpose: "login", deviceName: "Poste" });
      assert.ok(authorizationUrl.startsWith(provider.issuer), authorizationUrl);
    } finally {
      await server.close();
      await provider.close();
    }
  });

  test("migration 0006 creates the PSC table and takes it away again", async () => {
    const scratch = await scratchDatabase("psc-migration");
    const handle = await scratch.open();
    try {
      await migrate(handle, "0005-professional-link");
      assert.deepEqual(await migrate(handle, "0006-pro-sante-connect"), ["0006-pro-sante-connect"]);
      await handle.db
        .insertInto("psc_logins")
        .values({
          id: "p1",
          state_hash: "h",
          nonce: "n",
          code_verifier_sealed: "v1.x",
          purpose: "login",
          user_id: null,
          device_name: "Poste",
          created_at: 1,
          expires_at: 2,
          used_at: null,
          outcome: null,
          professional_sealed: null,
          ticket_hash: null,
          ticket_expires_at: null,
          ticket_used_at: null,
        })
        .execute();
      const row = await handle.db.selectFrom("psc_logins").selectAll().executeTakeFirstOrThrow();
      assert.equal(row.expires_at, 2);
      assert.deepEqual(await migrate(handle, "0005-professional-link"), ["0006-pro-sante-connect"]);
    } finally {
      await handle.close();
      await scratch.dispose();
    }
  });
});

/** A port nothing listens on (taken, then released). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
