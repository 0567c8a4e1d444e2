import {
  base64UrlToBytes,
  bytesToBase64Url,
  bytesToHex,
  computeSafetyCode,
  createMlsClient,
  type DeviceIdentity,
  decryptAttachment,
  encryptAttachment,
  exportDeviceIdentity,
  importDeviceIdentity,
  isCryptoError,
  type KeyPackageBundle,
  type MlsClient,
  type MlsGroup,
  type SafetyCode,
} from "@confrere/crypto";
import {
  type AttachmentRef,
  ConfrereError,
  type Conversation,
  ErrorCode,
  type LogEntry,
  MAX_RECEIPT_TARGETS,
  type MessageContent,
  type PostEntryResponse,
  type PublicDevice,
  type ServerFrame,
} from "@confrere/protocol";
import { ApiClient } from "./api-client.ts";
import { type UrgentEnvelope, urgentEnvelope } from "./availability.ts";
import { type AppliedEntry, BurstAcks } from "./burst-acks.ts";
import { CoalescingQueue } from "./coalescing-queue.ts";
import { decodeContent, encodeContent } from "./content-codec.ts";
import { Emitter } from "./emitter.ts";
import { forwardHandovers } from "./handovers.ts";
import { LocalHistory } from "./local-history.ts";
import { Mutex } from "./mutex.ts";
import { isUnreachable, Outbox, type QueuedMessage } from "./outbox.ts";
import { RealtimeConnection, SocketUnavailable, type WebSocketConstructor } from "./realtime.ts";
import { deleteExpiredLocalCopies } from "./retention.ts";
import { RetryTimer } from "./retry-timer.ts";
import { getJson, type LocalStore, putJson } from "./store.ts";

/** A message as the device shows it, after decryption and after edits, recalls, reactions and receipts. */
export interface StoredMessage {
  id: string;
  conversationId: string;
  seq: number;
  senderUserId: string;
  senderDeviceId: string;
  sentAt: number;
  content: MessageContent | { v: number; type: "unknown"; originalType: string };
  editedAt?: number;
  recalled?: boolean;
  /** userId → emoji */
  reactions: Record<string, string>;
  /** Users who sent a read receipt for it. */
  readBy: string[];
}

export type DeliveryState = "sending" | "sent" | "delivered" | "read";

export type ClientEvents = {
  message: StoredMessage;
  update: StoredMessage;
  conversation: { conversationId: string };
  delivery: { conversationId: string; userId: string; seq: number };
  typing: { conversationId: string; userId: string };
  presence: { userId: string; online: boolean };
  /** The messages waiting on this device for the network changed (queued, sent or refused). */
  outbox: { conversationId: string };
  /** Something the user should know about: a colleague's new device, a message that can't be read. */
  warning:
    | { kind: "new-device"; userId: string; deviceId: string }
    | { kind: "undecryptable"; conversationId: string; seq: number; reason: string };
};

interface Session {
  token: string;
  userId: string;
  deviceId: string;
}

interface StoredKeyPackage {
  keyPackage: string;
  privateKeys: string;
  ref: string;
  isLastResort: boolean;
}

export interface ConfrereClientOptions {
  baseUrl: string;
  store: LocalStore;
  /** The WebSocket class: the browser's own, or `ws` in Node. Without one, call `sync()` yourself. */
  WebSocket?: WebSocketConstructor;
  fetch?: typeof fetch;
  /** One-time KeyPackages kept on the server for this device. */
  keyPackageTarget?: number;
}

const MAX_COMMIT_ATTEMPTS = 5;

/**
 * A random id (messages, conversations). It never starts with "-" or "_": pasted after a flag on a
 * command line (`--conversation ID`), an id starting with "-" would read as another option.
 */
/**
 * What changes other messages or the conversation, with nothing new for a person to read: no push
 * notification (a read receipt must not buzz the sender's phone).
 */
const SILENT_CONTENT: ReadonlySet<string> = new Set(["receipt", "edit", "recall", "group-info"]);

