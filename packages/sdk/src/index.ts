export { ApiClient, type ApiClientOptions } from "./api-client.ts";
export {
  type ClientEvents,
  ConfrereClient,
  type ConfrereClientOptions,
  type DeliveryState,
  type StoredMessage,
} from "./client.ts";
export { decodeContent, encodeContent } from "./content-codec.ts";
export { Emitter } from "./emitter.ts";
export { type IdbFactory, IndexedDbStore, openBrowserStore } from "./indexeddb-store.ts";
export { isUnreachable, Outbox, type QueuedMessage } from "./outbox.ts";
export type { WebSocketConstructor, WebSocketLike } from "./realtime.ts";
export { deleteExpiredLocalCopies } from "./retention.ts";
export { EncryptedStore, getJson, type LocalStore, MemoryStore, putJson } from "./store.ts";
