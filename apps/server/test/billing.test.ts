import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  completedCheckoutSession,
  connectDevice,
  rejectsWith,
  runServerCli,
  type StripeReplay,
  scratchDatabase,
  signedStripeEvent,
  startStripeReplay,
  startTestServer,
  subscriptionInvoice,
  type TestServer,
  type TestUser,
  testStore,
} from "@confrere/dev-env";
import { type ConfrereError, withLuhnKey } from "@confrere/protocol";
import type { ApiClient } from "@confrere/sdk";
import { migrate } from "@confrere/server";
import { runBillingCycle } from "../src/billing/billing-job.ts";
import { DAY } from "../src/clock.ts";
import { pdfText } from "./support/pdf-text.ts";
import { userRow } from "./support/user-row.ts";

const WEBHOOK_SECRET = "whsec_confreretestsecret";
const SELLER_SIREN = withLuhnKey("73282932");
const SELLER_VAT = `FR44${SELLER_SIREN}`;
const BUYER_SIREN = withLuhnKey("21890025");
const BUYER_SIRET = withLuhnKey(`${BUYER_SIREN}0001`);

describe(`billing on ${testStore()}`, () => {
  let server: TestServer;
  let replay: StripeReplay;
  let operator: TestUser;

  before(async () => {
    replay = await startStripeReplay();
    server = await startTestServer({
      env: {
        STRIPE_SECRET_KEY: "sk_test_confrere",
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_BASE: replay.url,
        BILLING_SELLER_NAME: "Confrère SAS",
        BILLING_SELLER_ADDRESS: "12 rue des Forges; 21000 Dijon",
        BILLING_SELLER_SIREN: SELLER_SIREN,
        BILLING_SELLER_VAT_NUMBER: SELLER_VAT,
        BILLING_SELLER_LEGAL: "SAS au capital de 10 000 € · RCS Dijon",
      },
    });
    operator = await server.createUser({ operator: true, verified: true });
  });
  after(async () => {
    await server?.close();
    await replay?.close();
  });

  const ctx = () => server.server.ctx;
  const cycle = () => runBillingCycle(ctx());

  /** A fresh logged-in client: sessions expire when the test moves the clock by weeks. */
  async function login(user: TestUser): Promise<ApiClient> {
    const api = server.client();
    const step = await api.login({ email: user.email, password: user.password, deviceName: "test device" });
    if (step.status !== "second_factor_required") assert.fail(step.status);
    await api.loginTotp(step.challengeToken, server.totp(user.totpSecret));
    return api;
  }

  async function webhook(
    body: string,
    signature: string,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${server.url}/api/v1/billing/stripe/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": signature },
      body,
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  async function sendEvent(type: string, object: Record<string, unknown>) {
    const event = signedStripeEvent(type, object, { secret: WEBHOOK_SECRET, at: server.clock.now() });
    const answer = await webhook(event.payload, event.signature);
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    return { ...event, answer };
  }

  async function mailsTo(email: string) {
    return (await server.outbox()).filter((m) => m.to.includes(email));
  }

  async function stateChanges(userId: string): Promise<string[]> {
    const events = await ctx()
      .db.selectFrom("audit_events")
      .select("detail")
      .where("action", "=", "billing.subscription_state_changed")
      .where("target_id", "=", userId)
      .orderBy("seq")
      .execute();
    return events.map((e) => {
      const detail = JSON.parse(e.detail ?? "{}") as { from: string; to: string };
      return `${detail.from}→${detail.to}`;
    });
  }

  test("plans are data: Essentiel and Pro, monthly and yearly, VAT 20 %, a 90-day trial", async () => {
    const { plans } = await server.client().billingPlans();
    assert.deepEqual(
      plans.map((p) => [p.id, p.priceExclVatCents, p.priceInclVatCents, p.vatRateBasisPoints, p.trialDays]),
      [
        ["essentiel-monthly", 500, 600, 2000, 90],
        ["essentiel-yearly", 5000, 6000, 2000, 90],
        ["pro-monthly", 800, 960, 2000, 90],
        ["pro-yearly", 8000, 9600, 2000, 90],
      ],
    );
    const pro = plans.find((p) => p.id === "pro-monthly")!;
    const essentiel = plans.find((p) => p.id === "essentiel-monthly")!;
    assert.ok(pro.maxAttachmentBytes > essentiel.maxAttachmentBytes);
    assert.ok(pro.retentionDays > essentiel.retentionDays);
  });

  test("the trial starts with the verified identity; an unverified account has no subscription", async () => {
    const unverified = await server.createUser({ verified: false });
    assert.equal((await unverified.api.billingMe()).subscription.state, "none");
    const doctor = await server.createUser({ verified: true });
    const { subscription } = await doctor.api.billingMe();
    assert.equal(subscription.state, "trialing");
    assert.equal(subscription.mayStartConversations, true);
    const verifiedAt = (await doctor.api.me()).account.identityVerifiedAt!;
    assert.equal(subscription.trialEndsAt, verifiedAt + 90 * DAY);
    await cycle();
    const mails = await mailsTo(doctor.email);
    assert.ok(mails.some((m) => m.subject.includes("période d'essai a commencé")));
    assert.deepEqual(await stateChanges(doctor.userId), ["none→trialing"]);
  });

  test("trial → active (card, signed webhook) → past_due → reminders → lapsed → reactivated by payment", async () => {
    const walker = await server.createUser({ verified: true, name: "Dr Marcheur" });
    const peer = await server.createUser({ verified: true, name: "Dr Pair" });
    await cycle();

    // A conversation from the trial, to read once lapsed.
    const a = await connectDevice(server, walker, { connect: false });
    const conversationId = await a.openDirect(peer.userId);
    await a.sendText(conversationId, "Bonjour, un avis ?");
    a.disconnect();

    // Checkout: Stripe is asked for a subscription paid by card or SEPA Direct Debit.
    const { url, checkoutId } = await walker.api.startCheckout("essentiel-monthly");
    assert.match(url, /^https:\/\/checkout\.stripe\.com\//);
    const request = replay.requests.find((r) => r.params.client_reference_id === checkoutId);
    assert.ok(request, "the adapter called POST /v1/checkout/sessions");
    assert.equal(request.path, "/v1/checkout/sessions");
    assert.equal(request.params.mode, "subscription");
    assert.equal(request.params["allowed_payment_method_types[0]"], "card");
    assert.equal(request.params["allowed_payment_method_types[1]"], "sepa_debit");
    assert.equal(request.params["line_items[0][price_data][unit_amount]"], "600");
    assert.equal(request.params["line_items[0][price_data][recurring][interval]"], "month");
    const session = [...replay.sessions.values()].find((s) => s.client_reference_id === checkoutId)!;
    const completed = completedCheckoutSession(session);

    const first = await sendEvent("checkout.session.completed", completed);
    assert.deepEqual(first.answer.json, { received: true, duplicate: false });
    let me = await walker.api.billingMe();
    assert.equal(me.subscription.state, "active");
    assert.equal(me.subscription.hasAutomaticRenewal, true);
    assert.equal(me.subscription.paymentMethod, "card");
    assert.equal(me.invoices.length, 1);
    assert.deepEqual(
      [
        me.invoices[0]!.totalExclVatCents,
        me.invoices[0]!.vatCents,
        me.invoices[0]!.totalInclVatCents,
        me.invoices[0]!.isPaid,
      ],
      [500, 100, 600, true],
    );

    // The same event delivered again is acknowledged and changes nothing.
    const again = await webhook(first.payload, first.signature);
    assert.deepEqual([again.status, again.json], [200, { received: true, duplicate: true }]);
    // invoice.paid for that same first period names the invoice already issued: no second one.
    await sendEvent(
      "invoice.paid",
      subscriptionInvoice({
        id: String(completed.invoice),
        subscription: String(completed.subscription),
        customer: String(completed.customer),
        amount: 600,
        periodStart: server.clock.now(),
        periodEnd: me.subscription.paidThrough!,
        status: "paid",
      }),
    );
    assert.equal((await walker.api.billingMe()).invoices.length, 1);
    const processed = await ctx().db.selectFrom("billing_processed_events").select("event_id").execute();
    assert.equal(processed.filter((e) => e.event_id === first.eventId).length, 1);

    // A badly signed webhook is refused with a stable code, and nothing changes.
    const failedInvoice = subscriptionInvoice({
      subscription: String(completed.subscription),
      customer: String(completed.customer),
      amount: 600,
      periodStart: server.clock.now(),
      periodEnd: server.clock.now() + 30 * DAY,
      status: "open",
    });
    const forged = signedStripeEvent("invoice.payment_failed", failedInvoice, {
      secret: "whsec_notthesecret",
      at: server.clock.now(),
    });
    const refused = await webhook(forged.payload, forged.signature);
    assert.equal(refused.status, 400);
    assert.equal((refused.json.error as { code: string }).code, "BILLING_WEBHOOK_SIGNATURE_INVALID");
    const genuine = signedStripeEvent("invoice.payment_failed", failedInvoice, {
      secret: WEBHOOK_SECRET,
      at: server.clock.now(),
    });
    const tampered = await webhook(
      genuine.payload.replace('"amount_due":600', '"amount_due":1'),
      genuine.signature,
    );
    assert.equal(tampered.status, 400);
    const unsigned = await webhook(genuine.payload, "");
    assert.equal(unsigned.status, 400);
    assert.equal((await walker.api.billingMe()).subscription.state, "active");
    assert.equal(
      (
        await ctx()
          .db.selectFrom("billing_processed_events")
          .select("event_id")
          .where("event_id", "=", genuine.eventId)
          .execute()
      ).length,
      0,
    );

    // A month later the renewal fails: past_due, 14 days of grace, everything still works.
    server.clock.advance(32 * DAY);
    const failedAt = server.clock.now();
    await sendEvent("invoice.payment_failed", { ...failedInvoice, id: "in_test_renewal1" });
    let api = await login(walker);
    me = await api.billingMe();
    assert.equal(me.subscription.state, "past_due");
    assert.equal(me.subscription.graceEndsAt, failedAt + 14 * DAY);
    assert.equal(me.subscription.mayStartConversations, true);
    assert.ok(
      (await mailsTo(walker.email)).some(
        (m) => m.subject.includes("paiement en attente") && m.text.includes("a échoué"),
      ),
    );

    // Reminders at 7 and 2 days before the end of the grace period, once each.
    const reminders = async () =>
      (await mailsTo(walker.email)).filter((m) => m.subject.includes("rappel")).length;
    server.clock.advance(7 * DAY);
    await cycle();
    await cycle();
    assert.equal(await reminders(), 1);
    server.clock.advance(5 * DAY);
    await cycle();
    assert.equal(await reminders(), 2);
    api = await login(walker);
    assert.equal((await api.billingMe()).subscription.state, "past_due");

    // Past 14 days: lapsed. Reading and answering go on; starting a conversation does not.
    server.clock.advance(2 * DAY + 60_000);
    await cycle();
    api = await login(walker);
    me = await api.billingMe();
    assert.equal(me.subscription.state, "lapsed");
    assert.equal(me.subscription.mayStartConversations, false);
    assert.ok((await mailsTo(walker.email)).some((m) => m.subject.includes("abonnement suspendu")));
    await rejectsWith(
      api.createConversation({ id: "conversation-lapsed-1", kind: "group", memberIds: [peer.userId] }),
      "SUBSCRIPTION_LAPSED",
      402,
    );
    await rejectsWith(api.invite({ email: "confrere.a.inviter@example.fr" }), "SUBSCRIPTION_LAPSED", 402);
    const { conversations } = await api.conversations();
    assert.ok(conversations.some((c) => c.id === conversationId));
    assert.ok((await api.log(conversationId, 0)).entries.length > 0);

    // Payment: active again at once, and conversations can be started.
    await sendEvent(
      "invoice.paid",
      subscriptionInvoice({
        subscription: String(completed.subscription),
        customer: String(completed.customer),
        amount: 600,
        periodStart: server.clock.now(),
        periodEnd: server.clock.now() + 30 * DAY,
        status: "paid",
      }),
    );
    me = await api.billingMe();
    assert.equal(me.subscription.state, "active");
    assert.equal(me.invoices.length, 2);
    assert.ok((await mailsTo(walker.email)).some((m) => m.subject.includes("abonnement actif")));
    const colleague = await server.createUser({ verified: true });
    const device = await connectDevice(server, walker, { connect: false, deviceName: "after payment" });
    try {
      assert.ok(await device.openDirect(colleague.userId));
    } finally {
      device.disconnect();
    }
    assert.deepEqual(await stateChanges(walker.userId), [
      "none→trialing",
      "trialing→active",
      "active→past_due",
      "past_due→lapsed",
      "lapsed→active",
    ]);
  });

  test("an invoice PDF carries the legal mentions and its totals; only its payer downloads it", async () => {
    const ops = await login(operator);
    const doctor = await server.createUser({ verified: true, name: "Dr Facture" });
    await doctor.api.setBillingDetails({
      name: "Cabinet du Dr Facture",
      addressLine1: "3 rue de Lyon",
      addressLine2: null,
      postalCode: "89200",
      city: "Avallon",
      country: "France",
      siren: null,
      siret: null,
      vatNumber: null,
      invoiceEmail: null,
      purchaseOrderReference: null,
    });
    const { invoice } = await ops.recordPayment({
      payer: { userId: doctor.userId },
      amountCents: 6000,
      reference: "VIR-FACTURE-1",
    });
    assert.match(invoice.number, /^\d{4}-\d{6}$/);
    assert.deepEqual(
      [invoice.totalExclVatCents, invoice.vatCents, invoice.totalInclVatCents],
      [5000, 1000, 6000],
    );
    const text = await pdfText(await doctor.api.downloadInvoicePdf(invoice.id));
    for (const expected of [
      "FACTURE",
      `N° ${invoice.number}`,
      "Date d'émission",
      "Confrère SAS",
      "12 rue des Forges",
      `SIREN : ${SELLER_SIREN}`,
      `N° TVA intracommunautaire : ${SELLER_VAT}`,
      "SAS au capital de 10 000 €",
      "Cabinet du Dr Facture",
      "89200 Avallon",
      "Période de service",
      "Confrère Essentiel (annuel)",
      "Total HT",
      "50,00 €",
      "TVA 20 %",
      "10,00 €",
      "Total TTC",
      "60,00 €",
      "Facture acquittée le",
      "par virement bancaire (réf. VIR-FACTURE-1)",
      "indemnité forfaitaire pour frais de recouvrement de 40 €",
      "trois fois le taux d'intérêt légal",
    ]) {
      assert.ok(text.includes(expected), `the PDF says "${expected}": ${text}`);
    }
    const stranger = await server.createUser({ verified: true });
    await rejectsWith(stranger.api.downloadInvoicePdf(invoice.id), "BILLING_INVOICE_NOT_FOUND", 404);

    // A refund is a credit note in its own gapless series, pointing at the invoice.
    const { invoice: credit } = await ops.issueCreditNote(invoice.id, { reason: "Remboursement" });
    assert.match(credit.number, /^AV-\d{4}-\d{6}$/);
    assert.equal(credit.correctsInvoiceId, invoice.id);
    assert.deepEqual(
      [credit.totalExclVatCents, credit.vatCents, credit.totalInclVatCents],
      [-5000, -1000, -6000],
    );
    const creditText = await pdfText(await doctor.api.downloadInvoicePdf(credit.id));
    assert.ok(
      creditText.includes("AVOIR") && creditText.includes(`Avoir sur la facture N° ${invoice.number}`),
      creditText,
    );
    await rejectsWith(
      ops.issueCreditNote(invoice.id, { reason: "encore" }),
      "BILLING_CREDIT_EXCEEDS_INVOICE",
      409,
    );
  });

  test("invoice numbers have no gap and no duplicate under concurrent payments", async () => {
    const ops = await login(operator);
    // One after the other: each login's TOTP code moves the test clock on, which would void the
    // code of a login still in flight (seen as AUTH_TOTP_INVALID under load).
    const payers: TestUser[] = [];
    for (let i = 0; i < 4; i++) payers.push(await server.createUser({ verified: true }));
    const year = async () => {
      const now = new Date(server.clock.now()).getUTCFullYear();
      return (await ops.invoicesOfYear(now)).invoices.filter((i) => i.kind === "invoice");
    };
    const before = (await year()).length;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        ops.recordPayment({
          payer: { userId: payers[i % 4]!.userId },
          amountCents: 600,
          reference: `VIR-CONCURRENT-${i}`,
        }),
      ),
    );
    assert.deepEqual(
      results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason)),
      [],
    );
    // The same transfer recorded twice at once: one invoice, one refusal, no number lost.
    const twice = await Promise.allSettled(
      [0, 1].map(() =>
        ops.recordPayment({ payer: { userId: payers[0]!.userId }, amountCents: 600, reference: "VIR-TWICE" }),
      ),
    );
    assert.equal(twice.filter((r) => r.status === "fulfilled").length, 1);
    const refusal = twice.find((r) => r.status === "rejected") as PromiseRejectedResult;
    assert.equal((refusal.reason as ConfrereError).code, "BILLING_PAYMENT_DUPLICATE");
    const invoices = await year();
    assert.equal(invoices.length, before + 21);
    const sequences = invoices.map((i) => Number(i.number.slice(5))).sort((x, y) => x - y);
    assert.deepEqual(
      sequences,
      Array.from({ length: sequences.length }, (_, i) => i + 1),
    );
  });

  test("an organisation's seats: a member is sponsored and sees who pays; the sponsor sees usage only", async () => {
    const ops = await login(operator);
    const admin = await server.createUser({ verified: false, name: "Mme Finances" });
    const member = await server.createUser({ verified: true, name: "Dr Sponsorisée" });
    const other = await server.createUser({ verified: true, name: "Dr Autre" });
    const organisationId = "org-avallonnais";
    const now = server.clock.now();
    await ctx()
      .db.insertInto("organisations")
      .values({
        id: organisationId,
        kind: "territory",
        territory_type: "communaute_de_communes",
        name: "Communauté de communes Avallon-Vézelay-Morvan",
        siren: BUYER_SIREN,
        sponsored: 1,
        created_by: operator.userId,
        created_at: now,
        updated_at: now,
        // The organisations' own routes are another issue's; the other columns have defaults.
      } as never)
      .execute();
    await ctx()
      .db.insertInto("organisation_members")
      .values([
        {
          organisation_id: organisationId,
          user_id: admin.userId,
          role: "admin",
          added_by: null,
          created_at: now,
        },
        {
          organisation_id: organisationId,
          user_id: member.userId,
          role: "member",
          added_by: null,
          created_at: now + 1,
        },
        {
          organisation_id: organisationId,
          user_id: other.userId,
          role: "member",
          added_by: null,
          created_at: now + 2,
        },
      ])
      .execute();
    await cycle();

    // Without an address the transfer cannot be invoiced.
    const today = new Date(server.clock.now()).toISOString().slice(0, 10);
    const yearLater = new Date(server.clock.now() + 364 * DAY).toISOString().slice(0, 10);
    const transfer = {
      payer: { organisationId },
      amountCents: 7200,
      reference: "VIR-CCAVM-2026-01",
      seats: 1,
      startsOn: today,
      endsOn: yearLater,
    };
    await rejectsWith(ops.recordPayment(transfer), "BILLING_DETAILS_REQUIRED", 409);
    await rejectsWith(
      admin.api.setOrganisationBillingDetails(organisationId, {
        name: "CC Avallon-Vézelay-Morvan",
        addressLine1: "9 rue Carnot",
        addressLine2: null,
        postalCode: "89200",
        city: "Avallon",
        country: "France",
        siren: null,
        siret: "12345678901234",
        vatNumber: null,
        invoiceEmail: null,
        purchaseOrderReference: null,
      }),
      "BILLING_DETAILS_INVALID",
      400,
    );
    await admin.api.setOrganisationBillingDetails(organisationId, {
      name: "CC Avallon-Vézelay-Morvan",
      addressLine1: "9 rue Carnot",
      addressLine2: null,
      postalCode: "89200",
      city: "Avallon",
      country: "France",
      siren: null,
      siret: BUYER_SIRET,
      vatNumber: null,
      invoiceEmail: "comptabilite@ccavm.example.fr",
      purchaseOrderReference: "ENG-2026-117",
    });
    await rejectsWith(member.api.organisationBilling(organisationId), "ORGANISATION_ADMIN_REQUIRED", 403);

    const { invoice } = await ops.recordPayment(transfer);
    assert.equal(invoice.totalInclVatCents, 7200);
    assert.deepEqual(invoice.payer, { type: "organisation", organisationId });
    const text = await pdfText(await admin.api.downloadInvoicePdf(invoice.id));
    for (const expected of [
      `SIRET : ${BUYER_SIRET}`,
      `SIREN : ${BUYER_SIREN}`,
      "Référence d'engagement : ENG-2026-117",
      "(12 mois)",
      "72,00 €",
    ]) {
      assert.ok(text.includes(expected), `the PDF says "${expected}": ${text}`);
    }
    await rejectsWith(member.api.downloadInvoicePdf(invoice.id), "BILLING_INVOICE_NOT_FOUND", 404);
    await rejectsWith(ops.recordPayment(transfer), "BILLING_PAYMENT_DUPLICATE", 409);

    // Seats go to the members an administrator names.
    assert.equal((await member.api.billingMe()).subscription.state, "trialing");
    let usage = await admin.api.assignSeat(organisationId, member.userId);
    assert.deepEqual(usage.seats, { purchased: 1, used: 1, available: 0 });
    assert.deepEqual(usage.holders, [
      { userId: member.userId, displayName: "Dr Sponsorisée", how: "assigned" },
    ]);
    // The sponsor sees seats, holders, purchases and its own details: nothing else about members.
    assert.deepEqual(Object.keys(usage).sort(), [
      "autoAssignAll",
      "details",
      "holders",
      "name",
      "organisationId",
      "purchases",
      "seats",
      "uncoveredMembers",
    ]);
    const sponsored = await member.api.billingMe();
    assert.equal(sponsored.subscription.state, "sponsored");
    assert.equal(sponsored.subscription.sponsor?.name, "Communauté de communes Avallon-Vézelay-Morvan");
    assert.ok((await mailsTo(member.email)).some((m) => m.subject.includes("pris en charge")));
    await rejectsWith(member.api.startCheckout("essentiel-monthly"), "BILLING_ALREADY_SPONSORED", 409);
    await rejectsWith(admin.api.assignSeat(organisationId, other.userId), "BILLING_SEATS_EXHAUSTED", 409);
    await rejectsWith(admin.api.assignSeat(organisationId, operator.userId), "BILLING_NOT_A_MEMBER", 404);

    // "All members automatically": the one seat stays with the assigned member; the other waits.
    usage = await admin.api.setSeatAutoAssign(organisationId, true);
    assert.equal(usage.uncoveredMembers, 1);
    assert.equal((await other.api.billingMe()).subscription.state, "trialing");

    // The organisation's invoices: its administrators see them, members do not.
    const { invoices } = await admin.api.listInvoices({ organisationId });
    assert.deepEqual(
      invoices.map((i) => i.id),
      [invoice.id],
    );
    await rejectsWith(member.api.listInvoices({ organisationId }), "ORGANISATION_ADMIN_REQUIRED", 403);
    assert.ok((await server.outbox()).some((m) => m.to.includes("comptabilite@ccavm.example.fr")));

    // The seat taken back: the trial (still running) goes on; the seat goes to the next member.
    usage = await admin.api.unassignSeat(organisationId, member.userId);
    assert.deepEqual(
      usage.holders.map((h) => [h.userId, h.how]),
      [[member.userId, "automatic"]],
    );
    await admin.api.setSeatAutoAssign(organisationId, false);
    assert.equal((await member.api.billingMe()).subscription.state, "trialing");
    assert.deepEqual((await stateChanges(member.userId)).slice(-2), [
      "trialing→sponsored",
      "sponsored→trialing",
    ]);
  });

  test("confrere-server billing plans, record-payment and invoices", async () => {
    const plans = await runServerCli(["billing", "plans", "--json"], { env: server.env });
    assert.equal(plans.code, 0, plans.stderr);
    assert.equal((JSON.parse(plans.stdout) as { plans: unknown[] }).plans.length, 4);
    const table = await runServerCli(["billing", "plans"], { env: server.env });
    assert.match(table.stdout, /essentiel-monthly\s+Essentiel\s+month\s+5,00 €\s+20 %\s+6,00 €\s+90 days/);

    const payer = await server.createUser({ verified: true });
    const recorded = await runServerCli(
      [
        "billing",
        "record-payment",
        "--user",
        payer.email,
        "--amount-cents",
        "9600",
        "--reference",
        "VIR-CLI-1",
        "--json",
      ],
      { env: server.env },
    );
    assert.equal(recorded.code, 0, recorded.stderr);
    const { invoice } = JSON.parse(recorded.stdout) as {
      invoice: { number: string; totalInclVatCents: number };
    };
    assert.equal(invoice.totalInclVatCents, 9600);
    const me = await (await login(payer)).billingMe();
    assert.equal(me.subscription.state, "active");
    // 96 € is one year of Pro (ten months' price) rather than ten months of it.
    assert.equal(me.subscription.planId, "pro-yearly");

    const duplicate = await runServerCli(
      [
        "billing",
        "record-payment",
        "--user",
        payer.email,
        "--amount-cents",
        "9600",
        "--reference",
        "VIR-CLI-1",
      ],
      { env: server.env },
    );
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /already recorded/);
    const missing = await runServerCli(
      ["billing", "record-payment", "--organisation", "org-x", "--amount-cents", "100", "--reference", "R"],
      { env: server.env },
    );
    assert.equal(missing.code, 64);
    assert.match(missing.stderr, /--seats N --from/);

    const year = invoice.number.slice(0, 4);
    const listed = await runServerCli(["billing", "invoices", "--year", year, "--json"], { env: server.env });
    assert.equal(listed.code, 0, listed.stderr);
    const { invoices } = JSON.parse(listed.stdout) as { invoices: { number: string }[] };
    assert.ok(invoices.some((i) => i.number === invoice.number));
    const printed = await runServerCli(["billing", "invoices", "--year", year], { env: server.env });
    assert.match(printed.stdout, new RegExp(`${invoice.number}\\s+\\d{2}/\\d{2}/\\d{4}`));
    const noYear = await runServerCli(["billing", "invoices"], { env: server.env });
    assert.equal(noYear.code, 64);
  });

  test("the portal link and online seat purchases go through the provider", async () => {
    const doctor = await server.createUser({ verified: true });
    await rejectsWith(doctor.api.billingPortal(), "BILLING_NO_AUTOMATIC_RENEWAL", 409);
    await rejectsWith(doctor.api.startCheckout("gold-monthly"), "BILLING_PLAN_NOT_FOUND", 404);
    const unverified = await server.createUser({ verified: false });
    await rejectsWith(
      unverified.api.startCheckout("essentiel-monthly"),
      "PROFESSIONAL_VERIFICATION_REQUIRED",
      403,
    );

    // An establishment buys 3 seats for six months by card.
    const admin = await server.createUser({ verified: false });
    const organisationId = "org-ch-avallon";
    const now = server.clock.now();
    await ctx()
      .db.insertInto("organisations")
      .values({
        id: organisationId,
        kind: "establishment",
        name: "CH d'Avallon",
        sponsored: 1,
        created_at: now,
        updated_at: now,
      } as never)
      .execute();
    await ctx()
      .db.insertInto("organisation_members")
      .values({
        organisation_id: organisationId,
        user_id: admin.userId,
        role: "admin",
        added_by: null,
        created_at: now,
      })
      .execute();
    const day = (offset: number) => new Date(now + offset * DAY).toISOString().slice(0, 10);
    await rejectsWith(
      admin.api.startSeatCheckout(organisationId, {
        planId: "essentiel-monthly",
        seats: 3,
        startsOn: day(10),
        endsOn: day(5),
      }),
      "BILLING_PERIOD_INVALID",
      400,
    );
    const { checkoutId } = await admin.api.startSeatCheckout(organisationId, {
      planId: "essentiel-monthly",
      seats: 3,
      startsOn: day(0),
      endsOn: day(180),
    });
    const request = replay.requests.find((r) => r.params.client_reference_id === checkoutId)!;
    assert.equal(request.params.mode, "payment");
    assert.equal(request.params["line_items[0][quantity]"], "3");
    const session = [...replay.sessions.values()].find((s) => s.client_reference_id === checkoutId)!;
    await sendEvent("checkout.session.completed", completedCheckoutSession(session));
    const usage = await admin.api.organisationBilling(organisationId);
    assert.equal(usage.seats.purchased, 3);
    assert.equal(usage.purchases[0]?.status, "paid");
    const { invoices } = await admin.api.listInvoices({ organisationId });
    assert.equal(invoices.length, 1);
    assert.equal(invoices[0]!.totalInclVatCents, Number(session.amount_total));
    const text = await pdfText(await admin.api.downloadInvoicePdf(invoices[0]!.id));
    assert.ok(
      text.includes("par carte bancaire") && text.includes("CH d'Avallon") && text.includes("3 rue de Lyon"),
      text,
    );
    const { url } = await admin.api.organisationBillingPortal(organisationId);
    assert.match(url, /^https:\/\/billing\.stripe\.com\//);
  });
});

