import { createHmac, randomBytes } from "node:crypto";
import http from "node:http";

/**
 * A stand-in for the Stripe API, for tests: no Stripe endpoint is reachable from here. It answers
 * the calls the server's Stripe adapter makes (Checkout sessions, billing-portal sessions,
 * customers) with objects in Stripe's documented shapes, remembers what was asked, and builds
 * signed webhook events as Stripe sends them (`Stripe-Signature: t=…,v1=…`, HMAC-SHA256 of
 * `${t}.${payload}` under the endpoint's secret).
 *
 * Point the server at it with STRIPE_API_BASE=replay.url (tests only).
 */

const API_VERSION = "2026-10-28.endive";

export interface RecordedStripeRequest {
  method: string;
  path: string;
  /** The form-encoded body, flat (`line_items[0][price_data][unit_amount]`). */
  params: Record<string, string>;
  authorization: string | null;
}

type StripeObject = Record<string, unknown>;

export interface StripeReplay {
  /** `http://127.0.0.1:PORT`: the value for STRIPE_API_BASE. */
  url: string;
  requests: RecordedStripeRequest[];
  /** Checkout sessions created, by id. */
  sessions: Map<string, StripeObject>;
  close(): Promise<void>;
}

function stripeId(prefix: string): string {
  return `${prefix}_test_${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}`;
}

function metadataOf(params: Record<string, string>, prefix = "metadata"): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    const match = new RegExp(`^${prefix.replace(/[[\]]/g, "\\$&")}\\[([^\\]]+)\\]$`).exec(key);
    if (match?.[1]) metadata[match[1]] = value;
  }
  return metadata;
}

/** A `checkout.session` as Stripe returns it on creation. */
function checkoutSession(params: Record<string, string>, now: number): StripeObject {
  const id = stripeId("cs");
  const quantity = Number(params["line_items[0][quantity]"] ?? 1);
  const unitAmount = Number(params["line_items[0][price_data][unit_amount]"] ?? 0);
  return {
    id,
    object: "checkout.session",
    allowed_payment_method_types: Object.entries(params)
      .filter(([key]) => key.startsWith("allowed_payment_method_types["))
      .map(([, value]) => value),
    amount_subtotal: unitAmount * quantity,
    amount_total: unitAmount * quantity,
    billing_address_collection: params.billing_address_collection ?? null,
    cancel_url: params.cancel_url ?? null,
    client_reference_id: params.client_reference_id ?? null,
    created: Math.floor(now / 1000),
    currency: params["line_items[0][price_data][currency]"] ?? "eur",
    customer: params.customer ?? null,
    customer_details: null,
    customer_email: params.customer_email ?? null,
    expires_at: Math.floor(now / 1000) + 24 * 3600,
    invoice: null,
    livemode: false,
    locale: params.locale ?? null,
    metadata: metadataOf(params),
    mode: params.mode ?? "payment",
    payment_intent: null,
    payment_status: "unpaid",
    status: "open",
    subscription: null,
    success_url: params.success_url ?? null,
    url: `https://checkout.stripe.com/c/pay/${id}`,
  };
}

function stripeError(status: number, message: string): { status: number; body: StripeObject } {
  return { status, body: { error: { type: "invalid_request_error", message } } };
}

