import { ConfrereError, ErrorCode } from "@confrere/protocol";
import type { AppContext } from "../context.ts";
import { subscriptionView } from "./subscriptions.ts";

/**
 * What an unpaid subscription takes away — and what it never does. A lapsed professional keeps
 * reading, exporting, answering urgent messages and télé-expertise requests (never cut a doctor off
 * in the middle of a patient's care: issue #8); only starting new conversations and inviting stop.
 * Trialing, active, past_due (grace) and sponsored accounts may do everything.
 *
 * Called by the conversation-creation route and by invitation creation.
 */
export async function assertMayStartConversations(
  ctx: AppContext,
  userId: string,
  operation: string,
): Promise<void> {
  const subscription = await subscriptionView(ctx, userId);
  if (subscription.mayStartConversations || subscription.state === "none") return;
  throw new ConfrereError(
    ErrorCode.SUBSCRIPTION_LAPSED,
    402,
    `${operation}: your subscription is suspended for lack of payment, so you cannot start a new conversation or invite; you can still read, export and answer. Renew it on the billing page (Facturation): it resumes at once`,
  );
}
