import type { AccountsContext } from "./accounts/accounts-context.ts";
import type { AuditLog } from "./audit/audit-log.ts";
import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { DatabaseHandle, Db } from "./db/database.ts";
import type { Logger } from "./logger.ts";
import type { Mailer } from "./mail/mailer.ts";
import type { BlobStore } from "./messaging/blob-store.ts";
import type { Bus } from "./messaging/bus.ts";
import type { MessageWriter } from "./messaging/message-writer.ts";

/**
 * Everything a request handler may need, built once at start-up and passed down. No module holds
 * a singleton: tests build as many contexts as they like.
 */
export interface AppContext extends AccountsContext {
  config: Config;
  database: DatabaseHandle;
  db: Db;
  clock: Clock;
  logger: Logger;
  mailer: Mailer;
  audit: AuditLog;
  bus: Bus;
  blobs: BlobStore;
  /** Application messages and devices' positions, written by group commit. */
  messages: MessageWriter;
}