export async function startStripeReplay(): Promise<StripeReplay> {
  const requests: RecordedStripeRequest[] = [];
  const sessions = new Map<string, StripeObject>();

  function answer(request: RecordedStripeRequest): { status: number; body: StripeObject } {
    if (!request.authorization?.startsWith("Bearer sk_test_")) {
      return {
        status: 401,
        body: { error: { type: "invalid_request_error", message: "Invalid API Key provided" } },
      };
    }
    const now = Date.now();
    if (request.method === "POST" && request.path === "/v1/checkout/sessions") {
      if (!request.params.success_url || !request.params.mode)
        return stripeError(400, "Missing required param: mode.");
      const session = checkoutSession(request.params, now);
      sessions.set(String(session.id), session);
      return { status: 200, body: session };
    }
    if (request.method === "POST" && request.path === "/v1/billing_portal/sessions") {
      if (!request.params.customer) return stripeError(400, "Missing required param: customer.");
      const id = stripeId("bps");
      return {
        status: 200,
        body: {
          id,
          object: "billing_portal.session",
          created: Math.floor(now / 1000),
          customer: request.params.customer,
          livemode: false,
          locale: null,
          return_url: request.params.return_url ?? null,
          url: `https://billing.stripe.com/p/session/${id}`,
        },
      };
    }
    if (request.method === "POST" && request.path === "/v1/customers") {
      return {
        status: 200,
        body: {
          id: stripeId("cus"),
          object: "customer",
          created: Math.floor(now / 1000),
          email: request.params.email ?? null,
          name: request.params.name ?? null,
          livemode: false,
          metadata: metadataOf(request.params),
        },
      };
    }
    return stripeError(404, `Unrecognized request URL (${request.method}: ${request.path}).`);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://replay");
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      const params: Record<string, string> = Object.fromEntries(url.searchParams);
      for (const [key, value] of form) params[key] = value;
      const recorded: RecordedStripeRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        params,
        authorization: typeof req.headers.authorization === "string" ? req.headers.authorization : null,
      };
      requests.push(recorded);
      const { status, body } = answer(recorded);
      res.writeHead(status, { "content-type": "application/json", "request-id": stripeId("req") });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sessions,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The `Stripe-Signature` header Stripe sends with `payload` at `timestampSeconds`. */
export function stripeSignature(payload: string, secret: string, timestampSeconds: number): string {
  const signature = createHmac("sha256", secret).update(`${timestampSeconds}.${payload}`).digest("hex");
  return `t=${timestampSeconds},v1=${signature}`;
}

/** A webhook ready to POST: its JSON body and the signature header for it. */
export interface SignedWebhook {
  eventId: string;
  payload: string;
  signature: string;
}

/** Wraps an object in a Stripe `event` and signs it. `at` is in milliseconds (use the server's clock). */
export function signedStripeEvent(
  type: string,
  object: StripeObject,
  options: { secret: string; at: number; eventId?: string },
): SignedWebhook {
  const eventId = options.eventId ?? stripeId("evt");
  const created = Math.floor(options.at / 1000);
  const payload = JSON.stringify({
    id: eventId,
    object: "event",
    api_version: API_VERSION,
    created,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  });
  return { eventId, payload, signature: stripeSignature(payload, options.secret, created) };
}

/** A billing address as Checkout collects it. */
export const SAMPLE_CUSTOMER_DETAILS = {
  address: {
    city: "Avallon",
    country: "FR",
    line1: "3 rue de Lyon",
    line2: null,
    postal_code: "89200",
    state: null,
  },
  email: "cabinet@example.fr",
  name: "Dr Claire Martin",
  phone: null,
  tax_exempt: "none",
  tax_ids: [],
};

/**
 * The session of `checkout.session.completed`: the created session, paid (card) or still unpaid
 * (SEPA processing), with the customer, subscription and first invoice Stripe made for it.
 */
export function completedCheckoutSession(
  session: StripeObject,
  options: {
    paymentStatus?: "paid" | "unpaid";
    customer?: string;
    subscription?: string;
    invoice?: string;
  } = {},
): StripeObject {
  const isSubscription = session.mode === "subscription";
  return {
    ...session,
    customer: options.customer ?? session.customer ?? stripeId("cus"),
    customer_details: SAMPLE_CUSTOMER_DETAILS,
    invoice: isSubscription ? (options.invoice ?? stripeId("in")) : null,
    payment_intent: isSubscription ? null : stripeId("pi"),
    payment_status: options.paymentStatus ?? "paid",
    status: "complete",
    subscription: isSubscription ? (options.subscription ?? stripeId("sub")) : null,
    url: null,
  };
}

/** An `invoice` of a subscription, as in `invoice.paid` / `invoice.payment_failed`. */
export function subscriptionInvoice(options: {
  subscription: string;
  customer: string;
  amount: number;
  periodStart: number;
  periodEnd: number;
  status: "paid" | "open";
  id?: string;
}): StripeObject {
  const id = options.id ?? stripeId("in");
  const start = Math.floor(options.periodStart / 1000);
  const end = Math.floor(options.periodEnd / 1000);
  return {
    id,
    object: "invoice",
    amount_due: options.amount,
    amount_paid: options.status === "paid" ? options.amount : 0,
    amount_remaining: options.status === "paid" ? 0 : options.amount,
    attempt_count: 1,
    billing_reason: "subscription_cycle",
    collection_method: "charge_automatically",
    currency: "eur",
    customer: options.customer,
    lines: {
      object: "list",
      data: [
        {
          id: stripeId("il"),
          object: "line_item",
          amount: options.amount,
          currency: "eur",
          period: { start, end },
          quantity: 1,
        },
      ],
      has_more: false,
      url: `/v1/invoices/${id}/lines`,
    },
    livemode: false,
    parent: {
      type: "subscription_details",
      subscription_details: { metadata: {}, subscription: options.subscription },
      quote_details: null,
    },
    period_start: start,
    period_end: end,
    status: options.status,
  };
}

/** A `subscription` as in `customer.subscription.deleted`. */
export function canceledSubscription(options: { id: string; customer: string }): StripeObject {
  return {
    id: options.id,
    object: "subscription",
    customer: options.customer,
    status: "canceled",
    livemode: false,
  };
}
