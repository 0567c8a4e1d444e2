import { ConfrereError, ErrorCode, type PersonalDataExport } from "@confrere/protocol";
import { secondFactorThrottleKeys } from "../accounts/login.ts";
import { burnPasswordCheck, verifyPassword } from "../accounts/password-hash.ts";
import { remainingRecoveryCodes, useRecoveryCode } from "../accounts/recovery-codes.ts";
import { verifyUserTotp } from "../accounts/totp.ts";
import type { AppContext } from "../context.ts";
import { removeMember } from "../messaging/conversations.ts";

/**
 * Personal data rights (RGPD art. 15, 17, 20): a person downloads what the server holds about them
 * as one JSON archive, and deletes their account.
 *
 * The export holds metadata only: the server never had a message or a patient (those are on the
 * person's devices, exported there), and it leaves out every secret and hash (password, tokens,
 * TOTP secret, recovery codes, passkey public keys and push keys are not "about" the person but
 * credentials). Third parties' data is left out too (the address an invitation was sent to).
 *
 * Deletion and the audit trail: audit rows are hash-chained (audit/audit-log.ts) and can't be
 * rewritten. They name people by their random user id only, never by e-mail or name; once the
 * account row is gone nothing on the server maps that id back to a person, so the trail is
 * pseudonymised by the deletion itself. Two fields may still identify someone with outside help:
 * the IP address of some events and the public RPPS/ADELI number in identity-claim events. They
 * are kept as traceability evidence (RGPD art. 17(3)(b); PGSSI-S traceability) and go with the
 * trail's own retention.
 */

const AUDIT_EXPORT_LIMIT = 50_000;

