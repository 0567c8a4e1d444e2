import {
  AdminInvoiceListQuery,
  AssignSeatRequest,
  BillingDetails,
  BillingDetailsResponse,
  BillingMeResponse,
  BillingPlansResponse,
  CheckoutRequest,
  CheckoutResponse,
  ConfrereError,
  CreditNoteRequest,
  ErrorCode,
  InvoiceListQuery,
  InvoiceListResponse,
  InvoiceParams,
  InvoiceResponse,
  OrganisationBillingParams,
  OrganisationBillingResponse,
  OrganisationSeatParams,
  PortalResponse,
  RecordPaymentRequest,
  RecordPaymentResponse,
  SeatCheckoutRequest,
  SeatSettingsRequest,
  WebhookResponse,
} from "@confrere/protocol";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import {
  detailsOf,
  ensureBillingAccount,
  findBillingAccount,
  normaliseDetails,
  saveBillingDetails,
} from "../billing/billing-accounts.ts";
import {
  paymentProvider,
  portalLink,
  startSeatCheckout,
  startSubscriptionCheckout,
} from "../billing/checkout.ts";
import {
  findInvoice,
  invoicePdf,
  invoicesOf,
  invoicesOfYear,
  issueCreditNote,
  type Payer,
  toInvoiceSummary,
} from "../billing/invoices.ts";
import { WebhookPayloadError, WebhookSignatureError } from "../billing/payment-provider.ts";
import { reconcileOrganisation } from "../billing/payments.ts";
import { currentPlans, toWirePlan } from "../billing/plans.ts";
import { organisationCoverage } from "../billing/sponsorship.ts";
import { subscriptionView } from "../billing/subscriptions.ts";
import { recordTransfer } from "../billing/transfers.ts";
import { handleProviderEvent } from "../billing/webhooks.ts";
import type { AppContext } from "../context.ts";
import type { App } from "../http/app.ts";
import { authorize } from "../http/auth-guard.ts";
import { organisationRole, requireOrganisationAdmin } from "../organisations/organisation-access.ts";
import { API, errorResponses } from "./index.ts";

const security = [{ session: [] }];
const tags = ["billing"];

function yearOf(raw: string | undefined, operation: string): number | undefined {
  if (raw === undefined) return undefined;
  const year = Number(raw);
  if (year < 2000 || year > 9999) {
    throw new ConfrereError(ErrorCode.BILLING_YEAR_INVALID, 400, `${operation}: give a year such as 2026`, {
      location: "querystring",
    });
  }
  return year;
}

/** What a sponsor's administrators see: seats, holders (their own purchase), purchases, details. */
async function organisationBilling(ctx: AppContext, organisationId: string) {
  const coverage = await organisationCoverage(ctx, organisationId);
  const purchases = await ctx.db
    .selectFrom("billing_seat_purchases")
    .selectAll()
    .where("organisation_id", "=", organisationId)
    .orderBy("starts_at", "desc")
    .execute();
  const account = await findBillingAccount(ctx, { organisationId });
  return {
    organisationId,
    name: coverage.name,
    seats: {
      purchased: coverage.purchased,
      used: coverage.holders.length,
      available: Math.max(0, coverage.purchased - coverage.holders.length),
    },
    autoAssignAll: coverage.autoAssignAll,
    holders: coverage.holders,
    uncoveredMembers: coverage.uncovered,
    purchases: purchases.map((p) => ({
      id: p.id,
      planId: p.plan_id,
      seats: Number(p.seats),
      startsAt: Number(p.starts_at),
      endsAt: Number(p.ends_at),
      status: p.status,
      invoiceId: p.invoice_id,
      createdAt: Number(p.created_at),
    })),
    details: detailsOf(account),
  };
}

