import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatEuros, splitInclVat, vatOf } from "../src/billing/amounts.ts";
import { addMonths, parisDayEnd, parisDayStart } from "../src/billing/calendar.ts";
import { formatInvoiceNumber } from "../src/billing/invoice-numbering.ts";
import { billedMonths, exclForIncl } from "../src/billing/payments.ts";
import {
  afterPaymentFailure,
  decide,
  mayStartConversations,
  type SubscriptionFacts,
} from "../src/billing/subscription-state.ts";
import { DAY } from "../src/clock.ts";

const T0 = Date.UTC(2026, 0, 10);

function facts(overrides: Partial<SubscriptionFacts> = {}): SubscriptionFacts {
  return {
    state: "trialing",
    trialEndsAt: T0 + 90 * DAY,
    paidThrough: null,
    graceEndsAt: null,
    remindersSent: 0,
    hasAutomaticRenewal: false,
    sponsorId: null,
    recordedSponsorId: null,
    ...overrides,
  };
}

describe("the subscription state machine", () => {
  test("a trial reminds at 14 and 3 days, then ends in 14 days of grace, then lapses", () => {
    assert.equal(decide(facts(), T0).reminder, null);
    const first = decide(facts(), T0 + 76 * DAY);
    assert.deepEqual(
      [first.state, first.remindersSent, first.reminder?.kind],
      ["trialing", 1, "trial_ending"],
    );
    assert.equal(decide(facts({ remindersSent: 1 }), T0 + 80 * DAY).reminder, null);
    assert.equal(decide(facts({ remindersSent: 1 }), T0 + 87 * DAY).remindersSent, 2);
    const ended = decide(facts({ remindersSent: 2 }), T0 + 90 * DAY);
    assert.deepEqual([ended.state, ended.graceEndsAt], ["past_due", T0 + 104 * DAY]);
    // A job that did not run for weeks lapses the account directly, never earlier than due.
    assert.equal(decide(facts(), T0 + 104 * DAY).state, "lapsed");
    assert.equal(decide(facts(), T0 + 104 * DAY - 1).state, "past_due");
  });

  test("a payment activates from any state; a lapsed account is reactivated at once", () => {
    for (const state of ["trialing", "past_due", "lapsed"] as const) {
      assert.equal(decide(facts({ state, paidThrough: T0 + 30 * DAY }), T0).state, "active");
    }
  });

  test("an automatic renewal gets 3 days for its payment before the period counts as unpaid", () => {
    const active = facts({ state: "active", paidThrough: T0, hasAutomaticRenewal: true });
    assert.equal(decide(active, T0 + 2 * DAY).state, "active");
    const due = decide(active, T0 + 3 * DAY);
    assert.deepEqual([due.state, due.graceEndsAt], ["past_due", T0 + 17 * DAY]);
    // A transfer-paid period has no provider to wait for.
    assert.equal(decide(facts({ state: "active", paidThrough: T0 }), T0).state, "past_due");
  });

  test("a failed payment moves an active subscription to past_due, but never shortens a trial", () => {
    const failed = afterPaymentFailure(
      facts({ state: "active", paidThrough: T0, hasAutomaticRenewal: true }),
      T0,
    );
    assert.deepEqual([failed.state, failed.graceEndsAt], ["past_due", T0 + 14 * DAY]);
    assert.equal(afterPaymentFailure(facts(), T0).state, "trialing");
  });

  test("a seat makes any state sponsored; losing it falls back to what was paid, else grace", () => {
    assert.equal(decide(facts({ state: "lapsed", sponsorId: "org" }), T0).state, "sponsored");
    const sponsored = facts({ state: "sponsored", recordedSponsorId: "org", trialEndsAt: T0 - DAY });
    const lost = decide(sponsored, T0);
    assert.deepEqual([lost.state, lost.graceEndsAt, lost.sponsorId], ["past_due", T0 + 14 * DAY, null]);
    assert.equal(decide({ ...sponsored, paidThrough: T0 + DAY }, T0).state, "active");
    assert.equal(decide({ ...sponsored, trialEndsAt: T0 + DAY }, T0).state, "trialing");
  });

  test("only a lapsed account (or none) may not start conversations", () => {
    assert.deepEqual(
      (["trialing", "active", "past_due", "sponsored", "lapsed", "none"] as const).map(mayStartConversations),
      [true, true, true, true, false, false],
    );
  });
});

describe("billing arithmetic", () => {
  test("VAT is rounded half up on the total; an amount paid splits back exactly", () => {
    assert.equal(vatOf(500, 2000), 100);
    assert.equal(vatOf(2917, 2000), 583);
    assert.deepEqual(splitInclVat(600, 2000), { excl: 500, vat: 100 });
    for (const paid of [1, 599, 600, 601, 7200, 123_457]) {
      const excl = exclForIncl(paid, 2000);
      assert.ok(Math.abs(excl + vatOf(excl, 2000) - paid) <= 0, `${paid}`);
    }
    assert.equal(formatEuros(123_456), "1 234,56 €");
  });

  test("calendar days are read in Paris; periods are billed in started months", () => {
    assert.equal(parisDayStart("2026-01-01"), Date.UTC(2025, 11, 31, 23));
    assert.equal(parisDayStart("2026-07-01"), Date.UTC(2026, 5, 30, 22));
    assert.equal(parisDayStart("2026-02-30"), null);
    assert.equal(parisDayEnd("2026-12-31"), Date.UTC(2026, 11, 31, 23));
    assert.equal(billedMonths(parisDayStart("2026-01-01")!, parisDayEnd("2026-12-31")!), 12);
    assert.equal(billedMonths(parisDayStart("2026-01-15")!, parisDayEnd("2026-03-01")!), 2);
    assert.equal(addMonths(Date.UTC(2026, 0, 31), 1), Date.UTC(2026, 1, 28));
  });

  test("invoice numbers: one series per year, credit notes apart", () => {
    assert.equal(formatInvoiceNumber("invoice", 2026, 1), "2026-000001");
    assert.equal(formatInvoiceNumber("credit_note", 2026, 42), "AV-2026-000042");
  });
});