export async function exportPersonalData(ctx: AppContext, userId: string): Promise<PersonalDataExport> {
  const db = ctx.db;
  const user = await db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirstOrThrow();
  const devices = await db
    .selectFrom("devices")
    .selectAll()
    .where("user_id", "=", userId)
    .orderBy("created_at")
    .execute();
  const sessions = await db
    .selectFrom("sessions")
    .selectAll()
    .where("user_id", "=", userId)
    .orderBy("created_at")
    .execute();
  const totp = await db
    .selectFrom("totp_credentials")
    .select(["created_at", "confirmed_at"])
    .where("user_id", "=", userId)
    .executeTakeFirst();
  const passkeys = await db
    .selectFrom("webauthn_credentials")
    .select(["id", "name", "transports", "created_at", "last_used_at"])
    .where("user_id", "=", userId)
    .orderBy("created_at")
    .execute();
  const organisations = await db
    .selectFrom("organisation_members as om")
    .innerJoin("organisations as o", "o.id", "om.organisation_id")
    .select(["o.id", "o.name", "o.kind", "om.role", "om.created_at"])
    .where("om.user_id", "=", userId)
    .orderBy("om.created_at")
    .execute();
  const services = await db
    .selectFrom("service_roster as sr")
    .innerJoin("services as s", "s.id", "sr.service_id")
    .select(["s.id", "s.name", "s.organisation_id", "sr.created_at"])
    .where("sr.user_id", "=", userId)
    .orderBy("sr.created_at")
    .execute();
  const invitationsSent = await db
    .selectFrom("invitations")
    .select(["id", "organisation_id", "created_at", "expires_at", "accepted_at", "revoked_at"])
    .where("inviter_user_id", "=", userId)
    .orderBy("created_at")
    .execute();
  const invitationsReceived = await db
    .selectFrom("invitations")
    .select(["id", "organisation_id", "inviter_user_id", "created_at", "accepted_at"])
    .where((eb) => eb.or([eb("accepted_user_id", "=", userId), eb("email", "=", user.email)]))
    .orderBy("created_at")
    .execute();
  const claims = await db
    .selectFrom("identity_claims")
    .select([
      "id",
      "national_id",
      "id_type",
      "typed_last_name",
      "typed_first_name",
      "state",
      "created_at",
      "submitted_at",
      "closed_at",
    ])
    .where("user_id", "=", userId)
    .orderBy("created_at")
    .execute();
  const conversations = await db
    .selectFrom("conversation_members as cm")
    .innerJoin("conversations as c", "c.id", "cm.conversation_id")
    .select(["c.id", "c.kind", "c.created_at", "cm.role", "cm.joined_at"])
    .where("cm.user_id", "=", userId)
    .orderBy("cm.joined_at")
    .execute();
  const conversationFacts = [];
  for (const conversation of conversations) {
    const sent = await db
      .selectFrom("log_entries")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("conversation_id", "=", conversation.id)
      .where("sender_user_id", "=", userId)
      .where("kind", "=", "application")
      .executeTakeFirstOrThrow();
    const uploaded = await db
      .selectFrom("attachments")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("conversation_id", "=", conversation.id)
      .where("uploader_user_id", "=", userId)
      .executeTakeFirstOrThrow();
    conversationFacts.push({
      conversationId: conversation.id,
      kind: conversation.kind,
      role: conversation.role,
      createdAt: Number(conversation.created_at),
      joinedAt: Number(conversation.joined_at),
      messagesSent: Number(sent.n),
      attachmentsUploaded: Number(uploaded.n),
    });
  }
  const audit = await db
    .selectFrom("audit_events")
    .select(["seq", "at", "actor_id", "action", "target_type", "target_id", "ip", "device_id", "detail"])
    .where((eb) =>
      eb.or([
        eb("actor_id", "=", userId),
        eb.and([eb("target_type", "=", "user"), eb("target_id", "=", userId)]),
      ]),
    )
    .orderBy("seq")
    .limit(AUDIT_EXPORT_LIMIT)
    .execute();
  const push = await db
    .selectFrom("push_subscriptions")
    .select(["device_id", "preview", "created_at", "updated_at"])
    .where("user_id", "=", userId)
    .execute();
  const subscription = await db
    .selectFrom("billing_subscriptions")
    .select(["state", "plan_id", "trial_ends_at", "paid_through", "payment_method"])
    .where("user_id", "=", userId)
    .executeTakeFirst();

  const care = await careFacts(ctx, userId);

  const archive: PersonalDataExport = {
    format: "confrere-personal-data",
    version: 1,
    exportedAt: ctx.clock.now(),
    account: {
      id: user.id,
      email: user.email,
      displayName: user.display_name,
      role: user.role,
      nationalId: user.national_id,
      identityMethod: user.identity_method,
      emailVerifiedAt: user.email_verified_at,
      identityVerifiedAt: user.identity_verified_at,
      suspendedAt: user.suspended_at,
      createdAt: Number(user.created_at),
      updatedAt: Number(user.updated_at),
    },
    devices: devices.map((d) => ({
      id: d.id,
      name: d.name,
      createdAt: Number(d.created_at),
      lastSeenAt: Number(d.last_seen_at),
      revokedAt: d.revoked_at,
    })),
    sessions: sessions.map((s) => ({
      id: s.id,
      deviceId: s.device_id,
      scope: s.scope,
      ip: s.ip,
      createdAt: Number(s.created_at),
      lastUsedAt: Number(s.last_used_at),
      expiresAt: Number(s.expires_at),
      revokedAt: s.revoked_at,
    })),
    secondFactors: {
      totp: totp ? { createdAt: Number(totp.created_at), confirmedAt: totp.confirmed_at } : null,
      passkeys: passkeys.map((p) => ({
        id: p.id,
        name: p.name,
        transports: p.transports,
        createdAt: Number(p.created_at),
        lastUsedAt: p.last_used_at,
      })),
      recoveryCodesRemaining: await remainingRecoveryCodes(db, userId),
    },
    memberships: {
      organisations: organisations.map((o) => ({
        organisationId: o.id,
        name: o.name,
        kind: o.kind,
        role: o.role,
        since: Number(o.created_at),
      })),
      services: services.map((s) => ({
        serviceId: s.id,
        name: s.name,
        organisationId: s.organisation_id,
        since: Number(s.created_at),
      })),
    },
    invitations: {
      sent: invitationsSent.map((i) => ({
        id: i.id,
        organisationId: i.organisation_id,
        createdAt: Number(i.created_at),
        expiresAt: Number(i.expires_at),
        acceptedAt: i.accepted_at,
        revokedAt: i.revoked_at,
      })),
      received: invitationsReceived.map((i) => ({
        id: i.id,
        organisationId: i.organisation_id,
        inviterUserId: i.inviter_user_id,
        createdAt: Number(i.created_at),
        acceptedAt: i.accepted_at,
      })),
    },
    identityClaims: claims.map((c) => ({
      id: c.id,
      nationalId: c.national_id,
      idType: c.id_type,
      lastName: c.typed_last_name,
      firstName: c.typed_first_name,
      state: c.state,
      createdAt: Number(c.created_at),
      submittedAt: c.submitted_at,
      closedAt: c.closed_at,
    })),
    conversations: conversationFacts,
    pushSubscriptions: push.map((p) => ({
      deviceId: p.device_id,
      preview: p.preview,
      createdAt: Number(p.created_at),
      updatedAt: Number(p.updated_at),
    })),
    subscription: subscription
      ? {
          state: subscription.state,
          planId: subscription.plan_id,
          trialEndsAt: Number(subscription.trial_ends_at),
          paidThrough: subscription.paid_through,
          paymentMethod: subscription.payment_method,
        }
      : null,
    care,
    auditEvents: audit.map((e) => ({
      seq: Number(e.seq),
      at: Number(e.at),
      actorId: e.actor_id,
      action: e.action,
      targetType: e.target_type,
      targetId: e.target_id,
      ip: e.ip,
      deviceId: e.device_id,
      detail: e.detail,
    })),
  };
  await ctx.audit.record({
    action: "personal_data.exported",
    actorId: userId,
    targetType: "user",
    targetId: userId,
  });
  return archive;
}

