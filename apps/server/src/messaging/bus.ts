import type { LogEntry, PendingWelcome } from "@confrere/protocol";

/**
 * What one node tells every node (itself included) so that each pushes it to the devices connected
 * to it. Recipients are named in the event, so a node needs no database read to deliver it.
 */
export type BusEvent =
  /** `silent`: no push notification (a read receipt, an edit). */
  | { kind: "entry"; userIds: string[]; entry: LogEntry; silent?: boolean }
  | { kind: "welcome"; deviceId: string; welcome: PendingWelcome }
  | { kind: "conversation"; userIds: string[]; conversationId: string }
  | { kind: "delivery"; userIds: string[]; conversationId: string; userId: string; seq: number }
  | { kind: "typing"; userIds: string[]; conversationId: string; userId: string }
  | { kind: "presence"; userIds: string[]; userId: string; online: boolean }
  | { kind: "devices"; userIds: string[]; userId: string };

/** `local`: one node, nothing to reach; `connected`/`disconnected`: a cluster's link to the others. */
export type BusStatus = "local" | "connected" | "disconnected";

/**
 * The one interface between nodes: in-process for a single node, Redis for a cluster
 * (redis-bus.ts). Nothing else changes between the embedded default and a cluster.
 */
export interface Bus {
  publish(event: BusEvent): void;
  subscribe(handler: (event: BusEvent) => void): () => void;
  status(): BusStatus;
  /** Called when the link to the other nodes is back after a loss: devices should catch up. */
  onResync(listener: () => void): () => void;
  close(): Promise<void>;
}

export class InProcessBus implements Bus {
  private readonly handlers = new Set<(event: BusEvent) => void>();

  publish(event: BusEvent): void {
    // Delivered after the current tick, as a remote bus would: publishers never wait on pushes.
    queueMicrotask(() => {
      for (const handler of this.handlers) handler(event);
    });
  }

  subscribe(handler: (event: BusEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  status(): BusStatus {
    return "local";
  }

  onResync(): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
