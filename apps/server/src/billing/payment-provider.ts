/**
 * What billing needs from a payment provider, in our own terms: a hosted checkout for a plan or for
 * seats, a link to the customer portal (cards, mandates, cancellation), and webhooks read into
 * provider-neutral events after their signature is checked. Stripe is the one implementation
 * (stripe-provider.ts); bank transfers need none (an operator records them).
 */

export interface CheckoutInput {
  /** Our checkout id, sent back by the provider with the completed session. */
  checkoutId: string;
  /** `subscription`: renewed automatically each period; `payment`: paid once (seats for a period). */
  mode: "subscription" | "payment";
  customerId: string | null;
  customerEmail: string | null;
  item: {
    name: string;
    /** VAT included: what the card or account is charged. */
    unitAmountCents: number;
    quantity: number;
    /** Subscriptions only. */
    interval?: "month" | "year";
  };
  successUrl: string;
  cancelUrl: string;
  /** Ids only: shown in the provider's dashboard. */
  metadata: Record<string, string>;
}

export interface CheckoutSession {
  id: string;
  url: string;
}

/** The payment facts a completed checkout carries. */
export interface CheckoutFacts {
  checkoutSessionId: string;
  /** Our checkout id. */
  clientReference: string | null;
  /** `unpaid` while a SEPA debit is processing. */
  paymentStatus: "paid" | "unpaid" | "no_payment_required";
  customerId: string | null;
  subscriptionId: string | null;
  /** The provider's invoice of a subscription's first period (a later `invoice.paid` names it too). */
  invoiceId: string | null;
  paymentIntentId: string | null;
  amountTotalCents: number | null;
  /** What the buyer typed at checkout, for the invoice when we have no billing details. */
  customerName: string | null;
  customerAddressLines: string[];
}

export type ProviderEvent = { id: string } & (
  | ({ type: "checkout.completed" } & CheckoutFacts)
  | ({ type: "checkout.async_payment_succeeded" } & CheckoutFacts)
  | ({ type: "checkout.async_payment_failed" } & CheckoutFacts)
  | {
      type: "invoice.paid";
      invoiceId: string;
      subscriptionId: string | null;
      customerId: string | null;
      amountPaidCents: number;
      periodStart: number | null;
      periodEnd: number | null;
    }
  | {
      type: "invoice.payment_failed";
      invoiceId: string;
      subscriptionId: string | null;
      customerId: string | null;
    }
  | { type: "subscription.deleted"; subscriptionId: string }
  | { type: "ignored"; providerType: string }
);

/** The webhook's signature is missing, wrong or too old: nothing in it may be believed. */
export class WebhookSignatureError extends Error {}
/** Signed, but not an event we can read. */
export class WebhookPayloadError extends Error {}
/** The provider's API refused or could not be reached. */
export class ProviderError extends Error {}

export interface PaymentProvider {
  readonly name: "stripe";
  createCheckout(input: CheckoutInput): Promise<CheckoutSession>;
  createPortalLink(customerId: string, returnUrl: string): Promise<string>;
  /** Checks the signature over the raw bytes, then reads the event. `receivedAt` comes from our clock. */
  parseWebhook(rawBody: Buffer, signatureHeader: string | undefined, receivedAt: number): ProviderEvent;
}
