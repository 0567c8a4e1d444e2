import Stripe from "stripe";
import type { StripeConfig } from "./billing-config.ts";
import {
  type CheckoutFacts,
  type CheckoutInput,
  type CheckoutSession,
  type PaymentProvider,
  ProviderError,
  type ProviderEvent,
  WebhookPayloadError,
  WebhookSignatureError,
} from "./payment-provider.ts";

/** Stripe's default: a signed event older than five minutes is refused (replay protection). */
const WEBHOOK_TOLERANCE_SECONDS = 300;

type Json = Record<string, unknown>;

function str(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/** An expandable field is an id or the object: we only need the id. */
function idOf(value: unknown): string | null {
  if (typeof value === "string") return value || null;
  if (value && typeof value === "object") return str((value as Json).id);
  return null;
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function obj(value: unknown): Json {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

/**
 * Stripe behind our PaymentProvider: Checkout (cards and SEPA Direct Debit), the customer portal,
 * and webhooks verified with `stripe.webhooks.constructEvent`. Only ids, amounts and periods are
 * read from events; nothing about cards or bank accounts is kept.
 */
export class StripeProvider implements PaymentProvider {
  readonly name = "stripe" as const;
  private readonly stripe: Stripe;

  constructor(private readonly config: StripeConfig) {
    const base = config.apiBaseForTests;
    this.stripe = new Stripe(config.secretKey, {
      maxNetworkRetries: 2,
      timeout: 20_000,
      telemetry: false,
      appInfo: { name: "Confrère" },
      ...(base
        ? {
            host: base.hostname,
            port: base.port || (base.protocol === "https:" ? 443 : 80),
            protocol: base.protocol === "https:" ? "https" : "http",
          }
        : {}),
    });
  }

  async createCheckout(input: CheckoutInput): Promise<CheckoutSession> {
    const { item } = input;
    try {
      const session = await this.stripe.checkout.sessions.create({
        mode: input.mode,
        client_reference_id: input.checkoutId,
        ...(input.customerId
          ? { customer: input.customerId }
          : {
              ...(input.customerEmail ? { customer_email: input.customerEmail } : {}),
              ...(input.mode === "payment" ? { customer_creation: "always" as const } : {}),
            }),
        // Cards settle at once; SEPA Direct Debit (the usual way for French practices) a few days later.
        allowed_payment_method_types: ["card", "sepa_debit"],
        billing_address_collection: "required",
        locale: "fr",
        line_items: [
          {
            quantity: item.quantity,
            price_data: {
              currency: "eur",
              unit_amount: item.unitAmountCents,
              // Our prices are stated VAT included at checkout; our own invoice splits the VAT.
              tax_behavior: "inclusive",
              product_data: { name: item.name },
              ...(input.mode === "subscription" && item.interval
                ? { recurring: { interval: item.interval } }
                : {}),
            },
          },
        ],
        metadata: input.metadata,
        ...(input.mode === "subscription"
          ? { subscription_data: { metadata: input.metadata } }
          : { payment_intent_data: { metadata: input.metadata } }),
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
      });
      if (!session.url) throw new ProviderError("createCheckout: Stripe returned a session without a URL");
      return { id: session.id, url: session.url };
    } catch (error) {
      throw asProviderError("createCheckout", error);
    }
  }

  async createPortalLink(customerId: string, returnUrl: string): Promise<string> {
    try {
      const session = await this.stripe.billingPortal.sessions.create({
        customer: customerId,
        return_url: returnUrl,
      });
      return session.url;
    } catch (error) {
      throw asProviderError("createPortalLink", error);
    }
  }

  parseWebhook(rawBody: Buffer, signatureHeader: string | undefined, receivedAt: number): ProviderEvent {
    if (!signatureHeader)
      throw new WebhookSignatureError("stripeWebhook: the Stripe-Signature header is missing");
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(
        rawBody,
        signatureHeader,
        this.config.webhookSecret,
        WEBHOOK_TOLERANCE_SECONDS,
        undefined,
        receivedAt,
      );
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
        throw new WebhookSignatureError(
          "stripeWebhook: the signature does not match (or the event is too old)",
        );
      }
      throw new WebhookPayloadError("stripeWebhook: the body is not a Stripe event");
    }
    return readEvent(event as unknown as Json);
  }
}

function asProviderError(operation: string, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  // Stripe's messages name parameters, never card data; the request id helps support.
  const stripeError = error as { type?: string; message?: string; requestId?: string };
  return new ProviderError(
    `${operation}: Stripe refused or could not be reached (${stripeError.type ?? "error"}${stripeError.requestId ? `, request ${stripeError.requestId}` : ""})`,
  );
}

function checkoutFacts(session: Json): CheckoutFacts {
  const details = obj(session.customer_details);
  const address = obj(details.address);
  const addressLines = [
    str(address.line1),
    str(address.line2),
    [str(address.postal_code), str(address.city)].filter(Boolean).join(" ") || null,
    str(address.country) && address.country !== "FR" ? str(address.country) : null,
  ].filter((line): line is string => line !== null);
  const status = str(session.payment_status);
  return {
    checkoutSessionId: str(session.id) ?? "",
    clientReference: str(session.client_reference_id),
    paymentStatus: status === "paid" || status === "no_payment_required" ? status : "unpaid",
    customerId: idOf(session.customer),
    subscriptionId: idOf(session.subscription),
    invoiceId: idOf(session.invoice),
    paymentIntentId: idOf(session.payment_intent),
    amountTotalCents: num(session.amount_total),
    customerName: str(details.name),
    customerAddressLines: addressLines,
  };
}

/** The subscription an invoice belongs to: `parent.subscription_details` since API 2025-03, `subscription` before. */
function invoiceSubscription(invoice: Json): string | null {
  const parent = obj(invoice.parent);
  return idOf(obj(parent.subscription_details).subscription) ?? idOf(invoice.subscription);
}

/** The service period of a subscription invoice, from its first line (seconds → milliseconds). */
function invoicePeriod(invoice: Json): { start: number | null; end: number | null } {
  const first = obj((obj(invoice.lines).data as unknown[] | undefined)?.[0]);
  const period = obj(first.period);
  const start = num(period.start);
  const end = num(period.end);
  return { start: start === null ? null : start * 1000, end: end === null ? null : end * 1000 };
}

function readEvent(event: Json): ProviderEvent {
  const id = str(event.id);
  const type = str(event.type);
  const object = obj(obj(event.data).object);
  if (!id || !type) throw new WebhookPayloadError("stripeWebhook: the event has no id or type");
  switch (type) {
    case "checkout.session.completed":
      return { id, type: "checkout.completed", ...checkoutFacts(object) };
    case "checkout.session.async_payment_succeeded":
      return { id, type: "checkout.async_payment_succeeded", ...checkoutFacts(object) };
    case "checkout.session.async_payment_failed":
      return { id, type: "checkout.async_payment_failed", ...checkoutFacts(object) };
    case "invoice.paid": {
      const invoiceId = str(object.id);
      if (!invoiceId) throw new WebhookPayloadError("stripeWebhook: invoice.paid without an invoice id");
      const period = invoicePeriod(object);
      return {
        id,
        type: "invoice.paid",
        invoiceId,
        subscriptionId: invoiceSubscription(object),
        customerId: idOf(object.customer),
        amountPaidCents: num(object.amount_paid) ?? 0,
        periodStart: period.start,
        periodEnd: period.end,
      };
    }
    case "invoice.payment_failed": {
      const invoiceId = str(object.id);
      if (!invoiceId)
        throw new WebhookPayloadError("stripeWebhook: invoice.payment_failed without an invoice id");
      return {
        id,
        type: "invoice.payment_failed",
        invoiceId,
        subscriptionId: invoiceSubscription(object),
        customerId: idOf(object.customer),
      };
    }
    case "customer.subscription.deleted": {
      const subscriptionId = str(object.id);
      if (!subscriptionId) throw new WebhookPayloadError("stripeWebhook: subscription event without an id");
      return { id, type: "subscription.deleted", subscriptionId };
    }
    default:
      return { id, type: "ignored", providerType: type };
  }
}

/** One provider per configuration, built on first use (routes and the CLI share it). */
const providers = new WeakMap<StripeConfig, StripeProvider>();
export function stripeProviderFor(config: StripeConfig): StripeProvider {
  let provider = providers.get(config);
  if (!provider) {
    provider = new StripeProvider(config);
    providers.set(config, provider);
  }
  return provider;
}
