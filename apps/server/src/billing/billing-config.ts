import { checkSiren } from "@confrere/protocol";

/**
 * Who sells, as French invoices must name them (CGI annexe II art. 242 nonies A: name, address, SIREN,
 * intra-community VAT number; plus the legal form and capital for a company).
 */
export interface SellerIdentity {
  name: string;
  /** Printed one per line. */
  addressLines: string[];
  siren: string;
  vatNumber: string;
  /** E.g. "SAS au capital de 10 000 € · RCS Dijon 123 456 789". */
  legalMention: string | null;
}

export interface StripeConfig {
  secretKey: string;
  webhookSecret: string;
  /**
   * Tests only: where the `stripe` client sends its API calls (the recorded-response server of
   * packages/dev-env). Refused when NODE_ENV=production.
   */
  apiBaseForTests: URL | null;
}

export interface BillingConfig {
  /** Null until BILLING_SELLER_* are set: no invoice can be issued without them. */
  seller: SellerIdentity | null;
  /** Null when STRIPE_SECRET_KEY is unset: card and SEPA payments are not offered. */
  stripe: StripeConfig | null;
}

type Env = Record<string, string | undefined>;
type Fail = (variable: string, message: string) => Error;

/** Reads BILLING_SELLER_* and STRIPE_*; documented in the README's configuration reference. */
export function loadBillingConfig(env: Env, fail: Fail): BillingConfig {
  const seller = loadSeller(env, fail);
  const stripe = loadStripe(env, fail);
  if (stripe && !seller) {
    // A card payment issues an invoice at once; without the seller's identity it would be unlawful.
    throw fail(
      "BILLING_SELLER_NAME",
      "and the other BILLING_SELLER_* are required when STRIPE_SECRET_KEY is set",
    );
  }
  return { seller, stripe };
}

function loadSeller(env: Env, fail: Fail): SellerIdentity | null {
  const name = env.BILLING_SELLER_NAME?.trim() ?? "";
  const address = env.BILLING_SELLER_ADDRESS?.trim() ?? "";
  const siren = (env.BILLING_SELLER_SIREN ?? "").replace(/\s+/g, "");
  const vatNumber = (env.BILLING_SELLER_VAT_NUMBER ?? "").replace(/\s+/g, "").toUpperCase();
  if (!name && !address && !siren && !vatNumber) return null;
  if (!name) throw fail("BILLING_SELLER_NAME", "is required when another BILLING_SELLER_* is set");
  if (!address) throw fail("BILLING_SELLER_ADDRESS", "is required (lines separated by ';')");
  const sirenCheck = checkSiren(siren);
  if (!sirenCheck.ok) throw fail("BILLING_SELLER_SIREN", `is not a valid SIREN (${sirenCheck.message})`);
  if (!/^[A-Z]{2}[A-Z0-9]{2,13}$/.test(vatNumber)) {
    throw fail("BILLING_SELLER_VAT_NUMBER", "must be an intra-community VAT number such as FR32123456789");
  }
  return {
    name,
    addressLines: address
      .split(";")
      .map((line) => line.trim())
      .filter(Boolean),
    siren: sirenCheck.value,
    vatNumber,
    legalMention: env.BILLING_SELLER_LEGAL?.trim() || null,
  };
}

function loadStripe(env: Env, fail: Fail): StripeConfig | null {
  const secretKey = env.STRIPE_SECRET_KEY?.trim() ?? "";
  const apiBase = env.STRIPE_API_BASE?.trim() ?? "";
  if (!secretKey) {
    if (apiBase) throw fail("STRIPE_API_BASE", "needs STRIPE_SECRET_KEY");
    return null;
  }
  if (!/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/.test(secretKey)) {
    throw fail("STRIPE_SECRET_KEY", "must be a Stripe secret or restricted key (sk_test_…, sk_live_…)");
  }
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET?.trim() ?? "";
  if (!/^whsec_[A-Za-z0-9]+$/.test(webhookSecret)) {
    throw fail(
      "STRIPE_WEBHOOK_SECRET",
      "is required with STRIPE_SECRET_KEY (whsec_…, from the webhook endpoint)",
    );
  }
  let apiBaseForTests: URL | null = null;
  if (apiBase) {
    if (env.NODE_ENV === "production")
      throw fail("STRIPE_API_BASE", "is for tests only and refused in production");
    try {
      apiBaseForTests = new URL(apiBase);
    } catch {
      throw fail("STRIPE_API_BASE", "is not a valid URL");
    }
  }
  return { secretKey, webhookSecret, apiBaseForTests };
}