/**
 * Re-authentication before a self-service deletion: the password, and a second factor code (TOTP
 * or recovery code) when the account has one. A stolen session alone can't erase an account.
 * Failures count against the same throttles as a login.
 */
export async function assertDeletionReauth(
  ctx: AppContext,
  userId: string,
  input: { password: string; code?: string | undefined },
  ip: string | null,
): Promise<void> {
  const keys = secondFactorThrottleKeys(userId, ip);
  await ctx.throttle.assertAllowed(keys, "deleteAccount");
  const refuse = async (what: string): Promise<never> => {
    await ctx.throttle.recordFailure(keys);
    throw new ConfrereError(ErrorCode.ACCOUNT_DELETION_REAUTH_FAILED, 401, `deleteAccount: ${what}`);
  };
  const user = await ctx.db
    .selectFrom("users")
    .select("password_hash")
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!user) {
    await burnPasswordCheck(input.password);
    return refuse("the password is wrong");
  }
  if (!(await verifyPassword(user.password_hash, input.password))) return refuse("the password is wrong");
  const totp = await ctx.db
    .selectFrom("totp_credentials")
    .select("user_id")
    .where("user_id", "=", userId)
    .where("confirmed_at", "is not", null)
    .executeTakeFirst();
  const hasCodes = totp !== undefined || (await remainingRecoveryCodes(ctx.db, userId)) > 0;
  if (!hasCodes) return;
  const code = input.code?.trim() ?? "";
  if (code === "") return refuse("give the code of your authenticator app (or a recovery code) as well");
  if (totp && /^[0-9]{6}$/.test(code) && (await verifyUserTotp(ctx, userId, code))) return;
  if (!/^[0-9]{6}$/.test(code) && (await useRecoveryCode(ctx, userId, code))) return;
  return refuse("the second factor code is wrong");
}

/**
 * Deletes an account everywhere: groups are left first (an admin's role passes on, the others'
 * devices commit the removal from the MLS group), then the user row goes and with it, by cascade,
 * devices, sessions, device keys, KeyPackages, Welcomes, second factors, memberships, rosters,
 * identity claims and proofs, invitations sent, push and billing subscriptions. What stays: the
 * audit trail (pseudonymous, see above), issued invoices (accounting law), and the ciphertext the
 * person sent into others' conversations, which belongs to those conversations and goes with
 * their retention.
 */
