import { DAY } from "../clock.ts";
import type { StoredSubscriptionState } from "../db/schema-billing.ts";

/**
 * The life of a professional's subscription, as a pure function of its facts and the time, so
 * that the job, the webhooks and the tests all move it the same way:
 *
 *   trialing ──paid──▶ active ──payment failed / period over──▶ past_due ──14 days──▶ lapsed
 *       │                 ▲                                        │                    │
 *       └──trial over──▶ past_due      └────────────paid────────────┴────────paid────────┘
 *   any ──seat from an organisation──▶ sponsored ──seat gone──▶ what the own payments say
 *
 * Nobody is cut off at once: an unpaid period, an ended trial or a lost seat always passes
 * through 14 days of past_due with reminders first.
 */

/** Days of grace between a missed payment and a lapsed account (issue #8). */
export const GRACE_DAYS = 14;
/** Reminders before the trial ends, in days before its end. */
export const TRIAL_REMINDER_DAYS = [14, 3] as const;
/** Reminders during the grace period, in days before it ends. */
export const GRACE_REMINDER_DAYS = [7, 2] as const;
/**
 * An automatic (card / SEPA) renewal is charged by the provider around the period's end and its
 * `invoice.paid` may come a little later; the provider reports failures itself
 * (`invoice.payment_failed`), so we wait this long before calling the period unpaid.
 */
export const AUTOMATIC_RENEWAL_TOLERANCE_MS = 3 * DAY;

export interface SubscriptionFacts {
  state: StoredSubscriptionState;
  trialEndsAt: number;
  paidThrough: number | null;
  graceEndsAt: number | null;
  remindersSent: number;
  hasAutomaticRenewal: boolean;
  /** The organisation giving this professional a seat now, if any (computed from seats). */
  sponsorId: string | null;
  /** The organisation recorded as sponsor so far. */
  recordedSponsorId: string | null;
}

export type Reminder = { kind: "trial_ending"; endsAt: number } | { kind: "grace"; endsAt: number };

export interface Decision {
  state: StoredSubscriptionState;
  graceEndsAt: number | null;
  remindersSent: number;
  sponsorId: string | null;
  /** A reminder e-mail is due (no change of state). */
  reminder: Reminder | null;
}

function isPaid(facts: SubscriptionFacts, now: number): boolean {
  return facts.paidThrough !== null && facts.paidThrough > now;
}

function enterGrace(from: number, now: number): Pick<Decision, "state" | "graceEndsAt" | "remindersSent"> {
  const graceEndsAt = from + GRACE_DAYS * DAY;
  return graceEndsAt <= now
    ? { state: "lapsed", graceEndsAt: null, remindersSent: 0 }
    : { state: "past_due", graceEndsAt, remindersSent: 0 };
}

/** Where the subscription should be at `now`; equal fields mean nothing to do. */
export function decide(facts: SubscriptionFacts, now: number): Decision {
  const keep: Decision = {
    state: facts.state,
    graceEndsAt: facts.graceEndsAt,
    remindersSent: facts.remindersSent,
    sponsorId: facts.recordedSponsorId,
    reminder: null,
  };
  if (facts.sponsorId !== null) {
    if (facts.state === "sponsored" && facts.recordedSponsorId === facts.sponsorId) return keep;
    return {
      state: "sponsored",
      graceEndsAt: null,
      remindersSent: 0,
      sponsorId: facts.sponsorId,
      reminder: null,
    };
  }
  const personal = (next: Pick<Decision, "state" | "graceEndsAt" | "remindersSent">): Decision => ({
    ...next,
    sponsorId: null,
    reminder: null,
  });
  switch (facts.state) {
    case "sponsored":
      // The seat is gone: back to what the professional's own payments or trial say.
      if (isPaid(facts, now)) return personal({ state: "active", graceEndsAt: null, remindersSent: 0 });
      if (facts.trialEndsAt > now)
        return personal({ state: "trialing", graceEndsAt: null, remindersSent: 0 });
      return personal(enterGrace(now, now));
    case "trialing": {
      if (isPaid(facts, now)) return personal({ state: "active", graceEndsAt: null, remindersSent: 0 });
      if (now >= facts.trialEndsAt) return personal(enterGrace(facts.trialEndsAt, now));
      const due = TRIAL_REMINDER_DAYS.filter((days) => now >= facts.trialEndsAt - days * DAY).length;
      if (due > facts.remindersSent && !facts.hasAutomaticRenewal) {
        return { ...keep, remindersSent: due, reminder: { kind: "trial_ending", endsAt: facts.trialEndsAt } };
      }
      return keep;
    }
    case "active": {
      if (isPaid(facts, now)) return keep;
      const end = facts.paidThrough ?? now;
      if (facts.hasAutomaticRenewal && now < end + AUTOMATIC_RENEWAL_TOLERANCE_MS) return keep;
      return personal(
        enterGrace(facts.hasAutomaticRenewal ? end + AUTOMATIC_RENEWAL_TOLERANCE_MS : end, now),
      );
    }
    case "past_due": {
      if (isPaid(facts, now)) return personal({ state: "active", graceEndsAt: null, remindersSent: 0 });
      const graceEndsAt = facts.graceEndsAt ?? now + GRACE_DAYS * DAY;
      if (now >= graceEndsAt) return personal({ state: "lapsed", graceEndsAt: null, remindersSent: 0 });
      const due = GRACE_REMINDER_DAYS.filter((days) => now >= graceEndsAt - days * DAY).length;
      if (due > facts.remindersSent) {
        return { ...keep, graceEndsAt, remindersSent: due, reminder: { kind: "grace", endsAt: graceEndsAt } };
      }
      return { ...keep, graceEndsAt };
    }
    case "lapsed":
      if (isPaid(facts, now)) return personal({ state: "active", graceEndsAt: null, remindersSent: 0 });
      return keep;
  }
}

/**
 * A payment failed at the provider: past_due now (with its grace), unless already there or worse.
 * A trial is not shortened by a failed first debit: it runs to its end.
 */
export function afterPaymentFailure(facts: SubscriptionFacts, now: number): Decision {
  const keep = decide(facts, now);
  if (keep.state !== "active") return keep;
  return {
    state: "past_due",
    graceEndsAt: now + GRACE_DAYS * DAY,
    remindersSent: 0,
    sponsorId: null,
    reminder: null,
  };
}

/** Lapsed (or without a subscription yet) accounts may not start conversations or invite. */
export function mayStartConversations(state: StoredSubscriptionState | "none"): boolean {
  return state === "trialing" || state === "active" || state === "past_due" || state === "sponsored";
}
