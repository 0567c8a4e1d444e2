import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SoftwareAuthenticator, startTestServer, type TestServer } from "@confrere/dev-env";
import type { ConfrereError } from "@confrere/protocol";

describe("passkeys (WebAuthn) as the second factor", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  async function newAccountWithEnrolmentSession(email: string, password: string) {
    const api = server.client();
    await api.register({ email, password, displayName: "Dr Passkey" });
    const mail = (await server.outbox()).filter((m) => m.to.includes(email)).at(-1)!;
    await api.verifyEmail(mail.token!);
    const step = await api.login({ email, password, deviceName: "Portable" });
    assert.equal(step.status, "second_factor_enrolment_required");
    return api;
  }

  test("a passkey enrolled first gives recovery codes, then logs in; a foreign assertion is refused", async () => {
    const email = "passkey@example.fr";
    const password = "phrase pour la clé d'accès";
    const api = await newAccountWithEnrolmentSession(email, password);
    const authenticator = new SoftwareAuthenticator("http://localhost:8080");

    const { options } = await api.passkeyRegistrationOptions();
    const enrolled = await api.registerPasskey(authenticator.createCredential(options), "Téléphone");
    assert.equal(enrolled.recoveryCodes?.length, 10);
    assert.equal((await api.me()).account.state, "active");
    const factors = await api.secondFactors();
    assert.equal(factors.totp, false);
    assert.equal(factors.passkeys[0]?.name, "Téléphone");

    // Log in with the passkey.
    const other = server.client();
    const step = await other.login({ email, password, deviceName: "Poste" });
    if (step.status !== "second_factor_required") assert.fail(step.status);
    assert.ok(step.methods.includes("webauthn"));
    const login = await other.loginPasskeyOptions(step.challengeToken);
    const done = await other.loginPasskey(step.challengeToken, authenticator.getAssertion(login.options));
    assert.equal(done.session.scope, "full");

    // Another authenticator's signature, or a reused assertion, is refused.
    const third = server.client();
    const step3 = await third.login({ email, password, deviceName: "Autre" });
    if (step3.status !== "second_factor_required") assert.fail(step3.status);
    const opts3 = await third.loginPasskeyOptions(step3.challengeToken);
    const stranger = new SoftwareAuthenticator("http://localhost:8080");
    stranger.createCredential({ rp: { id: "localhost" }, user: { id: "eA" }, challenge: "x" });
    const forged = stranger.getAssertion({ ...opts3.options, allowCredentials: undefined });
    await assert.rejects(
      third.loginPasskey(step3.challengeToken, forged),
      (e: ConfrereError) => e.code === "AUTH_WEBAUTHN_FAILED",
    );
    // An assertion made for another challenge is refused too.
    const stale = authenticator.getAssertion(login.options);
    await assert.rejects(
      third.loginPasskey(step3.challengeToken, stale),
      (e: ConfrereError) => e.code === "AUTH_WEBAUTHN_FAILED",
    );
    // A wrong origin is refused.
    const phishing = new SoftwareAuthenticator("https://confrere.evil.example");
    await assert.rejects(
      api.registerPasskey(phishing.createCredential((await api.passkeyRegistrationOptions()).options)),
      (e: ConfrereError) => e.code === "AUTH_WEBAUTHN_FAILED",
    );
  });

  test("the last second factor can't be removed", async () => {
    const api = await newAccountWithEnrolmentSession("last@example.fr", "phrase du dernier facteur");
    const authenticator = new SoftwareAuthenticator("http://localhost:8080");
    const { options } = await api.passkeyRegistrationOptions();
    await api.registerPasskey(authenticator.createCredential(options));
    const [passkey] = (await api.secondFactors()).passkeys;
    await assert.rejects(
      api.request("DELETE", `/api/v1/me/second-factors/webauthn/${passkey!.id}`),
      (e: ConfrereError) => e.code === "AUTH_LAST_SECOND_FACTOR",
    );
    // With TOTP added, the passkey can go.
    const setup = await api.startTotpEnrolment();
    const second = await api.confirmTotp(server.totp(setup.secret));
    assert.equal(second.recoveryCodes, undefined, "recovery codes come with the first factor only");
    await api.request("DELETE", `/api/v1/me/second-factors/webauthn/${passkey!.id}`);
    assert.deepEqual((await api.secondFactors()).passkeys, []);
  });
});
