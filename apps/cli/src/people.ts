import type { Conversation } from "@confrere/protocol";
import { ConfrereError, ErrorCode } from "@confrere/protocol";
import { type ConfrereClient, getJson, type LocalStore, putJson } from "@confrere/sdk";
import { CliError, UsageError } from "./errors.ts";

const NAMES_KEY = "cli/names";
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface Person {
  userId: string;
  displayName: string | null;
}

/**
 * Turns `--to` / `--member` / `--with` into a user id: an e-mail is looked up on the server (only
 * verified professionals are found), anything else must be a user id.
 */
export async function resolvePerson(
  client: ConfrereClient,
  value: string,
  operation: string,
): Promise<Person> {
  if (!value.includes("@")) {
    if (!ID_PATTERN.test(value))
      throw new UsageError(`${operation}: "${value}" is neither an e-mail address nor a user id`);
    return { userId: value, displayName: null };
  }
  try {
    const user = await client.api.lookupUser(value);
    return { userId: user.userId, displayName: user.displayName };
  } catch (error) {
    if (error instanceof ConfrereError && error.code === ErrorCode.USER_NOT_FOUND) {
      throw new CliError(
        `${operation}: no verified professional with the e-mail ${value} on Confrère; check the address`,
      );
    }
    if (error instanceof ConfrereError && error.code === ErrorCode.VALIDATION_FAILED)
      throw new UsageError(`${operation}: "${value}" is not an e-mail address`);
    throw error;
  }
}

/**
 * Display names seen in conversations, kept so that messages of people who left a group still
 * show a name.
 */
export class Names {
  private constructor(
    private readonly store: LocalStore,
    private readonly names: Record<string, string>,
    readonly me: string,
  ) {}

  static async load(store: LocalStore, me: string): Promise<Names> {
    return new Names(store, (await getJson<Record<string, string>>(store, NAMES_KEY)) ?? {}, me);
  }

  /** Records the members' names; saved only when something changed. */
  async learn(conversations: Conversation[]): Promise<void> {
    let changed = false;
    for (const member of conversations.flatMap((c) => c.members)) {
      if (this.names[member.userId] === member.displayName) continue;
      this.names[member.userId] = member.displayName;
      changed = true;
    }
    if (changed) await putJson(this.store, NAMES_KEY, this.names);
  }

  of(userId: string): string {
    return this.names[userId] ?? userId;
  }
}