describe(`billing migration on ${testStore()}`, () => {
  test("0009 → 0010 keeps the accounts and seeds the plans", async () => {
    const scratch = await scratchDatabase("billing-migration");
    try {
      const handle = await scratch.open();
      try {
        await migrate(handle, "0009-invitations");
        await handle.db
          .insertInto("users")
          .values(userRow({ identity_verified_at: 2 }))
          .execute();
        assert.deepEqual(await migrate(handle, "0010-billing"), ["0010-billing"]);
        const user = await handle.db
          .selectFrom("users")
          .select(["id", "identity_verified_at"])
          .executeTakeFirstOrThrow();
        assert.deepEqual(user, { id: "u1", identity_verified_at: 2 });
        const plans = await handle.db
          .selectFrom("billing_plans")
          .select("id")
          .orderBy("sort_order")
          .execute();
        assert.deepEqual(
          plans.map((p) => p.id),
          ["essentiel-monthly", "essentiel-yearly", "pro-monthly", "pro-yearly"],
        );
      } finally {
        await handle.close();
      }
    } finally {
      await scratch.dispose();
    }
  });
});

describe("billing webhooks without a provider", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  test("online payment is off without STRIPE_SECRET_KEY: checkout and webhooks say so", async () => {
    const doctor = await server.createUser({ verified: true });
    await rejectsWith(doctor.api.startCheckout("essentiel-monthly"), "BILLING_PAYMENTS_NOT_CONFIGURED", 409);
    assert.equal((await doctor.api.billingMe()).onlinePaymentsEnabled, false);
    const answer = await fetch(`${server.url}/api/v1/billing/stripe/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(answer.status, 409);
  });
});