function newMessageId(): string {
  for (;;) {
    const id = bytesToBase64Url(crypto.getRandomValues(new Uint8Array(16)));
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

/**
 * The Confrère client of one device: it holds the keys, encrypts and decrypts, keeps the MLS groups
 * in step with the server's log, and turns it all into conversations and messages.
 *
 * @example
 * const client = new ConfrereClient({ baseUrl, store: new MemoryStore(), WebSocket });
 * await client.login({ email, password, deviceName: "Cabinet", totpCode });
 * const conversationId = await client.openDirect(colleagueUserId);
 * await client.sendText(conversationId, "Bonjour, avez-vous un créneau ?");
 */
export class ConfrereClient {
  readonly api: ApiClient;
  readonly events = new Emitter<ClientEvents>();
  private readonly store: LocalStore;
  private readonly mutex = new Mutex();
  /** Catch-ups the socket asks for, on the same mutex (see syncFor). */
  private readonly socketCatchUps = new CoalescingQueue<RealtimeConnection>(this.mutex);
  /** Catch-ups for the socket that failed, tried again: after 1 s, then doubling up to 30 s. */
  private readonly catchUpRetry = new RetryTimer(() => this.retryCatchUp(), 1_000, 30_000);
  private readonly groups = new Map<string, MlsGroup>();
  private readonly history: LocalHistory;
  private readonly deviceCache = new Map<string, PublicDevice[]>();
  private mls: MlsClient | null = null;
  private identity: DeviceIdentity | null = null;
  private session: Session | null = null;
  private realtime: RealtimeConnection | null = null;
  private forwarding: Promise<void> | null = null;
  /** Messages written while offline, sent when the connection returns. */
  readonly outbox: Outbox;

  constructor(private readonly options: ConfrereClientOptions) {
    this.store = options.store;
    this.history = new LocalHistory(this.store);
    this.outbox = new Outbox(
      this.store,
      (conversationId, content, id, envelope) => this.send(conversationId, content, id, envelope),
      (conversationId) => this.events.emit("outbox", { conversationId }),
    );
    this.api = new ApiClient({
      baseUrl: options.baseUrl,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  get userId(): string {
    return this.requireSession().userId;
  }
  get deviceId(): string {
    return this.requireSession().deviceId;
  }
  get isLoggedIn(): boolean {
    return this.session !== null;
  }

  private requireSession(): Session {
    if (!this.session) throw new ConfrereError(ErrorCode.AUTH_REQUIRED, 401, "client: log in first");
    return this.session;
  }

  // Session and device ---------------------------------------------------------------------------

  /** Password + TOTP (or recovery code) login, then the device is enrolled for messaging. */
  async login(input: {
    email: string;
    password: string;
    deviceName: string;
    totpCode?: string;
    recoveryCode?: string;
  }): Promise<void> {
    const step = await this.api.login({
      email: input.email,
      password: input.password,
      deviceName: input.deviceName,
    });
    if (step.status === "second_factor_enrolment_required") {
      throw new ConfrereError(
        ErrorCode.AUTH_SECOND_FACTOR_ENROLMENT_REQUIRED,
        403,
        "login: set up a second factor first (in the web app)",
      );
    }
    let session = step.status === "complete" ? step.session : null;
    if (step.status === "second_factor_required") {
      if (input.totpCode) session = (await this.api.loginTotp(step.challengeToken, input.totpCode)).session;
      else if (input.recoveryCode)
        session = (await this.api.loginRecoveryCode(step.challengeToken, input.recoveryCode)).session;
      else
        throw new ConfrereError(
          ErrorCode.AUTH_SECOND_FACTOR_REQUIRED,
          401,
          "login: a TOTP code or a recovery code is needed",
        );
    }
    const me = await this.api.me();
    await this.useSession({ token: session!.token, userId: me.account.id, deviceId: session!.deviceId });
  }

  /** Adopts a session obtained elsewhere (the web app's login screens). */
  async useSession(session: Session): Promise<void> {
    const previous = await getJson<Session>(this.store, "session");
    if (previous && previous.deviceId !== session.deviceId) {
      // Another device's state must never be mixed with this one's.
      await this.store.clear();
      this.history.forget();
      this.groups.clear();
    }
    this.session = session;
    this.api.token = session.token;
    await putJson(this.store, "session", session);
  }

  /** Picks up the session and keys saved by an earlier run. False when there is none. */
  async restore(): Promise<boolean> {
    const session = await getJson<Session>(this.store, "session");
    if (!session) return false;
    this.session = session;
    this.api.token = session.token;
    return true;
  }

  /** Creates this device's MLS identity on first use, registers its key and keeps KeyPackages stocked. */
  async ensureDevice(): Promise<void> {
    const { userId, deviceId } = this.requireSession();
    const mls = await this.mlsClient();
    const saved = await this.store.get("identity");
    if (saved) this.identity = importDeviceIdentity(saved);
    else {
      this.identity = await mls.createDeviceIdentity({ userId, deviceId });
      await this.store.put("identity", exportDeviceIdentity(this.identity));
    }
    await this.api.registerDeviceKey(bytesToBase64Url(this.identity.signaturePublicKey));
    await this.replenishKeyPackages();
  }

  private async replenishKeyPackages(): Promise<void> {
    const mls = await this.mlsClient();
    const identity = this.requireIdentity();
    const target = this.options.keyPackageTarget ?? 20;
    const count = await this.api.keyPackageCount();
    if (count.available >= target / 2 && count.hasLastResort) return;
    const fresh = await mls.generateKeyPackages(identity, target - count.available);
    const lastResort = count.hasLastResort ? null : await mls.generateLastResortKeyPackage(identity);
    for (const bundle of [...fresh, ...(lastResort ? [lastResort] : [])]) await this.saveKeyPackage(bundle);
    await this.api.uploadKeyPackages(
      fresh.map((b) => bytesToBase64Url(b.keyPackage)),
      lastResort ? bytesToBase64Url(lastResort.keyPackage) : undefined,
    );
  }

  private async saveKeyPackage(bundle: KeyPackageBundle): Promise<void> {
    const stored: StoredKeyPackage = {
      keyPackage: bytesToBase64Url(bundle.keyPackage),
      privateKeys: bytesToBase64Url(bundle.privateKeys),
      ref: bytesToBase64Url(bundle.ref),
      isLastResort: bundle.isLastResort,
    };
    await putJson(this.store, `kp/${bytesToHex(bundle.ref)}`, stored);
  }

  private async keyPackageBundles(): Promise<KeyPackageBundle[]> {
    const bundles: KeyPackageBundle[] = [];
    for (const key of await this.store.keys("kp/")) {
      const stored = await getJson<StoredKeyPackage>(this.store, key);
      if (!stored) continue;
      bundles.push({
        keyPackage: base64UrlToBytes(stored.keyPackage),
        privateKeys: base64UrlToBytes(stored.privateKeys),
        ref: base64UrlToBytes(stored.ref),
        isLastResort: stored.isLastResort,
      });
    }
    return bundles;
  }

  private requireIdentity(): DeviceIdentity {
    if (!this.identity)
      throw new ConfrereError(ErrorCode.DEVICE_KEY_REQUIRED, 409, "client: call ensureDevice() first");
    return this.identity;
  }

  private async mlsClient(): Promise<MlsClient> {
    // The Authentication Service: a credential is accepted only if the server's device directory
    // announces that device with that very key (E2EE.md, trap 2).
    this.mls ??= await createMlsClient({
      directory: (userId, deviceId, key) => this.isAnnouncedDevice(userId, deviceId, key),
    });
    return this.mls;
  }

  private async isAnnouncedDevice(userId: string, deviceId: string, key: Uint8Array): Promise<boolean> {
    const encoded = bytesToBase64Url(key);
    const match = (devices: PublicDevice[] | undefined) =>
      devices?.some((d) => d.deviceId === deviceId && d.signaturePublicKey === encoded) ?? false;
    if (match(this.deviceCache.get(userId))) return true;
    await this.refreshDevices([userId]);
    return match(this.deviceCache.get(userId));
  }

  private async refreshDevices(userIds: string[]): Promise<void> {
    const { devices } = await this.api.devicesOf(userIds);
    for (const userId of userIds)
      this.deviceCache.set(
        userId,
        devices.filter((d) => d.userId === userId),
      );
  }

  // Conversations --------------------------------------------------------------------------------

  /** Opens (or reuses) the direct conversation with a colleague and returns its id. */
  async openDirect(otherUserId: string): Promise<string> {
    return this.mutex.run(async () => {
      const id = newMessageId();
      const { conversation, existing } = await this.api.createConversation({
        id,
        kind: "direct",
        memberIds: [otherUserId],
      });
      if (existing) {
        await this.catchUpUnlocked();
        return conversation.id;
      }
      await this.startGroup(conversation);
      return conversation.id;
    });
  }

  /** Creates a group with a name (kept inside the encryption) and its first members. */
  async createGroup(name: string, memberIds: string[]): Promise<string> {
    const conversationId = await this.mutex.run(async () => {
      const { conversation } = await this.api.createConversation({
        id: newMessageId(),
        kind: "group",
        memberIds,
      });
      await this.startGroup(conversation);
      return conversation.id;
    });
    await this.send(conversationId, { v: 1, type: "group-info", name });
    return conversationId;
  }

  /**
   * Writes to a service ("Cardiologie — CH Auxerre"): a group, end-to-end encrypted like any other,
   * with the staff on the service's roster now, named after the service. Later roster changes do
   * not change the group.
   *
   * @example
   * const [service] = (await client.api.searchServices({ q: "cardio auxerre" })).results;
   * const conversationId = await client.openServiceConversation(service.id);
   * await client.sendText(conversationId, "Bonjour, pouvez-vous voir un patient demain ?");
   */
  async openServiceConversation(serviceId: string): Promise<string> {
    const { service, roster } = await this.api.serviceRoster(serviceId);
    const staff = roster.map((r) => r.userId).filter((id) => id !== this.userId);
    if (staff.length === 0) {
      throw new ConfrereError(
        ErrorCode.SERVICE_ROSTER_EMPTY,
        409,
        "openServiceConversation: no one else is on this service's roster yet; ask its establishment",
      );
    }
    const conversationId = await this.createGroup(`${service.name} — ${service.establishmentName}`, staff);
    // Availability, urgent messages and on-call: the server routes its notifications to the on-call staff.
    await this.api.tieServiceConversation(serviceId, conversationId);
    return conversationId;
  }

  private async startGroup(conversation: Conversation): Promise<void> {
    const mls = await this.mlsClient();
    const group = await mls.createGroup(this.requireIdentity(), new TextEncoder().encode(conversation.id));
    await this.saveGroup(conversation.id, group);
    await this.reconcileUnlocked(conversation.id);
  }

  async addMembers(conversationId: string, userIds: string[]): Promise<void> {
    await this.api.addMembers(conversationId, userIds);
    await this.mutex.run(() => this.reconcileUnlocked(conversationId));
  }

  /** Removes someone (admins) or, with one's own id, leaves. Their devices are then taken out of the MLS group. */
  async removeMember(conversationId: string, userId: string): Promise<void> {
    await this.api.removeMember(conversationId, userId);
    if (userId === this.userId) {
      await this.forgetConversation(conversationId);
      return;
    }
    await this.mutex.run(() => this.reconcileUnlocked(conversationId));
  }

  /**
   * Renames a group. The name travels inside the encryption (a `group-info` message), so the
   * server can neither see nor police it: apps offer renaming to admins, and every member sees
   * who renamed the group in the history.
   *
   * @example
   * await client.renameGroup(conversationId, "RCP cardiologie — mardi");
   */
  renameGroup(conversationId: string, name: string): Promise<StoredMessage> {
    return this.send(conversationId, { v: 1, type: "group-info", name });
  }

  /**
   * The group's name as this device knows it: the latest `group-info` in its history, or null
   * (a direct conversation, or a member who joined after the last naming: history is not shared).
   *
   * @example
   * const title = (await client.groupName(conversationId)) ?? memberNames.join(", ");
   */
  async groupName(conversationId: string): Promise<string | null> {
    const messages = await this.messages(conversationId);
    for (let i = messages.length - 1; i >= 0; i--) {
      const content = messages[i]!.content;
      if (content.type === "group-info") return content.name;
    }
    return null;
  }

  /**
   * Leaves a group (anyone may): the server stops serving it at once, this device forgets its
   * keys, and the remaining members' devices commit the removal.
   *
   * @example
   * await client.leaveGroup(conversationId);
   */
  leaveGroup(conversationId: string): Promise<void> {
    return this.removeMember(conversationId, this.userId);
  }

  /**
   * Makes a member an admin of the group, or a plain member again (admins only; the server refuses
   * others with NOT_AN_ADMIN).
   *
   * @example
   * await client.setMemberRole(conversationId, colleagueUserId, "admin");
   */
  async setMemberRole(conversationId: string, userId: string, role: "admin" | "member"): Promise<void> {
    await this.api.setMemberRole(conversationId, userId, role);
  }

  async conversations(): Promise<Conversation[]> {
    return (await this.api.conversations()).conversations;
  }

  /**
   * Brings the MLS group's members in line with the conversation's people: adds the announced
   * devices of members that are missing (a new phone, a newly added colleague), removes devices of
   * people who left or devices that were revoked. Any member may do it; the server checks who may
   * do what, and the first commit for an epoch wins.
   */
  private async reconcileUnlocked(conversationId: string, scope: "all" | "own" = "all"): Promise<void> {
    for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
      const group = await this.loadGroup(conversationId);
      if (!group) return;
      const { conversation } = await this.api.conversation(conversationId);
      const memberIds = conversation.members.map((m) => m.userId);
      await this.refreshDevices(memberIds);
      const announced = memberIds.flatMap((id) => this.deviceCache.get(id) ?? []);
      const inGroup = group.members();
      const inGroupIds = new Set(inGroup.map((m) => m.deviceId));
      const missingUsers = [
        ...new Set(announced.filter((d) => !inGroupIds.has(d.deviceId)).map((d) => d.userId)),
      ].filter((userId) => scope === "all" || userId === this.userId);
      const announcedIds = new Set(announced.map((d) => d.deviceId));
      const toRemove =
        scope === "all"
          ? inGroup.filter((m) => m.deviceId !== this.deviceId && !announcedIds.has(m.deviceId))
          : [];
      if (missingUsers.length === 0 && toRemove.length === 0) return;

      const claimed = missingUsers.length
        ? await this.api.claimKeyPackages(missingUsers)
        : { keyPackages: [], unavailable: [] };
      const toAdd = claimed.keyPackages.filter((k) => !inGroupIds.has(k.deviceId));
      if (toAdd.length === 0 && toRemove.length === 0) return;
      const pending = await group.createCommit({
        add: toAdd.map((k) => base64UrlToBytes(k.keyPackage)),
        remove: toRemove.map((m) => ({ userId: m.userId, deviceId: m.deviceId })),
      });
      try {
        const accepted = await this.api.postCommit(conversationId, {
          clientMessageId: newMessageId(),
          epoch: Number(pending.epoch),
          commit: bytesToBase64Url(pending.commit),
          ...(pending.welcome ? { welcome: bytesToBase64Url(pending.welcome) } : {}),
        });
        group.mergePendingCommit();
        await this.saveGroup(conversationId, group);
        await this.setPosition(conversationId, accepted.seq);
        // Adding a colleague's new device ourselves is news to us as much as seeing another do it.
        await this.noticeNewDevices(
          toAdd.map((k) => ({ userId: k.userId, deviceId: k.deviceId })),
          inGroup.map((m) => ({ userId: m.userId, deviceId: m.deviceId })),
        );
        return;
      } catch (error) {
        // Trap 3: the server refused; go back to the state before the commit, apply what won, retry.
        group.discardPendingCommit();
        if (
          !(error instanceof ConfrereError) ||
          (error.code !== ErrorCode.EPOCH_MISMATCH && error.code !== ErrorCode.COMMIT_INVALID)
        ) {
          throw error;
        }
        await this.catchUpConversation(conversationId);
      }
    }
  }

  // Sending --------------------------------------------------------------------------------------

  sendText(
    conversationId: string,
    text: string,
    // Availability, urgent messages and on-call: `renotifyAfterMinutes` (1 to 240) with `urgent`.
    options: { replyTo?: string; urgent?: boolean; renotifyAfterMinutes?: number } = {},
  ): Promise<StoredMessage> {
    return this.send(
      conversationId,
      {
        v: 1,
        type: "text",
        text,
        ...(options.replyTo ? { replyTo: options.replyTo } : {}),
        ...(options.urgent ? { urgent: true } : {}),
      },
      undefined,
      urgentEnvelope(options),
    );
  }

  /**
   * Encrypts the file with a fresh key, uploads the ciphertext, then sends the key inside MLS. A
   * file may belong to a patient case (it is then exported with it) and be urgent, as a text is.
   */
  async sendFile(
    conversationId: string,
    file: { bytes: Uint8Array; fileName: string; mimeType: string; thumbnail?: string },
    text?: string,
    options: { caseId?: string; urgent?: boolean; renotifyAfterMinutes?: number } = {},
  ): Promise<StoredMessage> {
    const encrypted = await encryptAttachment(file.bytes);
    const { attachmentId } = await this.api.uploadAttachment(conversationId, encrypted.ciphertext);
    const attachment: AttachmentRef = {
      attachmentId,
      key: bytesToBase64Url(encrypted.key),
      iv: bytesToBase64Url(encrypted.iv),
      digest: bytesToBase64Url(encrypted.digest),
      mimeType: file.mimeType,
      size: file.bytes.length,
      fileName: file.fileName,
      ...(file.thumbnail ? { thumbnail: file.thumbnail } : {}),
    };
    return this.send(
      conversationId,
      {
        v: 1,
        type: "attachment",
        attachment,
        ...(text ? { text } : {}),
        ...(options.caseId ? { caseId: options.caseId } : {}),
        ...(options.urgent ? { urgent: true } : {}),
      },
      undefined,
      urgentEnvelope(options),
    );
  }

  /** Downloads and decrypts the attachment of a message of the local history. */
  async downloadAttachment(
    conversationId: string,
    messageId: string,
  ): Promise<{ bytes: Uint8Array; fileName: string; mimeType: string }> {
    const message = await this.findMessage(conversationId, messageId);
    if (message?.content.type !== "attachment") {
      throw new ConfrereError(
        ErrorCode.ATTACHMENT_NOT_FOUND,
        404,
        "downloadAttachment: no attachment in that message",
      );
    }
    const ref = message.content.attachment;
    const ciphertext = await this.api.downloadAttachment(ref.attachmentId);
    const bytes = await decryptAttachment(ciphertext, {
      key: base64UrlToBytes(ref.key),
      iv: base64UrlToBytes(ref.iv),
      digest: base64UrlToBytes(ref.digest),
    });
    return { bytes, fileName: ref.fileName, mimeType: ref.mimeType };
  }

  edit(conversationId: string, target: string, text: string) {
    return this.send(conversationId, { v: 1, type: "edit", target, text });
  }
  recall(conversationId: string, target: string) {
    return this.send(conversationId, { v: 1, type: "recall", target });
  }
  react(conversationId: string, target: string, emoji: string) {
    return this.send(conversationId, { v: 1, type: "reaction", target, emoji });
  }
  /**
   * Tells the other members (encrypted) that I read these messages: one receipt per
   * MAX_RECEIPT_TARGETS of them, so that opening a conversation with thousands unread still fits
   * the bounds of a message.
   */
  async markRead(conversationId: string, targets: string[]): Promise<void> {
    for (let i = 0; i < targets.length; i += MAX_RECEIPT_TARGETS) {
      const batch = targets.slice(i, i + MAX_RECEIPT_TARGETS);
      await this.send(conversationId, { v: 1, type: "receipt", kind: "read", targets: batch });
    }
  }
  typing(conversationId: string): void {
    this.realtime?.send({ type: "typing", conversationId });
  }

  /**
   * Encrypts content for the conversation's current epoch and appends it. A refusal because the
   * group moved on is handled by applying the new commits and encrypting again; the message id
   * stays the same, so a retried send never duplicates.
   */
  async send(
    conversationId: string,
    content: MessageContent,
    messageId = newMessageId(),
    // Availability, urgent messages and on-call: the envelope's metadata the server sees.
    envelope: UrgentEnvelope = {},
  ): Promise<StoredMessage> {
    return this.mutex.run(async () => {
      for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
        const group = await this.awaitGroup(conversationId);
        if (!group) {
          throw new ConfrereError(
            ErrorCode.NOT_A_MEMBER,
            403,
            "send: this device is not in that conversation's group yet",
          );
        }
        const body = await group.encrypt(encodeContent(content));
        await this.saveGroup(conversationId, group);
        try {
          const accepted = await this.postMessage(conversationId, {
            clientMessageId: messageId,
            epoch: Number(group.epoch),
            body: bytesToBase64Url(body),
            ...(SILENT_CONTENT.has(content.type) ? { silent: true } : {}),
            ...envelope,
          });
          const message: StoredMessage = {
            id: messageId,
            conversationId,
            seq: accepted.seq,
            senderUserId: this.userId,
            senderDeviceId: this.deviceId,
            sentAt: Date.now(),
            content,
            reactions: {},
            readBy: [],
          };
          await this.applyContent(message, false);
          return message;
        } catch (error) {
          if (error instanceof ConfrereError && error.code === ErrorCode.EPOCH_MISMATCH) {
            await this.catchUpConversation(conversationId);
            continue;
          }
          throw error;
        }
      }
      throw new ConfrereError(ErrorCode.CONFLICT, 409, "send: the group kept changing; try again");
    });
  }

  /**
   * Sends, or keeps the message on the device when the server can't be reached (or older messages
   * already wait): it goes out with the same id when the connection returns (`outbox.flush`, run
   * after each reconnection). What the server refuses is thrown, as by `send`.
   *
   * @example
   * const { queued } = await client.sendOrQueue(conversationId, { v: 1, type: "text", text: "RDV 14 h" });
   */
  async sendOrQueue(
    conversationId: string,
    content: MessageContent,
    // An urgent message written offline alerts when it leaves: its envelope waits with it.
    envelope: UrgentEnvelope = {},
  ): Promise<{ queued: false; message: StoredMessage } | { queued: true; message: QueuedMessage }> {
    const id = newMessageId();
    const queue = async () => {
      const message = await this.outbox.add({
        id,
        conversationId,
        content,
        ...(envelope.urgent ? { envelope } : {}),
        queuedAt: Date.now(),
      });
      return { queued: true as const, message };
    };
    // Order is kept: behind messages already waiting, this one waits too.
    if ((await this.outbox.list(conversationId)).some((m) => !m.failedCode)) {
      const queued = await queue();
      void this.outbox.flush();
      return queued;
    }
    try {
      return { queued: false, message: await this.send(conversationId, content, id, envelope) };
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      return queue();
    }
  }

  /**
   * Over the open socket when there is one (no request per message), else over HTTP. The message
   * id is the same either way, so a send the socket lost and HTTP repeats is stored once.
   */
  private async postMessage(
    conversationId: string,
    request: { clientMessageId: string; epoch: number; body: string } & UrgentEnvelope,
  ): Promise<PostEntryResponse> {
    if (this.realtime?.isOpen) {
      try {
        return await this.realtime.sendMessage(conversationId, request);
      } catch (error) {
        if (!(error instanceof SocketUnavailable)) throw error;
      }
    }
    return this.api.postMessage(conversationId, request);
  }

  /**
   * A device new to a conversation waits for another member's device to add it (a few seconds at
   * most when one is online), picking up the Welcome as soon as it exists.
   */
  private async awaitGroup(conversationId: string): Promise<MlsGroup | null> {
    for (let wait = 0; wait < 20; wait++) {
      const group = await this.loadGroup(conversationId);
      if (group) return group;
      await this.joinFromWelcomes();
      if (await this.loadGroup(conversationId)) continue;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return null;
  }

  // Receiving ------------------------------------------------------------------------------------

  /** Fetches and applies everything new: Welcomes, then each conversation's log from its position. */
  async sync(): Promise<void> {
    await this.mutex.run(() => this.catchUpUnlocked());
    await this.forwardHandoversOnce();
  }

  /**
   * Requests a service's backup should now receive, sent there again from this device
   * (handovers.ts). Outside the mutex (it opens a conversation), one run at a time: the new
   * conversation's own frame syncs again while it runs.
   */
  private forwardHandoversOnce(): Promise<void> {
    this.forwarding ??= forwardHandovers(this)
      .then(() => {})
      .catch(() => {})
      .finally(() => {
        this.forwarding = null;
      });
    return this.forwarding;
  }

  /**
   * `wanted` says whether the catch-up is still this device's to do: one the socket asked for stops
   * once the socket is gone (see syncFor).
   */
  private async catchUpUnlocked(wanted: () => boolean = () => true): Promise<void> {
    await this.joinFromWelcomes();
    const { conversations } = await this.api.conversations();
    // Groups of conversations we were removed from: their secrets have no use left on this device.
    const current = new Set(conversations.map((c) => c.id));
    for (const key of await this.store.keys("group/")) {
      const conversationId = key.slice("group/".length);
      if (!current.has(conversationId)) await this.forgetConversation(conversationId);
    }
    for (const conversation of conversations) {
      if ((await this.getPosition(conversation.id)) < conversation.lastSeq)
        await this.catchUpConversation(conversation.id, wanted);
    }
    for (const conversation of conversations) {
      const scope = this.reconcileScope(conversation);
      if (scope) await this.reconcileUnlocked(conversation.id, scope);
    }
    await this.replenishKeyPackages();
    // Retention, legal hold and personal data: local copies go as the server's do (see retention.ts).
    await this.applyRetentionUnlocked().catch(() => 0);
  }

  /** Deletes this device's messages past their conversation's retention horizon; returns how many. */
  applyRetention(): Promise<number> {
    return this.mutex.run(() => this.applyRetentionUnlocked());
  }

  private async applyRetentionUnlocked(): Promise<number> {
    const deleted = await deleteExpiredLocalCopies(this.store, (await this.api.retentionHorizons()).horizons);
    if (deleted > 0) this.history.forget();
    return deleted;
  }

  /** Who fills gaps in a group: the lowest leaf for everyone, each device for its own siblings. */
  private reconcileScope(conversation: Conversation): "all" | "own" | null {
    if (!conversation.devices.some((d) => d.deviceId === this.deviceId)) return null;
    const memberIds = new Set(conversation.members.map((m) => m.userId));
    const lowest = conversation.devices
      .filter((d) => memberIds.has(d.userId))
      .sort((a, b) => a.leafIndex - b.leafIndex)[0];
    // One device fills every gap, so members don't race each other with commits for the same
    // newcomers; every other device only brings in its own user's new devices.
    return lowest?.deviceId === this.deviceId ? "all" : "own";
  }

  private async joinFromWelcomes(): Promise<void> {
    const { welcomes } = await this.api.welcomes();
    if (welcomes.length === 0) return;
    const mls = await this.mlsClient();
    for (const welcome of welcomes) {
      // A group we already hold is kept, unless the Welcome is newer than where we are: we were
      // removed (the server stopped serving us the log) and have been added back.
      const held = await this.loadGroup(welcome.conversationId);
      if (held && welcome.seq <= (await this.getPosition(welcome.conversationId))) {
        await this.api.deleteWelcome(welcome.id);
        continue;
      }
      try {
        const { group, keyPackageRef } = await mls.joinGroup(
          this.requireIdentity(),
          base64UrlToBytes(welcome.body),
          await this.keyPackageBundles(),
        );
        await this.saveGroup(welcome.conversationId, group);
        await this.setPosition(welcome.conversationId, welcome.seq);
        const used = await getJson<StoredKeyPackage>(this.store, `kp/${bytesToHex(keyPackageRef)}`);
        if (used && !used.isLastResort) await this.store.delete(`kp/${bytesToHex(keyPackageRef)}`);
        this.events.emit("conversation", { conversationId: welcome.conversationId });
      } catch (error) {
        this.events.emit("warning", {
          kind: "undecryptable",
          conversationId: welcome.conversationId,
          seq: welcome.seq,
          reason: isCryptoError(error) ? error.code : String((error as Error).message),
        });
      }
      await this.api.deleteWelcome(welcome.id);
    }
  }

  private async catchUpConversation(
    conversationId: string,
    wanted: () => boolean = () => true,
  ): Promise<void> {
    // Without the group (a Welcome not yet received) there is nothing this device can apply.
    if (!(await this.loadGroup(conversationId))) return;
    for (;;) {
      const position = await this.getPosition(conversationId);
      const { entries, lastSeq } = await this.api.log(conversationId, position, 200);
      // Gone while the page came: left unread, here as on the server, so the person is notified.
      if (!wanted()) return;
      for (const entry of entries) await this.applyEntry(entry);
      const reached = await this.getPosition(conversationId);
      if (reached > position) await this.api.ack(conversationId, reached);
      if (entries.length === 0 || reached >= lastSeq || reached === position) return;
    }
  }

  private async applyEntry(entry: LogEntry): Promise<void> {
    const { conversationId, seq } = entry;
    if (seq <= (await this.getPosition(conversationId))) return;
    const group = await this.loadGroup(conversationId);
    // Not in the group (yet): a Welcome will bring us in at a later position.
    if (!group) return;
    if (entry.senderDeviceId === this.deviceId) {
      // Our own entries are applied when sent (a device can't decrypt its own MLS messages).
      await this.setPosition(conversationId, seq);
      return;
    }
    try {
      // Who was in the group before this entry: a colleague's devices seen here are known ones.
      const before = group.members().map((m) => ({ userId: m.userId, deviceId: m.deviceId }));
      const processed = await group.processMessage(base64UrlToBytes(entry.body));
      await this.saveGroup(conversationId, group);
      if (processed.kind === "commit") {
        await this.noticeNewDevices(
          processed.added.map((m) => ({ userId: m.userId, deviceId: m.deviceId })),
          before,
        );
        if (processed.isSelfRemoved) await this.forgetConversation(conversationId);
        this.events.emit("conversation", { conversationId });
      } else {
        const content = decodeContent(processed.plaintext);
        await this.applyContent(
          {
            id: entry.clientMessageId,
            conversationId,
            seq,
            senderUserId: processed.sender.userId,
            senderDeviceId: processed.sender.deviceId,
            sentAt: entry.createdAt,
            content,
            reactions: {},
            readBy: [],
          },
          true,
        );
      }
    } catch (error) {
      this.events.emit("warning", {
        kind: "undecryptable",
        conversationId,
        seq,
        reason: isCryptoError(error) ? error.code : String((error as Error).message),
      });
    }
    await this.setPosition(conversationId, seq);
  }

  /**
   * Like Signal's "safety number changed": say when a colleague gains a device. A colleague first
   * seen with several devices is not news; one who had devices in a group before (`before`: the
   * group's members ahead of this commit, which this device may never have been told about as
   * additions, e.g. its own commits or the Welcome that brought it in) and gains another is.
   */
  private async noticeNewDevices(
    devices: { userId: string; deviceId: string }[],
    before: { userId: string; deviceId: string }[] = [],
  ): Promise<void> {
    const known = (await getJson<Record<string, string[]>>(this.store, "known-devices")) ?? {};
    let changed = false;
    for (const { userId, deviceId } of before) {
      const list = known[userId] ?? [];
      if (list.includes(deviceId)) continue;
      known[userId] = [...list, deviceId];
      changed = true;
    }
    for (const { userId, deviceId } of devices) {
      const list = known[userId] ?? [];
      if (list.includes(deviceId)) continue;
      if (list.length > 0 && userId !== this.userId)
        this.events.emit("warning", { kind: "new-device", userId, deviceId });
      known[userId] = [...list, deviceId];
      changed = true;
    }
    if (changed) await putJson(this.store, "known-devices", known);
  }

  /** Stores a message, or applies an edit, recall, reaction or receipt to the message it targets. */
  private async applyContent(message: StoredMessage, incoming: boolean): Promise<void> {
    const content = message.content;
    const targetOf = async (target: string) => this.findMessage(message.conversationId, target);
    switch (content.type) {
      case "edit": {
        const target = await targetOf(content.target);
        if (
          target &&
          target.senderUserId === message.senderUserId &&
          target.content.type === "text" &&
          !target.recalled
        ) {
          target.content = { ...target.content, text: content.text };
          target.editedAt = message.sentAt;
          await this.saveMessage(target);
          this.events.emit("update", target);
        }
        return;
      }
      case "recall": {
        const target = await targetOf(content.target);
        if (target && target.senderUserId === message.senderUserId) {
          target.recalled = true;
          target.content = { v: 1, type: "text", text: "" };
          await this.saveMessage(target);
          this.events.emit("update", target);
        }
        return;
      }
      case "reaction": {
        const target = await targetOf(content.target);
        if (target) {
          if (content.emoji) target.reactions[message.senderUserId] = content.emoji;
          else delete target.reactions[message.senderUserId];
          await this.saveMessage(target);
          this.events.emit("update", target);
        }
        return;
      }
      case "receipt": {
        for (const id of content.targets) {
          const target = await targetOf(id);
          if (
            target &&
            !target.readBy.includes(message.senderUserId) &&
            message.senderUserId !== target.senderUserId
          ) {
            target.readBy.push(message.senderUserId);
            await this.saveMessage(target);
            this.events.emit("update", target);
          }
        }
        return;
      }
      default:
        await this.saveMessage(message);
        if (incoming) this.events.emit("message", message);
    }
  }

  // Local history --------------------------------------------------------------------------------

  private saveMessage(message: StoredMessage): Promise<void> {
    return this.history.save(message);
  }

  /** A copy of one message of this device's history, or null. */
  findMessage(conversationId: string, messageId: string): Promise<StoredMessage | null> {
    return this.history.find(conversationId, messageId);
  }

  /**
   * The conversation's decrypted messages on this device, in order. The same objects are given
   * to every caller (read from the store once): do not change them.
   */
  messages(conversationId: string): Promise<StoredMessage[]> {
    return this.history.list(conversationId);
  }

  /**
   * sent: stored by the server; delivered: fetched by a device of every other member; read: every
   * other member sent an (encrypted) read receipt.
   */
  deliveryState(message: StoredMessage, conversation: Conversation): DeliveryState {
    const others = conversation.members.filter((m) => m.userId !== message.senderUserId);
    if (others.length > 0 && others.every((m) => message.readBy.includes(m.userId))) return "read";
    if (others.length > 0 && others.every((m) => m.deliveredSeq >= message.seq)) return "delivered";
    return "sent";
  }

  // Safety codes ---------------------------------------------------------------------------------

  /** The code two colleagues compare (in person or by phone) to be sure no device was slipped in. */
  async safetyCode(otherUserId: string): Promise<SafetyCode> {
    await this.refreshDevices([this.userId, otherUserId]);
    const keys = (userId: string) =>
      (this.deviceCache.get(userId) ?? []).map((d) => base64UrlToBytes(d.signaturePublicKey));
    return computeSafetyCode(
      { userId: this.userId, deviceSignatureKeys: keys(this.userId) },
      { userId: otherUserId, deviceSignatureKeys: keys(otherUserId) },
    );
  }

  // Realtime -------------------------------------------------------------------------------------

  /**
   * Opens the device's WebSocket; new entries are applied as they arrive, gaps filled from the log.
   * Each time the socket is ready (first, and after every reconnection) the device catches up: the
   * returned promise settles when the first of these catch-ups is over, done or failed. An app
   * waiting for it needs no catch-up of its own (one started before the socket was ready could
   * miss what arrives in between, so the socket's is done anyway).
   */
  connect(): Promise<void> {
    const WebSocketClass =
      this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketClass) throw new Error("connect: no WebSocket implementation; pass one in the options");
    this.realtime?.stop();
    this.catchUpRetry.stop();
    let firstCatchUpOver: () => void = () => {};
    const firstCatchUp = new Promise<void>((resolve) => {
      firstCatchUpOver = resolve;
    });
    const acks = new BurstAcks(async (conversationId, seq) => {
      // Gone meanwhile: left unread, as the server expects (see syncFor).
      if (this.realtime !== connection) return;
      if (!connection.send({ type: "ack", conversationId, seq })) await this.api.ack(conversationId, seq);
    });
    const connection: RealtimeConnection = new RealtimeConnection({
      url: `${this.options.baseUrl.replace(/^http/, "ws")}/api/v1/realtime`,
      token: () => this.session?.token ?? null,
      WebSocket: WebSocketClass,
      onReady: () => {
        const caughtUp = this.catchUpForSocket(connection);
        caughtUp.then(firstCatchUpOver, firstCatchUpOver);
        void caughtUp.then(() => this.outbox.flush()).catch(() => {});
      },
      onFrame: (frame) =>
        void this.onFrame(frame, connection, acks).catch((error) =>
          this.retryCatchUpAfter(error, connection),
        ),
    });
    this.realtime = connection;
    connection.start();
    return firstCatchUp;
  }

  disconnect(): void {
    this.realtime?.stop();
    this.realtime = null;
    this.outbox.stop();
    this.catchUpRetry.stop();
  }

  /**
   * A catch-up for the socket that, if it fails, is tried again by itself: the socket may stay up
   * while HTTP fails (the server's database restarting, a proxy dropping requests), and no new
   * frame would come to fill the gap: a conversation opened meanwhile, or messages past a missed
   * entry, would wait for the next message or reconnection.
   */
  private catchUpForSocket(connection: RealtimeConnection): Promise<void> {
    const caughtUp = this.syncFor(connection);
    caughtUp.then(
      () => this.catchUpRetry.succeeded(),
      (error: unknown) => this.retryCatchUpAfter(error, connection),
    );
    return caughtUp;
  }

  private retryCatchUp(): void {
    const connection = this.realtime;
    if (connection) void this.catchUpForSocket(connection).catch(() => {});
  }

  private retryCatchUpAfter(error: unknown, connection: RealtimeConnection): void {
    // A session that is gone (401) or a device no longer allowed (403) will not do better later.
    const refused = error instanceof ConfrereError && (error.status === 401 || error.status === 403);
    if (this.realtime === connection && !refused) this.catchUpRetry.schedule();
  }

  /**
   * A catch-up the socket asked for, done only while that socket is still this device's: one that
   * waited its turn past disconnect(), or was under way when it came, would fetch and acknowledge
   * messages of a device that went away, and the server would not notify them.
   */
  private async syncFor(connection: RealtimeConnection): Promise<void> {
    // Frames come in bursts (ready, welcomes, a colleague's new device in every group): requests
    // made while a catch-up waits for its turn are covered by it.
    await this.socketCatchUps.run(connection, async () => {
      const wanted = () => this.realtime === connection;
      if (wanted()) await this.catchUpUnlocked(wanted);
    });
    if (this.realtime === connection) await this.forwardHandoversOnce();
  }

  private async onFrame(frame: ServerFrame, connection: RealtimeConnection, acks: BurstAcks): Promise<void> {
    switch (frame.type) {
      case "entry": {
        acks.arrived();
        let applied: AppliedEntry | null = null;
        try {
          applied = await this.mutex.run(() => this.receiveEntry(frame.entry, connection));
        } finally {
          await acks.settled(applied);
        }
        return;
      }
      case "welcome":
      case "conversation":
      case "devices":
        await this.syncFor(connection);
        if (frame.type === "conversation")
          this.events.emit("conversation", { conversationId: frame.conversationId });
        return;
      case "delivery":
        this.events.emit("delivery", {
          conversationId: frame.conversationId,
          userId: frame.userId,
          seq: frame.seq,
        });
        return;
      case "typing":
        this.events.emit("typing", { conversationId: frame.conversationId, userId: frame.userId });
        return;
      case "presence":
        this.events.emit("presence", { userId: frame.userId, online: frame.online });
        return;
      default:
        return;
    }
  }

  /**
   * An entry the socket pushed, in its turn: applied if it is the next one, the gap before it filled
   * from the log if not (that catch-up acknowledges what it fetched). Returns the entry when it moved
   * this device on by itself, for the burst's acknowledgement.
   */
  private async receiveEntry(entry: LogEntry, connection: RealtimeConnection): Promise<AppliedEntry | null> {
    // Disconnected while this frame waited its turn: leave it unread, as the server expects.
    if (this.realtime !== connection) return null;
    const { conversationId, seq } = entry;
    const position = await this.getPosition(conversationId);
    if (seq === position + 1) {
      await this.applyEntry(entry);
      return { conversationId, seq };
    }
    if (seq > position + 1)
      await this.catchUpConversation(conversationId, () => this.realtime === connection);
    return null;
  }

  // Persistence ----------------------------------------------------------------------------------

  private async loadGroup(conversationId: string): Promise<MlsGroup | null> {
    const cached = this.groups.get(conversationId);
    if (cached) return cached;
    const state = await this.store.get(`group/${conversationId}`);
    if (!state) return null;
    const group = (await this.mlsClient()).importGroup(state);
    this.groups.set(conversationId, group);
    return group;
  }

  /** MLS state changes with every message sent or received: saved after each operation (trap 5). */
  private async saveGroup(conversationId: string, group: MlsGroup): Promise<void> {
    this.groups.set(conversationId, group);
    await this.store.put(`group/${conversationId}`, group.exportState());
  }

  private async forgetConversation(conversationId: string): Promise<void> {
    this.groups.delete(conversationId);
    await this.store.delete(`group/${conversationId}`);
  }

  private async getPosition(conversationId: string): Promise<number> {
    return (await getJson<number>(this.store, `pos/${conversationId}`)) ?? 0;
  }

  private async setPosition(conversationId: string, seq: number): Promise<void> {
    if (seq > (await this.getPosition(conversationId)))
      await putJson(this.store, `pos/${conversationId}`, seq);
  }

  /** Logs out on the server and wipes every local key, state and message. */
  async logout(): Promise<void> {
    this.disconnect();
    await this.api.logout().catch(() => {});
    await this.store.clear();
    this.history.forget();
    this.groups.clear();
    this.session = null;
    this.identity = null;
  }
}
