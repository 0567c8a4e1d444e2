import type {
  Account,
  Conversation,
  DeviceInfo,
  DirectorySearchResponse,
  IssuedSession,
  LogEntry,
  LoginCompleteResponse,
  LoginResponse,
  PendingWelcome,
  PostEntryResponse,
  PublicDevice,
  PublicUser,
  SecurityEvent,
} from "@confrere/protocol";
import { ConfrereError, ErrorCode } from "@confrere/protocol";

export interface ApiClientOptions {
  /** The server's base URL, e.g. `https://confrere.example.fr`. */
  baseUrl: string;
  /** The session token, once logged in. */
  token?: string | null;
  fetch?: typeof fetch;
}

type Method = "GET" | "POST" | "DELETE" | "PUT" | "PATCH";

/**
 * Typed calls to the Confrère HTTP API. Every error answer becomes a thrown {@link ConfrereError}
 * with the server's stable code.
 *
 * @example
 * const api = new ApiClient({ baseUrl: "http://localhost:8080" });
 * const step = await api.login({ email, password, deviceName: "Poste cabinet" });
 * if (step.status === "second_factor_required") await api.loginTotp(step.challengeToken, "123456");
 */
export class ApiClient {
  readonly baseUrl: string;
  token: string | null;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token ?? null;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Low-level call; prefer the named methods. */
  async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const response = await this.send(
      method,
      path,
      body === undefined ? undefined : JSON.stringify(body),
      "application/json",
    );
    const text = await response.text();
    return (text ? JSON.parse(text) : null) as T;
  }

  /** Sends a request and returns the response if it is a success; throws the server's error otherwise. */
  private async send(
    method: Method,
    path: string,
    body: string | Uint8Array | undefined,
    contentType: string,
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = contentType;
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: body as string } : {}),
      });
    } catch (error) {
      throw new ConfrereError(
        ErrorCode.SERVICE_UNAVAILABLE,
        0,
        `${method} ${path}: the server could not be reached (${(error as Error).message})`,
      );
    }
    if (response.ok) return response;
    const text = await response.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    {
      const error = (
        parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
      )?.error;
      throw new ConfrereError(
        error?.code ?? ErrorCode.INTERNAL_ERROR,
        response.status,
        error?.message ?? `${method} ${path}: HTTP ${response.status}`,
        error?.details,
      );
    }
  }

  private useSession<T extends { session?: IssuedSession }>(result: T): T {
    if (result.session) this.token = result.session.token;
    return result;
  }

  register(input: { email: string; password: string; displayName: string }) {
    return this.request<{ status: "verification_sent" }>("POST", "/api/v1/auth/register", input);
  }
  verifyEmail(token: string) {
    return this.request<{ account: Account }>("POST", "/api/v1/auth/verify-email", { token });
  }
  async login(input: { email: string; password: string; deviceName: string }): Promise<LoginResponse> {
    const result = await this.request<LoginResponse>("POST", "/api/v1/auth/login", input);
    return "session" in result ? this.useSession(result) : result;
  }
  async loginTotp(challengeToken: string, code: string): Promise<LoginCompleteResponse> {
    return this.useSession(
      await this.request<LoginCompleteResponse>("POST", "/api/v1/auth/login/totp", { challengeToken, code }),
    );
  }
  async loginRecoveryCode(challengeToken: string, code: string): Promise<LoginCompleteResponse> {
    return this.useSession(
      await this.request<LoginCompleteResponse>("POST", "/api/v1/auth/login/recovery-code", {
        challengeToken,
        code,
      }),
    );
  }
  loginPasskeyOptions(challengeToken: string) {
    return this.request<{ options: Record<string, unknown> }>("POST", "/api/v1/auth/login/webauthn/options", {
      challengeToken,
    });
  }
  async loginPasskey(challengeToken: string, response: unknown): Promise<LoginCompleteResponse> {
    return this.useSession(
      await this.request<LoginCompleteResponse>("POST", "/api/v1/auth/login/webauthn", {
        challengeToken,
        response,
      }),
    );
  }
  me() {
    return this.request<{ account: Account }>("GET", "/api/v1/me");
  }
  startTotpEnrolment() {
    return this.request<{ secret: string; otpauthUri: string; qrCodeSvg: string }>(
      "POST",
      "/api/v1/me/second-factors/totp",
    );
  }
  confirmTotp(code: string) {
    return this.request<{ recoveryCodes?: string[] }>("POST", "/api/v1/me/second-factors/totp/confirm", {
      code,
    });
  }
  passkeyRegistrationOptions() {
    return this.request<{ options: Record<string, unknown> }>(
      "POST",
      "/api/v1/me/second-factors/webauthn/options",
      {},
    );
  }
  registerPasskey(response: unknown, name?: string) {
    return this.request<{ recoveryCodes?: string[] }>("POST", "/api/v1/me/second-factors/webauthn", {
      response,
      ...(name ? { name } : {}),
    });
  }
  secondFactors() {
    return this.request<{
      totp: boolean;
      passkeys: { id: string; name: string; createdAt: number }[];
      recoveryCodesRemaining: number;
    }>("GET", "/api/v1/me/second-factors");
  }
  regenerateRecoveryCodes() {
    return this.request<{ recoveryCodes: string[] }>("POST", "/api/v1/me/recovery-codes");
  }
  devices() {
    return this.request<{ devices: DeviceInfo[] }>("GET", "/api/v1/me/devices");
  }
  revokeSession(sessionId: string) {
    return this.request<{ ok: true }>("DELETE", `/api/v1/me/sessions/${encodeURIComponent(sessionId)}`);
  }
  revokeDevice(deviceId: string) {
    return this.request<{ ok: true }>("DELETE", `/api/v1/me/devices/${encodeURIComponent(deviceId)}`);
  }
  async rotateSession(): Promise<{ session: IssuedSession }> {
    return this.useSession(
      await this.request<{ session: IssuedSession }>("POST", "/api/v1/auth/session/rotate"),
    );
  }
  async logout(): Promise<void> {
    await this.request("POST", "/api/v1/auth/logout");
    this.token = null;
  }
  async logoutEverywhere(): Promise<void> {
    await this.request("POST", "/api/v1/auth/logout-all");
    this.token = null;
  }
  changePassword(currentPassword: string, newPassword: string) {
    return this.request<{ ok: true }>("POST", "/api/v1/me/password", { currentPassword, newPassword });
  }
  requestPasswordReset(email: string) {
    return this.request<{ status: "accepted" }>("POST", "/api/v1/auth/password-reset", { email });
  }
  completePasswordReset(input: {
    token: string;
    newPassword: string;
    totpCode?: string;
    recoveryCode?: string;
    webauthn?: unknown;
  }) {
    return this.request<{ ok: true }>("POST", "/api/v1/auth/password-reset/complete", input);
  }
  securityEvents(page: { limit?: number; before?: number } = {}) {
    return this.request<{ events: SecurityEvent[] }>("GET", `/api/v1/me/security-events${query(page)}`);
  }
  auditEvents(page: { limit?: number; before?: number } = {}) {
    return this.request<{ events: SecurityEvent[] }>("GET", `/api/v1/admin/audit-events${query(page)}`);
  }
  setupStatus() {
    return this.request<{ needsFirstOperator: boolean }>("GET", "/api/v1/setup");
  }
  createFirstOperator(input: { token: string; email: string; password: string; displayName: string }) {
    return this.request<{ ok: true }>("POST", "/api/v1/setup/operator", input);
  }
  adminUsers(q?: string) {
    return this.request<{ users: Account[] }>(
      "GET",
      `/api/v1/admin/users${q ? `?q=${encodeURIComponent(q)}` : ""}`,
    );
  }
  setRole(userId: string, role: "user" | "operator") {
    return this.request<{ account: Account }>(
      "POST",
      `/api/v1/admin/users/${encodeURIComponent(userId)}/role`,
      { role },
    );
  }
  /** Operators: marks an account verified, linked to a directory professional when `nationalId` is given. */
  verifyIdentity(userId: string, note?: string, nationalId?: string) {
    return this.request<{ account: Account }>(
      "POST",
      `/api/v1/admin/users/${encodeURIComponent(userId)}/verify-identity`,
      { ...(note ? { note } : {}), ...(nationalId ? { nationalId } : {}) },
    );
  }
  suspend(userId: string, reason: string) {
    return this.request<{ account: Account }>(
      "POST",
      `/api/v1/admin/users/${encodeURIComponent(userId)}/suspend`,
      {
        reason,
      },
    );
  }

  // Messaging

  registerDeviceKey(signaturePublicKey: string) {
    return this.request<{ ok: true }>("POST", "/api/v1/me/device-key", { signaturePublicKey });
  }
  uploadKeyPackages(keyPackages: string[], lastResort?: string) {
    return this.request<{ available: number; hasLastResort: boolean }>("POST", "/api/v1/me/key-packages", {
      keyPackages,
      ...(lastResort ? { lastResort } : {}),
    });
  }
  keyPackageCount() {
    return this.request<{ available: number; hasLastResort: boolean }>("GET", "/api/v1/me/key-packages");
  }
  devicesOf(userIds: string[]) {
    return this.request<{ devices: PublicDevice[] }>(
      "GET",
      `/api/v1/devices?userIds=${userIds.map(encodeURIComponent).join(",")}`,
    );
  }
  claimKeyPackages(userIds: string[]) {
    return this.request<{
      keyPackages: { userId: string; deviceId: string; signaturePublicKey: string; keyPackage: string }[];
      unavailable: { userId: string; deviceId: string }[];
    }>("POST", "/api/v1/key-packages/claim", { userIds });
  }
  lookupUser(email: string) {
    return this.request<PublicUser>("GET", `/api/v1/users/lookup?email=${encodeURIComponent(email)}`);
  }
  createConversation(input: { id: string; kind: "direct" | "group"; memberIds: string[] }) {
    return this.request<{ conversation: Conversation; existing: boolean }>(
      "POST",
      "/api/v1/conversations",
      input,
    );
  }
  conversations() {
    return this.request<{ conversations: Conversation[] }>("GET", "/api/v1/conversations");
  }
  conversation(id: string) {
    return this.request<{ conversation: Conversation }>(
      "GET",
      `/api/v1/conversations/${encodeURIComponent(id)}`,
    );
  }
  addMembers(id: string, userIds: string[]) {
    return this.request<{ conversation: Conversation }>(
      "POST",
      `/api/v1/conversations/${encodeURIComponent(id)}/members`,
      {
        userIds,
      },
    );
  }
  removeMember(id: string, userId: string) {
    return this.request<{ ok: true }>(
      "DELETE",
      `/api/v1/conversations/${encodeURIComponent(id)}/members/${encodeURIComponent(userId)}`,
    );
  }
  setMemberRole(id: string, userId: string, role: "admin" | "member") {
    return this.request<{ ok: true }>(
      "POST",
      `/api/v1/conversations/${encodeURIComponent(id)}/members/${encodeURIComponent(userId)}/role`,
      { role },
    );
  }
  postCommit(
    id: string,
    input: { clientMessageId: string; epoch: number; commit: string; welcome?: string },
  ) {
    return this.request<PostEntryResponse>(
      "POST",
      `/api/v1/conversations/${encodeURIComponent(id)}/commits`,
      input,
    );
  }
  postMessage(id: string, input: { clientMessageId: string; epoch: number; body: string }) {
    return this.request<PostEntryResponse>(
      "POST",
      `/api/v1/conversations/${encodeURIComponent(id)}/messages`,
      input,
    );
  }
  log(id: string, after: number, limit = 200) {
    return this.request<{ entries: LogEntry[]; lastSeq: number }>(
      "GET",
      `/api/v1/conversations/${encodeURIComponent(id)}/log?after=${after}&limit=${limit}`,
    );
  }
  ack(id: string, seq: number) {
    return this.request<{ ok: true }>("POST", `/api/v1/conversations/${encodeURIComponent(id)}/ack`, { seq });
  }
  welcomes() {
    return this.request<{ welcomes: PendingWelcome[] }>("GET", "/api/v1/me/welcomes");
  }
  deleteWelcome(id: string) {
    return this.request<{ ok: true }>("DELETE", `/api/v1/me/welcomes/${encodeURIComponent(id)}`);
  }
  async uploadAttachment(
    conversationId: string,
    ciphertext: Uint8Array,
  ): Promise<{ attachmentId: string; size: number }> {
    const response = await this.send(
      "POST",
      `/api/v1/conversations/${encodeURIComponent(conversationId)}/attachments`,
      ciphertext,
      "application/octet-stream",
    );
    return (await response.json()) as { attachmentId: string; size: number };
  }
  async downloadAttachment(attachmentId: string): Promise<Uint8Array> {
    const response = await this.send(
      "GET",
      `/api/v1/attachments/${encodeURIComponent(attachmentId)}`,
      undefined,
      "",
    );
    return new Uint8Array(await response.arrayBuffer());
  }
  /**
   * Searches the professional directory (verified professionals only): every word of `q` must
   * start a word of the name, profession, specialty, commune, postal code, département or
   * establishment; accents and case are ignored.
   *
   * @example
   * const { results } = await api.searchDirectory({ q: "cardio auxerre", limit: 10 });
   */
  searchDirectory(params: {
    q?: string;
    profession?: string;
    specialty?: string;
    departement?: string;
    limit?: number;
  }) {
    return this.request<DirectorySearchResponse>("GET", `/api/v1/directory/search${query(params)}`);
  }

  // Pro Santé Connect

  // Identity claims and review

  // Organisations, services, territories

  // Invitations
}

function query(params: Record<string, number | string | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined);
  return entries.length
    ? `?${entries.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join("&")}`
    : "";
}