export async function deleteAccount(
  ctx: AppContext,
  userId: string,
  by: { actorId: string; ip: string | null; deviceId?: string | null },
): Promise<void> {
  const user = await ctx.db
    .selectFrom("users")
    .select(["id", "email", "role"])
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!user) throw new ConfrereError(ErrorCode.USER_NOT_FOUND, 404, "deleteAccount: no such account");
  if (user.role === "operator") {
    const operators = await ctx.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("role", "=", "operator")
      .executeTakeFirstOrThrow();
    if (Number(operators.n) <= 1) {
      throw new ConfrereError(
        ErrorCode.ACCOUNT_DELETION_LAST_OPERATOR,
        409,
        "deleteAccount: this is the platform's last operator account; make someone else operator first",
      );
    }
  }
  const groups = await ctx.db
    .selectFrom("conversation_members as cm")
    .innerJoin("conversations as c", "c.id", "cm.conversation_id")
    .select("c.id")
    .where("cm.user_id", "=", userId)
    .where("c.kind", "=", "group")
    .execute();
  for (const group of groups) await removeMember(ctx, group.id, userId);
  await ctx.db.transaction().execute(async (tx) => {
    // Tables keyed by the user without a foreign key.
    await tx.deleteFrom("device_positions").where("user_id", "=", userId).execute();
    await tx
      .deleteFrom("auth_throttle")
      .where("key", "in", [`account:${user.email}`, `totp:${userId}`, `reset:${userId}`])
      .execute();
    await tx.deleteFrom("users").where("id", "=", userId).execute();
  });
  await ctx.audit.record({
    action: "account.deleted",
    actorId: by.actorId,
    targetType: "user",
    targetId: userId,
    ip: by.ip,
    deviceId: by.deviceId ?? null,
    detail: { by: by.actorId === userId ? "self" : "operator" },
  });
}

/** Availability, on-call shifts, alerts, cases opened, télé-expertise and handovers: ids and times. */
async function careFacts(ctx: AppContext, userId: string): Promise<PersonalDataExport["care"]> {
  const { db } = ctx;
  const availability = await db
    .selectFrom("availability")
    .select(["status", "status_until", "working_hours", "updated_at"])
    .where("user_id", "=", userId)
    .executeTakeFirst();
  const shifts = await db
    .selectFrom("on_call_shifts")
    .select(["service_id", "starts_at", "ends_at"])
    .where("user_id", "=", userId)
    .orderBy("starts_at")
    .execute();
  const alerts = await db
    .selectFrom("urgent_alerts")
    .select(["conversation_id", "seq", "sender_id", "urgent", "created_at", "acknowledged_at"])
    .where("recipient_id", "=", userId)
    .orderBy("created_at")
    .execute();
  const cases = await db
    .selectFrom("care_cases")
    .select(["id", "conversation_id", "opened_at"])
    .where("opened_by", "=", userId)
    .orderBy("opened_at")
    .execute();
  const expertise = await db
    .selectFrom("tele_expertises")
    .select([
      "id",
      "conversation_id",
      "requerant_id",
      "requis_user_id",
      "service_id",
      "urgency",
      "state",
      "sent_at",
      "closed_at",
    ])
    .where((eb) => eb.or([eb("requerant_id", "=", userId), eb("requis_user_id", "=", userId)]))
    .orderBy("sent_at")
    .execute();
  const handovers = await db
    .selectFrom("service_handovers")
    .select(["conversation_id", "seq", "to_service_id", "created_at", "offered_at", "forwarded_at"])
    .where("sender_id", "=", userId)
    .orderBy("created_at")
    .execute();
  return {
    availability: availability
      ? {
          status: availability.status,
          until: availability.status_until,
          workingHours: availability.working_hours ? JSON.parse(availability.working_hours) : null,
          updatedAt: Number(availability.updated_at),
        }
      : null,
    onCallShifts: shifts.map((s) => ({
      serviceId: s.service_id,
      start: Number(s.starts_at),
      end: Number(s.ends_at),
    })),
    urgentAlerts: alerts.map((a) => ({
      conversationId: a.conversation_id,
      seq: a.seq,
      senderId: a.sender_id,
      urgent: a.urgent === 1,
      createdAt: Number(a.created_at),
      acknowledgedAt: a.acknowledged_at,
    })),
    cases: cases.map((c) => ({
      caseId: c.id,
      conversationId: c.conversation_id,
      openedAt: Number(c.opened_at),
    })),
    teleExpertise: expertise.map((e) => ({
      id: e.id,
      conversationId: e.conversation_id,
      role: e.requerant_id === userId ? "requerant" : "requis",
      serviceId: e.service_id,
      urgency: e.urgency,
      state: e.state,
      sentAt: Number(e.sent_at),
      closedAt: e.closed_at,
    })),
    handovers: handovers.map((h) => ({
      conversationId: h.conversation_id,
      seq: h.seq,
      toServiceId: h.to_service_id,
      createdAt: Number(h.created_at),
      offeredAt: h.offered_at,
      forwardedAt: h.forwarded_at,
    })),
  };
}