/** Subscriptions, plans, sponsorship seats, payments and invoices. */
export function billingRoutes(app: App, ctx: AppContext): void {
  // Professionals ----------------------------------------------------------------------------
  app.get(
    `${API}/billing/plans`,
    {
      schema: {
        summary: "The plans on sale, prices in euro cents excluding and including VAT (public)",
        tags,
        response: { 200: BillingPlansResponse, ...errorResponses },
      },
    },
    async () => ({ plans: (await currentPlans(ctx)).map(toWirePlan) }),
  );

  app.get(
    `${API}/billing/me`,
    {
      schema: {
        summary: "My subscription: state, plan, trial end, sponsor, next renewal, and my invoices",
        tags,
        security,
        response: { 200: BillingMeResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user"))!;
      return {
        subscription: await subscriptionView(ctx, user.id),
        invoices: (await invoicesOf(ctx, { userId: user.id })).map(toInvoiceSummary),
        onlinePaymentsEnabled: paymentProvider(ctx) !== null,
      };
    },
  );

  app.get(
    `${API}/billing/me/details`,
    {
      schema: {
        summary: "The name and address printed on my invoices",
        tags,
        security,
        response: { 200: BillingDetailsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user"))!;
      return { details: detailsOf(await findBillingAccount(ctx, { userId: user.id })) };
    },
  );

  app.put(
    `${API}/billing/me/details`,
    {
      schema: {
        summary: "Set the name and address printed on my future invoices",
        tags,
        security,
        body: BillingDetails,
        response: { 200: BillingDetailsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "user"))!;
      const details = normaliseDetails(request.body, "billingDetails");
      await saveBillingDetails(ctx, { userId: user.id }, details);
      await ctx.audit.record({
        action: "billing.details_updated",
        actorId: user.id,
        targetType: "user",
        targetId: user.id,
        ip: request.ip,
        deviceId: session.device_id,
      });
      return { details };
    },
  );

  app.post(
    `${API}/billing/checkout`,
    {
      schema: {
        summary: "Subscribe to a plan: a hosted payment page (card or SEPA Direct Debit) to open",
        tags,
        security,
        body: CheckoutRequest,
        response: { 200: CheckoutResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user"))!;
      return startSubscriptionCheckout(ctx, user.id, request.body.planId);
    },
  );

  app.post(
    `${API}/billing/portal`,
    {
      schema: {
        summary: "A link to the payment provider's portal: card, SEPA mandate, cancellation",
        tags,
        security,
        response: { 200: PortalResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user"))!;
      return { url: await portalLink(ctx, { userId: user.id }, "/facturation") };
    },
  );

  app.get(
    `${API}/billing/invoices`,
    {
      schema: {
        summary: "My invoices, or an organisation's (its administrators), newest first",
        tags,
        security,
        querystring: InvoiceListQuery,
        response: { 200: InvoiceListResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user"))!;
      const year = yearOf(request.query.year, "listInvoices");
      let payer: Payer = { userId: user.id };
      if (request.query.organisationId !== undefined) {
        await requireOrganisationAdmin(ctx, user.id, request.query.organisationId, "listInvoices");
        payer = { organisationId: request.query.organisationId };
      }
      return { invoices: (await invoicesOf(ctx, payer, year)).map(toInvoiceSummary) };
    },
  );

  app.get(
    `${API}/billing/invoices/:invoiceId/pdf`,
    {
      schema: {
        summary: "Download an invoice or credit note as PDF (its payer only)",
        tags,
        security,
        params: InvoiceParams,
        response: { 200: Type.Unknown({ description: "The PDF (application/pdf)" }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { user, session } = (await authorize(ctx, request, "user"))!;
      const invoice = await findInvoice(ctx, request.params.invoiceId);
      // The payer only: the professional, or an administrator of the paying organisation. Anyone
      // else gets the same answer as for an invoice that does not exist.
      const isPayer =
        invoice !== null &&
        (invoice.payer_user_id === user.id ||
          (invoice.payer_organisation_id !== null &&
            (await organisationRole(ctx, user.id, invoice.payer_organisation_id)) === "admin"));
      if (!invoice || !isPayer) {
        throw new ConfrereError(
          ErrorCode.BILLING_INVOICE_NOT_FOUND,
          404,
          "downloadInvoice: no such invoice among yours",
        );
      }
      const pdf = await invoicePdf(ctx, invoice);
      await ctx.audit.record({
        action: "billing.invoice_downloaded",
        actorId: user.id,
        targetType: "invoice",
        targetId: invoice.id,
        ip: request.ip,
        deviceId: session.device_id,
      });
      const prefix = invoice.kind === "credit_note" ? "avoir" : "facture";
      return reply
        .header("content-type", "application/pdf")
        .header("content-disposition", `attachment; filename="${prefix}-${invoice.number}.pdf"`)
        .header("cache-control", "private, no-store")
        .send(Buffer.from(pdf));
    },
  );

  // The provider's webhook ---------------------------------------------------------------------
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    // The signature covers the exact bytes sent: this route alone keeps the JSON body raw.
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) =>
      done(null, body),
    );
    scope.post(
      `${API}/billing/stripe/webhook`,
      {
        schema: {
          summary: "Stripe webhook (signed with STRIPE_WEBHOOK_SECRET; a replayed event is ignored)",
          tags,
          response: { 200: WebhookResponse, ...errorResponses },
        },
      },
      async (request) => {
        const provider = paymentProvider(ctx);
        if (!provider) {
          throw new ConfrereError(
            ErrorCode.BILLING_PAYMENTS_NOT_CONFIGURED,
            409,
            "stripeWebhook: online payment is not enabled on this server",
          );
        }
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const signature = request.headers["stripe-signature"];
        let event: ReturnType<typeof provider.parseWebhook>;
        try {
          event = provider.parseWebhook(
            body,
            typeof signature === "string" ? signature : undefined,
            ctx.clock.now(),
          );
        } catch (error) {
          if (error instanceof WebhookSignatureError) {
            await ctx.audit.record({
              action: "billing.webhook_rejected",
              ip: request.ip,
              detail: { reason: "signature" },
            });
            throw new ConfrereError(ErrorCode.BILLING_WEBHOOK_SIGNATURE_INVALID, 400, error.message);
          }
          if (error instanceof WebhookPayloadError) {
            throw new ConfrereError(ErrorCode.BILLING_WEBHOOK_INVALID, 400, error.message);
          }
          throw error;
        }
        const { duplicate } = await handleProviderEvent(ctx, event);
        return { received: true as const, duplicate };
      },
    );
  });

  // Sponsors (an organisation's administrators) ---------------------------------------------------
  app.get(
    `${API}/organisations/:id/billing`,
    {
      schema: {
        summary: "Seats bought, who holds them, purchases and billing details (organisation administrators)",
        tags,
        security,
        params: OrganisationBillingParams,
        response: { 200: OrganisationBillingResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user"))!;
      await requireOrganisationAdmin(ctx, user.id, request.params.id, "organisationBilling");
      return organisationBilling(ctx, request.params.id);
    },
  );

  app.put(
    `${API}/organisations/:id/billing/details`,
    {
      schema: {
        summary:
          "Set the organisation's name, address, SIRET and commitment number for its invoices (administrators)",
        tags,
        security,
        params: OrganisationBillingParams,
        body: BillingDetails,
        response: { 200: BillingDetailsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "user"))!;
      await requireOrganisationAdmin(ctx, user.id, request.params.id, "organisationBillingDetails");
      const details = normaliseDetails(request.body, "organisationBillingDetails");
      await saveBillingDetails(ctx, { organisationId: request.params.id }, details);
      await ctx.audit.record({
        action: "billing.details_updated",
        actorId: user.id,
        targetType: "organisation",
        targetId: request.params.id,
        ip: request.ip,
        deviceId: session.device_id,
      });
      return { details };
    },
  );

  app.put(
    `${API}/organisations/:id/billing/settings`,
    {
      schema: {
        summary:
          "Give a seat to every verified member automatically, or only to those assigned (administrators)",
        tags,
        security,
        params: OrganisationBillingParams,
        body: SeatSettingsRequest,
        response: { 200: OrganisationBillingResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "user"))!;
      const organisationId = request.params.id;
      await requireOrganisationAdmin(ctx, user.id, organisationId, "seatSettings");
      const account = await ensureBillingAccount(ctx, { organisationId });
      const autoAssignAll = request.body.autoAssignAll ? 1 : 0;
      if (Number(account.auto_assign_all) !== autoAssignAll) {
        await ctx.db
          .updateTable("billing_accounts")
          .set({ auto_assign_all: autoAssignAll, updated_at: ctx.clock.now() })
          .where("id", "=", account.id)
          .execute();
        await ctx.audit.record({
          action: "billing.auto_assign_changed",
          actorId: user.id,
          targetType: "organisation",
          targetId: organisationId,
          ip: request.ip,
          deviceId: session.device_id,
          detail: { autoAssignAll: request.body.autoAssignAll },
        });
        await reconcileOrganisation(ctx, organisationId, user.id);
      }
      return organisationBilling(ctx, organisationId);
    },
  );

  app.post(
    `${API}/organisations/:id/billing/seats`,
    {
      schema: {
        summary: "Give one of the organisation's seats to a member (administrators)",
        tags,
        security,
        params: OrganisationBillingParams,
        body: AssignSeatRequest,
        response: { 200: OrganisationBillingResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "user"))!;
      const organisationId = request.params.id;
      const memberId = request.body.userId;
      await requireOrganisationAdmin(ctx, user.id, organisationId, "assignSeat");
      if ((await organisationRole(ctx, memberId, organisationId)) === null) {
        throw new ConfrereError(
          ErrorCode.BILLING_NOT_A_MEMBER,
          404,
          "assignSeat: this person is not a member of the organisation; add them as a member first",
        );
      }
      const already = await ctx.db
        .selectFrom("billing_seat_assignments")
        .select("user_id")
        .where("organisation_id", "=", organisationId)
        .where("user_id", "=", memberId)
        .executeTakeFirst();
      if (!already) {
        const coverage = await organisationCoverage(ctx, organisationId);
        const assigned = coverage.holders.filter((h) => h.how === "assigned").length;
        if (assigned >= coverage.purchased) {
          throw new ConfrereError(
            ErrorCode.BILLING_SEATS_EXHAUSTED,
            409,
            `assignSeat: all ${coverage.purchased} seats are assigned; free one or buy more`,
          );
        }
        await ctx.db
          .insertInto("billing_seat_assignments")
          .values({
            organisation_id: organisationId,
            user_id: memberId,
            assigned_by: user.id,
            created_at: ctx.clock.now(),
          })
          .onConflict((oc) => oc.columns(["organisation_id", "user_id"]).doNothing())
          .execute();
        await ctx.audit.record({
          action: "billing.seat_assigned",
          actorId: user.id,
          targetType: "user",
          targetId: memberId,
          ip: request.ip,
          deviceId: session.device_id,
          detail: { organisationId },
        });
        await reconcileOrganisation(ctx, organisationId, user.id);
      }
      return organisationBilling(ctx, organisationId);
    },
  );

  app.delete(
    `${API}/organisations/:id/billing/seats/:userId`,
    {
      schema: {
        summary: "Take a seat back from a member (administrators); they keep 14 days of grace",
        tags,
        security,
        params: OrganisationSeatParams,
        response: { 200: OrganisationBillingResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user, session } = (await authorize(ctx, request, "user"))!;
      const organisationId = request.params.id;
      await requireOrganisationAdmin(ctx, user.id, organisationId, "unassignSeat");
      const removed = await ctx.db
        .deleteFrom("billing_seat_assignments")
        .where("organisation_id", "=", organisationId)
        .where("user_id", "=", request.params.userId)
        .executeTakeFirst();
      if (Number(removed.numDeletedRows) > 0) {
        await ctx.audit.record({
          action: "billing.seat_unassigned",
          actorId: user.id,
          targetType: "user",
          targetId: request.params.userId,
          ip: request.ip,
          deviceId: session.device_id,
          detail: { organisationId },
        });
        await reconcileOrganisation(ctx, organisationId, user.id);
      }
      return organisationBilling(ctx, organisationId);
    },
  );

  app.post(
    `${API}/organisations/:id/billing/checkout`,
    {
      schema: {
        summary:
          "Buy seats for a period online: a hosted payment page (card or SEPA) to open (administrators)",
        tags,
        security,
        params: OrganisationBillingParams,
        body: SeatCheckoutRequest,
        response: { 200: CheckoutResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user"))!;
      await requireOrganisationAdmin(ctx, user.id, request.params.id, "seatCheckout");
      return startSeatCheckout(ctx, request.params.id, user.id, request.body);
    },
  );

  app.post(
    `${API}/organisations/:id/billing/portal`,
    {
      schema: {
        summary: "A link to the payment provider's portal for the organisation (administrators)",
        tags,
        security,
        params: OrganisationBillingParams,
        response: { 200: PortalResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = (await authorize(ctx, request, "user"))!;
      await requireOrganisationAdmin(ctx, user.id, request.params.id, "billingPortal");
      return {
        url: await portalLink(
          ctx,
          { organisationId: request.params.id },
          `/organisations/${request.params.id}/facturation`,
        ),
      };
    },
  );

  // Operators ---------------------------------------------------------------------------------
  app.post(
    `${API}/admin/billing/payments`,
    {
      schema: {
        summary: "Record a bank transfer and issue its settled invoice (operators)",
        tags: ["operators", ...tags],
        security,
        body: RecordPaymentRequest,
        response: { 201: RecordPaymentResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { user } = (await authorize(ctx, request, "operator"))!;
      const { paymentId, invoice } = await recordTransfer(ctx, request.body, user.id);
      return reply.status(201).send({ paymentId, invoice: toInvoiceSummary(invoice) });
    },
  );

  app.post(
    `${API}/admin/billing/invoices/:invoiceId/credit-note`,
    {
      schema: {
        summary: "Issue a credit note (avoir) against an invoice, whole or partial (operators)",
        tags: ["operators", ...tags],
        security,
        params: InvoiceParams,
        body: CreditNoteRequest,
        response: { 201: InvoiceResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { user } = (await authorize(ctx, request, "operator"))!;
      const creditNote = await issueCreditNote(ctx, request.params.invoiceId, {
        reason: request.body.reason,
        actorId: user.id,
        ...(request.body.amountCents !== undefined ? { amountInclVatCents: request.body.amountCents } : {}),
      });
      return reply.status(201).send({ invoice: toInvoiceSummary(creditNote) });
    },
  );

  app.get(
    `${API}/admin/billing/invoices`,
    {
      schema: {
        summary: "Every invoice and credit note of a year, in number order (operators)",
        tags: ["operators", ...tags],
        security,
        querystring: AdminInvoiceListQuery,
        response: { 200: InvoiceListResponse, ...errorResponses },
      },
    },
    async (request) => {
      await authorize(ctx, request, "operator");
      const year = yearOf(request.query.year, "listInvoices") ?? 0;
      return { invoices: (await invoicesOfYear(ctx, year)).map(toInvoiceSummary) };
    },
  );
}
