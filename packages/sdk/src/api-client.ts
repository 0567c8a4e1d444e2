import type {
  Account,
  BulkInvitationResponse,
  BulkPreviewResponse,
  Conversation,
  DeviceInfo,
  DirectorySearchResponse,
  Invitation,
  InvitationPreviewResponse,
  InvitationState,
  IssuedSession,
  LogEntry,
  LoginCompleteResponse,
  LoginResponse,
  OrganisationInvitationsResponse,
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
  /** A verified professional's name by account id (USER_NOT_FOUND otherwise). */
  publicUser(userId: string) {
    return this.request<PublicUser>("GET", `/api/v1/users/${encodeURIComponent(userId)}`);
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
   * establishment; accents and case are ignored. `territory` (an organisation id) keeps the
   * professionals practising in that territory's perimeter. Each result says whether the person is
   * on Confrère (`onConfrere`, `userId`).
   *
   * @example
   * const { results } = await api.searchDirectory({ q: "cardio auxerre", limit: 10 });
   */
  searchDirectory(params: {
    q?: string;
    profession?: string;
    specialty?: string;
    departement?: string;
    territory?: string;
    limit?: number;
  }) {
    return this.request<DirectorySearchResponse>("GET", `/api/v1/directory/search${query(params)}`);
  }

  // Pro Santé Connect
  // Types are imported inline: this section is edited apart from the shared import list.

  /** Whether the server offers Pro Santé Connect (show the button only then). */
  pscStatus() {
    return this.request<import("@confrere/protocol").PscStatusResponse>("GET", "/api/v1/psc");
  }
  /**
   * Starts a Pro Santé Connect round trip: `login` (public; `deviceName` names the new session's
   * device) or `link` (needs a full session: links and verifies this account). Send the browser to
   * `authorizationUrl`; PSC brings it back to the server, which redirects to `/psc/complete?ticket=…`.
   *
   * @example
   * const { authorizationUrl } = await api.startPsc({ purpose: "login", deviceName: "Poste cabinet" });
   * window.location.assign(authorizationUrl);
   */
  startPsc(input: import("@confrere/protocol").PscStartRequest) {
    return this.request<import("@confrere/protocol").PscStartResponse>("POST", "/api/v1/psc/start", input);
  }
  /** Redeems the ticket of `/psc/complete?ticket=…`; a `logged_in` outcome logs this client in. */
  async completePsc(ticket: string) {
    const result = await this.request<import("@confrere/protocol").PscCompleteResponse>(
      "POST",
      "/api/v1/psc/complete",
      { ticket },
    );
    return result.outcome === "logged_in" ? this.useSession(result) : result;
  }

  // Identity claims and review
  // Types are imported inline: this section is edited apart from the shared import list.

  /** Claims a directory identity by RPPS (11 digits), ADELI (9 digits) or national id, with the names on one's card. */
  createIdentityClaim(input: { identifier: string; lastName: string; firstName: string }) {
    return this.request<import("@confrere/protocol").IdentityClaimResponse>(
      "POST",
      "/api/v1/identity/claims",
      input,
    );
  }
  /** Uploads (or replaces) a claim's proof: the raw photo or scan, `image/jpeg`, `image/png` or `application/pdf`, up to 10 MiB. */
  async uploadIdentityProof(
    claimId: string,
    file: Uint8Array | Blob,
    contentType: "image/jpeg" | "image/png" | "application/pdf",
  ): Promise<import("@confrere/protocol").IdentityClaimResponse> {
    const bytes = file instanceof Uint8Array ? file : new Uint8Array(await file.arrayBuffer());
    const response = await this.send(
      "PUT",
      `/api/v1/identity/claims/${encodeURIComponent(claimId)}/proof`,
      bytes,
      contentType,
    );
    return (await response.json()) as import("@confrere/protocol").IdentityClaimResponse;
  }
  /** The account's latest identity claim (state, dates, the reason if rejected), or `{ claim: null }`. */
  myIdentityClaim() {
    return this.request<import("@confrere/protocol").MyIdentityClaimResponse>(
      "GET",
      "/api/v1/identity/claims/mine",
    );
  }
  /** Withdraws one's open identity claim; its proof is deleted. */
  withdrawIdentityClaim(claimId: string) {
    return this.request<import("@confrere/protocol").IdentityClaimResponse>(
      "POST",
      `/api/v1/identity/claims/${encodeURIComponent(claimId)}/withdraw`,
    );
  }
  /**
   * Operators: the review queue, oldest first (`pending_review` unless another state is asked for),
   * a page at a time: pass the answer's `nextCursor` as `cursor` for the next page (null on the last).
   */
  identityClaimQueue(
    params: { state?: import("@confrere/protocol").ClaimState; limit?: number; cursor?: string } = {},
  ) {
    return this.request<import("@confrere/protocol").ReviewQueueResponse>(
      "GET",
      `/api/v1/admin/identity-claims${query(params)}`,
    );
  }
  /** Operators: a claim's proof, decrypted, with its content type (each view is audited). */
  async identityClaimProof(claimId: string): Promise<{ contentType: string; bytes: Uint8Array }> {
    const response = await this.send(
      "GET",
      `/api/v1/admin/identity-claims/${encodeURIComponent(claimId)}/proof`,
      undefined,
      "",
    );
    return {
      contentType: response.headers.get("content-type") ?? "application/octet-stream",
      bytes: new Uint8Array(await response.arrayBuffer()),
    };
  }
  /** Operators: approves a pending claim; the account becomes a verified professional (method `review`). */
  approveIdentityClaim(claimId: string) {
    return this.request<import("@confrere/protocol").ReviewClaimResponse>(
      "POST",
      `/api/v1/admin/identity-claims/${encodeURIComponent(claimId)}/approve`,
    );
  }
  /** Operators: rejects a pending claim with a reason (1 to 500 characters) e-mailed to the user. */
  rejectIdentityClaim(claimId: string, reason: string) {
    return this.request<import("@confrere/protocol").ReviewClaimResponse>(
      "POST",
      `/api/v1/admin/identity-claims/${encodeURIComponent(claimId)}/reject`,
      { reason },
    );
  }

  // Organisations, services, territories
  // Types are imported inline: this section is edited apart from the shared import list.

  /** Operators: creates an establishment (`{ kind: "establishment", finess, name? }`) or a territory with its perimeter. */
  createOrganisation(input: import("@confrere/protocol").CreateOrganisationRequest) {
    return this.request<import("@confrere/protocol").OrganisationResponse>(
      "POST",
      "/api/v1/admin/organisations",
      input,
    );
  }
  /** Operators: organisations by name, with their counts of admins, members and services. */
  listOrganisations(params: { kind?: "establishment" | "territory"; q?: string; limit?: number } = {}) {
    return this.request<import("@confrere/protocol").AdminOrganisationListResponse>(
      "GET",
      `/api/v1/admin/organisations${query(params)}`,
    );
  }
  /** Operators: renames an organisation, or sets a territory's sponsorship or perimeter (a list given replaces it). */
  updateOrganisation(id: string, patch: import("@confrere/protocol").UpdateOrganisationRequest) {
    return this.request<import("@confrere/protocol").OrganisationResponse>(
      "PATCH",
      `/api/v1/admin/organisations/${encodeURIComponent(id)}`,
      patch,
    );
  }
  /** Operators: makes someone an administrator of the organisation. */
  addOrganisationAdmin(id: string, userId: string) {
    return this.request<import("@confrere/protocol").OrganisationMemberResponse>(
      "POST",
      `/api/v1/admin/organisations/${encodeURIComponent(id)}/admins`,
      { userId },
    );
  }
  /** Operators: takes the administrator role away (the person stays a member); the last one only with `allowNoAdmin`. */
  removeOrganisationAdmin(id: string, userId: string, options: { allowNoAdmin?: boolean } = {}) {
    return this.request<{ ok: true }>(
      "DELETE",
      `/api/v1/admin/organisations/${encodeURIComponent(id)}/admins/${encodeURIComponent(userId)}${query({
        allowNoAdmin: options.allowNoAdmin ? "true" : undefined,
      })}`,
    );
  }
  /** The organisations I administer or belong to, with my role in each. */
  myOrganisations() {
    return this.request<import("@confrere/protocol").MyOrganisationsResponse>(
      "GET",
      "/api/v1/organisations/mine",
    );
  }
  /** An organisation and my role in it (its administrators, members and operators). */
  organisation(id: string) {
    return this.request<import("@confrere/protocol").OrganisationDetailResponse>(
      "GET",
      `/api/v1/organisations/${encodeURIComponent(id)}`,
    );
  }
  /** Administrators: a page of the organisation's people, by user id (`nextAfter` gives the next page). */
  organisationMembers(id: string, params: { after?: string; limit?: number } = {}) {
    return this.request<import("@confrere/protocol").OrganisationMembersResponse>(
      "GET",
      `/api/v1/organisations/${encodeURIComponent(id)}/members${query(params)}`,
    );
  }
  /** Administrators: adds a verified professional as a member (`overridePerimeter`: operators only, territories). */
  addOrganisationMember(id: string, userId: string, options: { overridePerimeter?: boolean } = {}) {
    return this.request<import("@confrere/protocol").OrganisationMemberResponse>(
      "POST",
      `/api/v1/organisations/${encodeURIComponent(id)}/members`,
      { userId, ...(options.overridePerimeter ? { overridePerimeter: true } : {}) },
    );
  }
  /** Administrators: removes a member and takes them off the establishment's rosters. */
  removeOrganisationMember(id: string, userId: string) {
    return this.request<{ ok: true }>(
      "DELETE",
      `/api/v1/organisations/${encodeURIComponent(id)}/members/${encodeURIComponent(userId)}`,
    );
  }
  /** Administrators: aggregate counts (members, verified, by profession, services, roster sizes); never messages. */
  organisationStats(id: string) {
    return this.request<import("@confrere/protocol").OrganisationStatsResponse>(
      "GET",
      `/api/v1/organisations/${encodeURIComponent(id)}/stats`,
    );
  }
  /** An establishment's services with their roster sizes (its administrators, members and operators). */
  organisationServices(id: string) {
    return this.request<import("@confrere/protocol").OrganisationServicesResponse>(
      "GET",
      `/api/v1/organisations/${encodeURIComponent(id)}/services`,
    );
  }
  /** Administrators: creates a service ("Cardiologie"); names are unique per establishment, case and accents aside. */
  createService(organisationId: string, name: string) {
    return this.request<import("@confrere/protocol").ServiceResponse>(
      "POST",
      `/api/v1/organisations/${encodeURIComponent(organisationId)}/services`,
      { name },
    );
  }
  /** Administrators: renames a service. */
  renameService(serviceId: string, name: string) {
    return this.request<import("@confrere/protocol").ServiceResponse>(
      "PATCH",
      `/api/v1/services/${encodeURIComponent(serviceId)}`,
      { name },
    );
  }
  /** Administrators: deletes a service and its roster (the staff stay members). */
  deleteService(serviceId: string) {
    return this.request<{ ok: true }>("DELETE", `/api/v1/services/${encodeURIComponent(serviceId)}`);
  }
  /** Administrators: replaces a service's roster; staff must be verified and become members. */
  setServiceRoster(serviceId: string, userIds: string[]) {
    return this.request<import("@confrere/protocol").ServiceRosterResponse>(
      "PUT",
      `/api/v1/services/${encodeURIComponent(serviceId)}/roster`,
      { userIds },
    );
  }
  /** Administrators: adds one person to a service's roster. */
  addToServiceRoster(serviceId: string, userId: string) {
    return this.request<import("@confrere/protocol").ServiceRosterResponse>(
      "POST",
      `/api/v1/services/${encodeURIComponent(serviceId)}/roster`,
      { userId },
    );
  }
  /** Administrators: takes one person off a service's roster. */
  removeFromServiceRoster(serviceId: string, userId: string) {
    return this.request<import("@confrere/protocol").ServiceRosterResponse>(
      "DELETE",
      `/api/v1/services/${encodeURIComponent(serviceId)}/roster/${encodeURIComponent(userId)}`,
    );
  }
  /**
   * Verified professionals: finds services by words of their name, establishment, commune or
   * département; accents and case are ignored.
   *
   * @example
   * const { results } = await api.searchServices({ q: "cardio auxerre" });
   */
  searchServices(params: { q: string; limit?: number }) {
    return this.request<import("@confrere/protocol").ServiceSearchResponse>(
      "GET",
      `/api/v1/services${query(params)}`,
    );
  }
  /** Verified professionals: the reachable staff of a service, whom a message to it goes to. */
  serviceRoster(serviceId: string) {
    return this.request<import("@confrere/protocol").ServiceRosterResponse>(
      "GET",
      `/api/v1/services/${encodeURIComponent(serviceId)}/roster`,
    );
  }

  // Invitations

  /**
   * Invites someone by e-mail: a colleague (verified professionals; 20 a day, the same address
   * again within 7 days answers the first invitation), or, with `organisationId` and `nationalId`,
   * a professional of the directory the organisation vouches for (its administrators).
   *
   * @example
   * const { invitation } = await api.invite({ email: "dr.leroy@example.fr", nationalId: "810785900399" });
   */
  invite(input: { email: string; nationalId?: string; organisationId?: string; note?: string }) {
    return this.request<{ invitation: Invitation }>("POST", "/api/v1/invitations", input);
  }
  /**
   * The invitations I sent, newest first, a page at a time (50 unless `limit`, at most 200).
   *
   * @example
   * const first = await api.sentInvitations({ limit: 20 });
   * if (first.nextCursor) await api.sentInvitations({ limit: 20, cursor: first.nextCursor });
   */
  sentInvitations(params: { limit?: number; cursor?: string } = {}) {
    return this.request<{ invitations: Invitation[]; nextCursor: string | null }>(
      "GET",
      `/api/v1/invitations/sent${query(params)}`,
    );
  }
  /** Withdraws an invitation (its inviter, or an administrator of its organisation). */
  revokeInvitation(invitationId: string) {
    return this.request<{ ok: true }>("DELETE", `/api/v1/invitations/${encodeURIComponent(invitationId)}`);
  }
  /** Public: who invites, for which organisation, and whether the mailed link still works. */
  previewInvitation(token: string) {
    return this.request<InvitationPreviewResponse>("GET", `/api/v1/invitations/preview${query({ token })}`);
  }
  /** Public: creates the invited account (its e-mail proven by the link); then log in and set a second factor. */
  acceptInvitation(input: { token: string; password: string; displayName: string }) {
    return this.request<{ account: Account }>("POST", "/api/v1/invitations/accept", input);
  }
  /**
   * Accepts an invitation with the signed-in account of the invited address (the preview says
   * `hasAccount`): an organisation's invitation links the account to the professional vouched for,
   * if it is not verified yet, and makes it a member. Answers the account as it is now.
   */
  acceptInvitationSignedIn(token: string) {
    return this.request<{ account: Account }>("POST", "/api/v1/invitations/accept-signed-in", { token });
  }
  /**
   * An organisation's invitations: counts by state and the newest ones (its administrators), a page
   * at a time: pass the answer's `nextCursor` as `cursor` for the next page (null on the last).
   */
  organisationInvitations(
    organisationId: string,
    params: { state?: InvitationState; limit?: number; cursor?: string } = {},
  ) {
    return this.request<OrganisationInvitationsResponse>(
      "GET",
      `/api/v1/organisations/${encodeURIComponent(organisationId)}/invitations${query(params)}`,
    );
  }
  /** The directory's professionals of these professions within the organisation who are not on Confrère. */
  previewBulkInvitations(
    organisationId: string,
    input: { professions: string[]; specialties?: string[]; communes?: string[] },
  ) {
    return this.request<BulkPreviewResponse>(
      "POST",
      `/api/v1/organisations/${encodeURIComponent(organisationId)}/invitations/preview-bulk`,
      input,
    );
  }
  /** Invites up to 1,000 professionals the organisation vouches for; each line is reported on its own. */
  bulkInvite(organisationId: string, invitations: { nationalId: string; email: string }[], note?: string) {
    return this.request<BulkInvitationResponse>(
      "POST",
      `/api/v1/organisations/${encodeURIComponent(organisationId)}/invitations/bulk`,
      { invitations, ...(note ? { note } : {}) },
    );
  }

  // Billing
  /** The plans on sale (public): prices in euro cents, excluding and including VAT. */
  billingPlans() {
    return this.request<import("@confrere/protocol").BillingPlansResponse>("GET", "/api/v1/billing/plans");
  }
  /** My subscription (state, trial end, sponsor, next renewal) and my invoices. */
  billingMe() {
    return this.request<import("@confrere/protocol").BillingMeResponse>("GET", "/api/v1/billing/me");
  }
  /** The name and address printed on my invoices (null until set). */
  billingDetails() {
    return this.request<import("@confrere/protocol").BillingDetailsResponse>(
      "GET",
      "/api/v1/billing/me/details",
    );
  }
  /** Sets the name and address printed on my future invoices. */
  setBillingDetails(details: import("@confrere/protocol").BillingDetails) {
    return this.request<import("@confrere/protocol").BillingDetailsResponse>(
      "PUT",
      "/api/v1/billing/me/details",
      details,
    );
  }
  /** Starts paying for a plan: open the returned `url` (hosted card / SEPA page). */
  startCheckout(planId: string) {
    return this.request<import("@confrere/protocol").CheckoutResponse>("POST", "/api/v1/billing/checkout", {
      planId,
    });
  }
  /** A link to the payment provider's portal (card, SEPA mandate, cancellation). */
  billingPortal() {
    return this.request<import("@confrere/protocol").PortalResponse>("POST", "/api/v1/billing/portal");
  }
  /** My invoices, or an organisation's when I administer it; optionally one year's. */
  listInvoices(params: { organisationId?: string; year?: number } = {}) {
    return this.request<import("@confrere/protocol").InvoiceListResponse>(
      "GET",
      `/api/v1/billing/invoices${query(params)}`,
    );
  }
  /** An invoice's PDF (its payer only). */
  async downloadInvoicePdf(invoiceId: string): Promise<Uint8Array> {
    const response = await this.send(
      "GET",
      `/api/v1/billing/invoices/${encodeURIComponent(invoiceId)}/pdf`,
      undefined,
      "",
    );
    return new Uint8Array(await response.arrayBuffer());
  }
  /** A sponsor's view: seats bought and used, who holds them, purchases, billing details (administrators). */
  organisationBilling(organisationId: string) {
    return this.request<import("@confrere/protocol").OrganisationBillingResponse>(
      "GET",
      `/api/v1/organisations/${encodeURIComponent(organisationId)}/billing`,
    );
  }
  /** Sets the organisation's invoice identity: name, address, SIRET, commitment number (administrators). */
  setOrganisationBillingDetails(
    organisationId: string,
    details: import("@confrere/protocol").BillingDetails,
  ) {
    return this.request<import("@confrere/protocol").BillingDetailsResponse>(
      "PUT",
      `/api/v1/organisations/${encodeURIComponent(organisationId)}/billing/details`,
      details,
    );
  }
  /** Every verified member gets a seat automatically (while seats remain), or only those assigned. */
  setSeatAutoAssign(organisationId: string, autoAssignAll: boolean) {
    return this.request<import("@confrere/protocol").OrganisationBillingResponse>(
      "PUT",
      `/api/v1/organisations/${encodeURIComponent(organisationId)}/billing/settings`,
      { autoAssignAll },
    );
  }
  /** Gives one of the organisation's seats to a member (administrators). */
  assignSeat(organisationId: string, userId: string) {
    return this.request<import("@confrere/protocol").OrganisationBillingResponse>(
      "POST",
      `/api/v1/organisations/${encodeURIComponent(organisationId)}/billing/seats`,
      { userId },
    );
  }
  /** Takes a seat back from a member (administrators). */
  unassignSeat(organisationId: string, userId: string) {
    return this.request<import("@confrere/protocol").OrganisationBillingResponse>(
      "DELETE",
      `/api/v1/organisations/${encodeURIComponent(organisationId)}/billing/seats/${encodeURIComponent(userId)}`,
    );
  }
  /** Buys seats for a period online: open the returned `url` (administrators). */
  startSeatCheckout(organisationId: string, request: import("@confrere/protocol").SeatCheckoutRequest) {
    return this.request<import("@confrere/protocol").CheckoutResponse>(
      "POST",
      `/api/v1/organisations/${encodeURIComponent(organisationId)}/billing/checkout`,
      request,
    );
  }
  /** A link to the payment provider's portal for an organisation (administrators). */
  organisationBillingPortal(organisationId: string) {
    return this.request<import("@confrere/protocol").PortalResponse>(
      "POST",
      `/api/v1/organisations/${encodeURIComponent(organisationId)}/billing/portal`,
    );
  }
  /** Records a bank transfer and issues its settled invoice (operators). */
  recordPayment(request: import("@confrere/protocol").RecordPaymentRequest) {
    return this.request<import("@confrere/protocol").RecordPaymentResponse>(
      "POST",
      "/api/v1/admin/billing/payments",
      request,
    );
  }
  /** Issues a credit note against an invoice, whole or partial (operators). */
  issueCreditNote(invoiceId: string, request: import("@confrere/protocol").CreditNoteRequest) {
    return this.request<{ invoice: import("@confrere/protocol").InvoiceSummary }>(
      "POST",
      `/api/v1/admin/billing/invoices/${encodeURIComponent(invoiceId)}/credit-note`,
      request,
    );
  }
  /** Every invoice and credit note of a year (operators). */
  invoicesOfYear(year: number) {
    return this.request<import("@confrere/protocol").InvoiceListResponse>(
      "GET",
      `/api/v1/admin/billing/invoices${query({ year })}`,
    );
  }
  // Web Push
  // Types are imported inline: this section is edited apart from the shared import list.

  /**
   * The server's VAPID public key and this device's notification setting.
   *
   * @example
   * const { vapidPublicKey, isSubscribed } = await api.pushStatus();
   */
  pushStatus() {
    return this.request<import("@confrere/protocol").PushStatusResponse>("GET", "/api/v1/me/push");
  }
  /**
   * Enables notifications on this device with the browser's `PushSubscription.toJSON()`.
   *
   * @example
   * const sub = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
   * await api.subscribePush({ ...sub.toJSON(), preview: "sender" });
   */
  subscribePush(input: import("@confrere/protocol").PushSubscribeRequest) {
    return this.request<import("@confrere/protocol").PushStatusResponse>(
      "PUT",
      "/api/v1/me/push/subscription",
      input,
    );
  }
  /** Disables notifications on this device (idempotent). */
  unsubscribePush() {
    return this.request<import("@confrere/protocol").PushStatusResponse>(
      "DELETE",
      "/api/v1/me/push/subscription",
    );
  }
  /** "sender": “Nouveau message de Dr X”; "none": “Nouveau message” (PUSH_NOT_SUBSCRIBED if disabled). */
  setPushPreference(preview: import("@confrere/protocol").PushPreview) {
    return this.request<import("@confrere/protocol").PushStatusResponse>(
      "PUT",
      "/api/v1/me/push/preference",
      {
        preview,
      },
    );
  }

  // Patient cases (types imported inline)
  /** Registers an opaque case id for a conversation (idempotent by id). */
  registerCase(conversationId: string, caseId: string) {
    return this.request<import("@confrere/protocol").CareCase>(
      "POST",
      `/api/v1/conversations/${encodeURIComponent(conversationId)}/cases`,
      { id: caseId },
    );
  }
  /** The opaque case ids of a conversation. */
  conversationCases(conversationId: string) {
    return this.request<import("@confrere/protocol").CareCasesResponse>(
      "GET",
      `/api/v1/conversations/${encodeURIComponent(conversationId)}/cases`,
    );
  }
  /** The members of a conversation with their verified national ids (RPPS/ADELI), for exports. */
  caseParticipants(conversationId: string) {
    return this.request<import("@confrere/protocol").CaseParticipantsResponse>(
      "GET",
      `/api/v1/conversations/${encodeURIComponent(conversationId)}/case-participants`,
    );
  }
  /** The opaque case ids of all my conversations. */
  myCases() {
    return this.request<import("@confrere/protocol").CareCasesResponse>("GET", "/api/v1/cases");
  }

  // Télé-expertise (types imported inline)
  /** Registers a télé-expertise request made on this device (idempotent by id). */
  requestExpertise(input: import("@confrere/protocol").RequestExpertiseRequest) {
    return this.request<import("@confrere/protocol").TeleExpertise>("POST", "/api/v1/expertises", input);
  }
  /** My requests (as requérant, requis or service staff), newest first. */
  expertises(filter: import("@confrere/protocol").ExpertisesQuery = {}) {
    return this.request<import("@confrere/protocol").ExpertisesResponse>(
      "GET",
      `/api/v1/expertises${query({ role: filter.role, state: filter.state })}`,
    );
  }
  expertise(id: string) {
    return this.request<import("@confrere/protocol").TeleExpertise>(
      "GET",
      `/api/v1/expertises/${encodeURIComponent(id)}`,
    );
  }
  /** accept, decline, answer or close: the state only (the content travels encrypted). */
  moveExpertise(id: string, transition: "accept" | "decline" | "answer" | "close") {
    return this.request<import("@confrere/protocol").TeleExpertise>(
      "POST",
      `/api/v1/expertises/${encodeURIComponent(id)}/${transition}`,
    );
  }

  // Availability, urgent messages and on-call (types imported inline)

  /** Your status, until when, working hours (Europe/Paris), and whether notifications reach you now. */
  availability() {
    return this.request<import("@confrere/protocol").Availability>("GET", "/api/v1/me/availability");
  }

  /** Sets your status; `workingHours` omitted keeps them, null clears them. */
  setAvailability(input: import("@confrere/protocol").SetAvailabilityRequest) {
    return this.request<import("@confrere/protocol").Availability>("PUT", "/api/v1/me/availability", input);
  }

  /** A colleague's status (never their hours). */
  colleagueAvailability(userId: string) {
    return this.request<import("@confrere/protocol").ColleagueAvailability>(
      "GET",
      `/api/v1/users/${encodeURIComponent(userId)}/availability`,
    );
  }

  /** Your urgent messages awaiting acknowledgement. */
  urgentAlerts() {
    return this.request<import("@confrere/protocol").UrgentAlertsResponse>("GET", "/api/v1/me/urgent");
  }

  acknowledgeUrgent(alertId: string) {
    return this.request<import("@confrere/protocol").UrgentAlert>(
      "POST",
      `/api/v1/me/urgent/${encodeURIComponent(alertId)}/acknowledge`,
    );
  }

  onCallSchedule(serviceId: string) {
    return this.request<import("@confrere/protocol").OnCallSchedule>(
      "GET",
      `/api/v1/services/${encodeURIComponent(serviceId)}/on-call`,
    );
  }

  /** Replaces a service's on-call schedule (the establishment's administrators). */
  setOnCallSchedule(serviceId: string, input: import("@confrere/protocol").SetOnCallScheduleRequest) {
    return this.request<import("@confrere/protocol").OnCallSchedule>(
      "PUT",
      `/api/v1/services/${encodeURIComponent(serviceId)}/on-call`,
      input,
    );
  }

  /** Ties a conversation with the service's staff to the service, for on-call routing. */
  tieServiceConversation(serviceId: string, conversationId: string) {
    return this.request<{ ok: true }>(
      "POST",
      `/api/v1/services/${encodeURIComponent(serviceId)}/conversations/${encodeURIComponent(conversationId)}`,
    );
  }

  /** Your requests that nobody at a service took, to forward to its backup (the SDK does it on sync). */
  handovers() {
    return this.request<import("@confrere/protocol").ServiceHandoversResponse>("GET", "/api/v1/me/handovers");
  }

  claimHandover(handoverId: string) {
    return this.request<{ ok: true }>("POST", `/api/v1/handovers/${encodeURIComponent(handoverId)}/claim`);
  }

  completeHandover(handoverId: string, conversationId: string) {
    return this.request<{ ok: true }>(
      "POST",
      `/api/v1/handovers/${encodeURIComponent(handoverId)}/forwarded`,
      { conversationId },
    );
  }

  // Retention, legal hold and personal data (types imported inline)

  /** An organisation's retention period (its administrators and operators). */
  retentionPolicy(organisationId: string) {
    return this.request<import("@confrere/protocol").RetentionPolicy>(
      "GET",
      `/api/v1/organisations/${encodeURIComponent(organisationId)}/retention`,
    );
  }

  /** Sets an organisation's retention period in days (7 to 3650), or null for the platform default. */
  setRetentionPolicy(organisationId: string, days: number | null) {
    return this.request<import("@confrere/protocol").RetentionPolicy>(
      "PUT",
      `/api/v1/organisations/${encodeURIComponent(organisationId)}/retention`,
      { days },
    );
  }

  /** Each of my conversations' retention horizon (what devices delete locally). */
  retentionHorizons() {
    return this.request<import("@confrere/protocol").RetentionHorizonsResponse>(
      "GET",
      "/api/v1/me/retention",
    );
  }

  legalHolds() {
    return this.request<import("@confrere/protocol").LegalHoldsResponse>("GET", "/api/v1/admin/legal-holds");
  }

  placeLegalHold(conversationId: string, reason: import("@confrere/protocol").LegalHoldReason) {
    return this.request<import("@confrere/protocol").LegalHold>(
      "PUT",
      `/api/v1/admin/conversations/${encodeURIComponent(conversationId)}/legal-hold`,
      { reason },
    );
  }

  liftLegalHold(conversationId: string) {
    return this.request<{ status: "lifted" }>(
      "DELETE",
      `/api/v1/admin/conversations/${encodeURIComponent(conversationId)}/legal-hold`,
    );
  }

  /** Everything the server holds about me (RGPD), as a JSON archive. */
  exportPersonalData() {
    return this.request<import("@confrere/protocol").PersonalDataExport>("GET", "/api/v1/me/data-export");
  }

  /** Deletes my account everywhere; the password, and a TOTP or recovery code if I have one. */
  deleteAccount(input: import("@confrere/protocol").DeleteAccountRequest) {
    return this.request<import("@confrere/protocol").DeleteAccountResponse>("DELETE", "/api/v1/me", input);
  }

  /** Operators: deletes someone's account everywhere. */
  deleteUser(userId: string) {
    return this.request<import("@confrere/protocol").DeleteAccountResponse>(
      "DELETE",
      `/api/v1/admin/users/${encodeURIComponent(userId)}`,
    );
  }
}

function query(params: Record<string, number | string | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined);
  return entries.length
    ? `?${entries.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join("&")}`
    : "";
}
