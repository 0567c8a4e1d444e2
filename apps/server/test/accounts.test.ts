import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { rejectsWith, startTestServer, type TestServer } from "@confrere/dev-env";
import { currentTotpCode } from "@confrere/server";

describe("accounts: registration, second factor, sessions", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test("a newcomer registers, verifies the e-mail, must enrol TOTP, then logs in with it", async () => {
    const api = server.client();
    const email = "Dr.Martin@Example.fr";
    const password = "ma phrase de passe solide";
    assert.deepEqual(await api.register({ email, password, displayName: "Dr Martin" }), {
      status: "verification_sent",
    });

    // Before the link is clicked the account can't be used.
    await rejectsWith(api.login({ email, password, deviceName: "Poste" }), "AUTH_EMAIL_UNVERIFIED", 403);

    const mail = (await server.outbox()).find((m) => m.to.includes("dr.martin@example.fr"));
    assert.ok(mail?.token, "the verification e-mail carries a link with a token");
    assert.match(mail.text, /\/verifier-email\?token=/);
    const verified = await api.verifyEmail(mail.token);
    assert.equal(verified.account.state, "second_factor_required");
    await rejectsWith(api.verifyEmail(mail.token), "TOKEN_INVALID", 400);

    const first = await api.login({ email, password, deviceName: "Poste cabinet" });
    assert.equal(first.status, "second_factor_enrolment_required");
    // An enrolment session can't do anything else.
    await rejectsWith(api.devices(), "AUTH_SECOND_FACTOR_ENROLMENT_REQUIRED", 403);
    assert.equal((await api.me()).account.state, "second_factor_required");

    const setup = await api.startTotpEnrolment();
    assert.match(setup.otpauthUri, /^otpauth:\/\/totp\/Confr%C3%A8re:dr\.martin%40example\.fr\?/);
    assert.match(setup.qrCodeSvg, /^<svg/);
    await rejectsWith(api.confirmTotp("000000"), "AUTH_TOTP_INVALID");
    const enrolled = await api.confirmTotp(server.totp(setup.secret));
    assert.equal(enrolled.recoveryCodes?.length, 10);
    assert.equal(new Set(enrolled.recoveryCodes).size, 10);
    // The same session is now a full one.
    assert.equal((await api.me()).account.state, "active");
    const devices = await api.devices();
    assert.equal(devices.devices.length, 1);
    assert.equal(devices.devices[0]?.name, "Poste cabinet");

    // A new login asks for the second factor.
    const other = server.client();
    const step = await other.login({ email, password, deviceName: "Téléphone" });
    assert.equal(step.status, "second_factor_required");
    if (step.status !== "second_factor_required") return;
    assert.deepEqual(step.methods.sort(), ["recovery_code", "totp"]);
    await rejectsWith(other.loginTotp(step.challengeToken, "123456"), "AUTH_TOTP_INVALID", 401);
    const code = server.totp(setup.secret);
    const done = await other.loginTotp(step.challengeToken, code);
    assert.equal(done.session.scope, "full");
    // The challenge is single-use.
    await rejectsWith(other.loginTotp(step.challengeToken, code), "AUTH_CHALLENGE_INVALID", 401);

    // The same code can't open a second session (RFC 6238 §5.2), even within its window.
    const third = server.client();
    const again = await third.login({ email, password, deviceName: "Tablette" });
    if (again.status !== "second_factor_required") assert.fail(again.status);
    await rejectsWith(third.loginTotp(again.challengeToken, code), "AUTH_TOTP_INVALID");

    // Recovery codes work once each.
    const recovery = enrolled.recoveryCodes![0]!;
    await third.loginRecoveryCode(again.challengeToken, recovery.toLowerCase());
    const fourth = server.client();
    const step4 = await fourth.login({ email, password, deviceName: "Encore" });
    if (step4.status !== "second_factor_required") assert.fail(step4.status);
    await rejectsWith(fourth.loginRecoveryCode(step4.challengeToken, recovery), "AUTH_RECOVERY_CODE_INVALID");
    assert.equal((await api.secondFactors()).recoveryCodesRemaining, 9);

    // The tokens are stored only as hashes.
    const rows = await server.server.ctx.db.selectFrom("sessions").select("token_hash").execute();
    for (const client of [api, other, third]) {
      assert.ok(!rows.some((r) => r.token_hash === client.token));
    }
  });

  test("passwords that are short or common are refused with their own code", async () => {
    const api = server.client();
    await rejectsWith(
      api.register({ email: "a@example.fr", password: "court", displayName: "A" }),
      "PASSWORD_TOO_SHORT",
      400,
    );
    await rejectsWith(
      api.register({ email: "a@example.fr", password: "password1234", displayName: "A" }),
      "PASSWORD_TOO_COMMON",
      400,
    );
    await rejectsWith(
      api.register({ email: "a@example.fr", password: "azertyuiopqsdfghjklm", displayName: "A" }),
      "PASSWORD_TOO_COMMON",
      400,
    );
    await rejectsWith(
      api.register({ email: "a@example.fr", password: "aaaaaaaaaaaaaaaa", displayName: "A" }),
      "PASSWORD_TOO_COMMON",
      400,
    );
    const users = await server.server.ctx.db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "a@example.fr")
      .execute();
    assert.equal(users.length, 0);
  });

  test("registering an address twice answers the same and sends a notice, not a second account", async () => {
    const user = await server.createUser();
    const before = (await server.outbox()).length;
    const answer = await server
      .client()
      .register({ email: user.email, password: "une autre phrase longue", displayName: "X" });
    assert.deepEqual(answer, { status: "verification_sent" });
    const mails = await server.outbox();
    assert.equal(mails.length, before + 1);
    assert.match(mails.at(-1)!.subject, /déjà un compte/);
    // The original password still works.
    const step = await server.client().login({ email: user.email, password: user.password, deviceName: "d" });
    assert.equal(step.status, "second_factor_required");
  });

  test("devices and sessions: list, revoke one, rotate, log out, log out everywhere", async () => {
    const user = await server.createUser();
    const second = server.client();
    const step = await second.login({ email: user.email, password: user.password, deviceName: "Téléphone" });
    if (step.status !== "second_factor_required") assert.fail(step.status);
    const secondSession = await second.loginTotp(step.challengeToken, server.totp(user.totpSecret));

    const { devices } = await user.api.devices();
    assert.equal(devices.length, 2);
    assert.equal(devices.filter((d) => d.isCurrent).length, 1);

    // Revoke the phone's session from the first device.
    await user.api.revokeSession(secondSession.session.sessionId);
    await rejectsWith(second.me(), "AUTH_REQUIRED", 401);
    await rejectsWith(user.api.revokeSession(secondSession.session.sessionId), "NOT_FOUND", 404);

    // Rotation: the old token dies, the new one works.
    const oldToken = user.api.token!;
    await user.api.rotateSession();
    assert.notEqual(user.api.token, oldToken);
    await rejectsWith(server.client(oldToken).me(), "AUTH_REQUIRED", 401);
    await user.api.me();

    // Revoking a device closes its sessions.
    const third = server.client();
    const s3 = await third.login({ email: user.email, password: user.password, deviceName: "Tablette" });
    if (s3.status !== "second_factor_required") assert.fail(s3.status);
    const issued = await third.loginTotp(s3.challengeToken, server.totp(user.totpSecret));
    await user.api.revokeDevice(issued.session.deviceId);
    await rejectsWith(third.me(), "AUTH_REQUIRED", 401);

    const token = user.api.token!;
    await user.api.logoutEverywhere();
    await rejectsWith(server.client(token).me(), "AUTH_REQUIRED", 401);
  });

  test("sessions expire with the injected clock", async () => {
    const user = await server.createUser();
    await user.api.me();
    server.clock.advance(31 * 24 * 3600 * 1000);
    await rejectsWith(user.api.me(), "AUTH_SESSION_EXPIRED", 401);
  });

  test("password change closes the other sessions; the new password works", async () => {
    const user = await server.createUser();
    const other = server.client();
    const step = await other.login({ email: user.email, password: user.password, deviceName: "Autre" });
    if (step.status !== "second_factor_required") assert.fail(step.status);
    await other.loginTotp(step.challengeToken, server.totp(user.totpSecret));

    await rejectsWith(
      user.api.changePassword("wrong password!!", "nouvelle phrase secrète"),
      "AUTH_INVALID_CREDENTIALS",
      401,
    );
    await rejectsWith(user.api.changePassword(user.password, "password"), "PASSWORD_TOO_SHORT");
    await user.api.changePassword(user.password, "nouvelle phrase secrète");
    await user.api.me();
    await rejectsWith(other.me(), "AUTH_REQUIRED", 401);
    await rejectsWith(
      server.client().login({ email: user.email, password: user.password, deviceName: "x" }),
      "AUTH_INVALID_CREDENTIALS",
    );
    const ok = await server
      .client()
      .login({ email: user.email, password: "nouvelle phrase secrète", deviceName: "x" });
    assert.equal(ok.status, "second_factor_required");
  });

  test("password reset needs the e-mailed link and the second factor", async () => {
    const user = await server.createUser();
    const api = server.client();
    assert.deepEqual(await api.requestPasswordReset(user.email), { status: "accepted" });
    // Unknown addresses get the same answer.
    assert.deepEqual(await api.requestPasswordReset("nobody@example.fr"), { status: "accepted" });
    const mail = (await server.outbox()).filter((m) => m.to.includes(user.email)).at(-1)!;
    assert.match(mail.subject, /réinitialisation/);
    const token = mail.token!;

    await rejectsWith(
      api.completePasswordReset({ token, newPassword: "phrase de secours longue" }),
      "AUTH_SECOND_FACTOR_REQUIRED",
      400,
    );
    await rejectsWith(
      api.completePasswordReset({ token, newPassword: "phrase de secours longue", totpCode: "000000" }),
      "AUTH_SECOND_FACTOR_REQUIRED",
      401,
    );
    await api.completePasswordReset({
      token,
      newPassword: "phrase de secours longue",
      totpCode: server.totp(user.totpSecret),
    });
    // Every session was closed, and the link is used up.
    await rejectsWith(user.api.me(), "AUTH_REQUIRED");
    await rejectsWith(
      api.completePasswordReset({
        token,
        newPassword: "encore une autre phrase",
        totpCode: server.totp(user.totpSecret),
      }),
      "TOKEN_INVALID",
    );
    const step = await server
      .client()
      .login({ email: user.email, password: "phrase de secours longue", deviceName: "x" });
    assert.equal(step.status, "second_factor_required");
  });

  test("brute force: repeated wrong passwords lock the account for a while", async () => {
    const user = await server.createUser();
    const api = server.client();
    for (let i = 0; i < 5; i++) {
      await rejectsWith(
        api.login({ email: user.email, password: "not the password", deviceName: "x" }),
        "AUTH_INVALID_CREDENTIALS",
      );
    }
    await rejectsWith(
      api.login({ email: user.email, password: "not the password", deviceName: "x" }),
      "AUTH_INVALID_CREDENTIALS",
    );
    // Now locked, even with the right password.
    const locked = await rejectsWith(
      api.login({ email: user.email, password: user.password, deviceName: "x" }),
      "AUTH_TOO_MANY_ATTEMPTS",
      429,
    );
    assert.ok(Number(locked.details?.retryAfterSeconds) > 0);
    server.clock.advance(60_000);
    const step = await api.login({ email: user.email, password: user.password, deviceName: "x" });
    assert.equal(step.status, "second_factor_required");
  });

  test("brute force: repeated wrong TOTP codes lock the second step", async () => {
    const user = await server.createUser();
    const api = server.client();
    const step = await api.login({ email: user.email, password: user.password, deviceName: "x" });
    if (step.status !== "second_factor_required") assert.fail(step.status);
    for (let i = 0; i < 6; i++)
      await rejectsWith(api.loginTotp(step.challengeToken, "999999"), "AUTH_TOTP_INVALID");
    const code = currentTotpCode(user.totpSecret, server.clock.now() + 30_000);
    await rejectsWith(api.loginTotp(step.challengeToken, code), "AUTH_TOO_MANY_ATTEMPTS", 429);
  });

  test("a suspended account can't log in and its sessions die", async () => {
    const operator = await server.createUser({ operator: true });
    const user = await server.createUser();
    await operator.api.suspend(user.userId, "départ du service");
    await rejectsWith(user.api.me(), "AUTH_REQUIRED");
    await rejectsWith(
      server.client().login({ email: user.email, password: user.password, deviceName: "x" }),
      "AUTH_ACCOUNT_SUSPENDED",
      403,
    );
  });

  test("operators change roles and verify identities; users can't", async () => {
    const operator = await server.createUser({ operator: true });
    const user = await server.createUser();
    await rejectsWith(user.api.adminUsers(), "OPERATOR_ONLY", 403);
    await rejectsWith(user.api.verifyIdentity(user.userId), "OPERATOR_ONLY", 403);
    const verified = await operator.api.verifyIdentity(user.userId);
    assert.equal(verified.account.state, "verified");
    const promoted = await operator.api.setRole(user.userId, "operator");
    assert.equal(promoted.account.role, "operator");
    const found = await operator.api.adminUsers(user.email.slice(0, 8));
    assert.ok(found.users.some((u) => u.id === user.userId));
    // LIKE metacharacters are literal.
    assert.equal((await operator.api.adminUsers("%")).users.length, 0);
  });
});
