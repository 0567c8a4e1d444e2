import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseEml, type SmtpSink, startSmtpSink, startTestServer, type TestServer } from "@confrere/dev-env";

describe("e-mail through SMTP_URL", () => {
  let sink: SmtpSink;
  let server: TestServer;
  before(async () => {
    sink = await startSmtpSink();
    server = await startTestServer({
      env: { SMTP_URL: sink.url, MAIL_FROM: "Confrère <no-reply@confrere.test>" },
    });
  });
  after(async () => {
    await server.close();
    await sink.close();
  });

  test("the verification e-mail goes to the SMTP server, not the outbox, and its link works", async () => {
    const api = server.client();
    await api.register({
      email: "smtp@example.fr",
      password: "phrase envoyée par smtp",
      displayName: "Dr Smtp",
    });
    assert.equal(sink.messages.length, 1);
    const message = sink.messages[0]!;
    assert.deepEqual(message.to, ["smtp@example.fr"]);
    assert.equal(message.from, "no-reply@confrere.test");
    const mail = parseEml(message.raw);
    assert.match(mail.subject, /confirmez votre adresse/);
    assert.ok(!mail.text.includes("phrase envoyée par smtp"), "the password never travels by e-mail");
    assert.equal((await server.outbox()).length, 0);
    const { account } = await api.verifyEmail(mail.token!);
    assert.equal(account.state, "second_factor_required");
  });
});
