/**
 * Entries applied past this many without a pause are acknowledged anyway: under a steady stream the
 * sender still sees "distribué" within a fraction of a second, and the server's badge stays true.
 */
export const ACK_AT_MOST_EVERY = 64;

/** An entry that moved this device on in its conversation. */
export interface AppliedEntry {
  conversationId: string;
  seq: number;
}

/**
 * The acknowledgements of one socket's entries, sent once per burst: when the last frame that had
 * arrived has had its turn, one acknowledgement per conversation, of the furthest entry applied.
 * A group commit's entries (or a reconnection's) come in a burst, and acknowledging each cost the
 * server a write and a delivery receipt per entry where one covers them all.
 *
 * @example
 * const acks = new BurstAcks((conversationId, seq) => send({ type: "ack", conversationId, seq }));
 * acks.arrived();                          // as each frame comes, before it waits for its turn
 * await acks.settled({ conversationId, seq }); // after its turn: applied (or null if not)
 */
export class BurstAcks {
  /** Frames that arrived and have not had their turn yet. */
  private waiting = 0;
  private appliedSinceAck = 0;
  private readonly furthest = new Map<string, number>();

  constructor(private readonly acknowledge: (conversationId: string, seq: number) => Promise<void> | void) {}

  /** A frame arrived; call it at once, before the frame waits for its turn. */
  arrived(): void {
    this.waiting++;
  }

  /**
   * The frame had its turn, whatever came of it: `applied` is the entry that moved this device on,
   * null for a duplicate, a gap filled otherwise or a frame no longer wanted. Sends the burst's
   * acknowledgements when it was the last one waiting.
   */
  async settled(applied: AppliedEntry | null): Promise<void> {
    this.waiting--;
    if (applied) {
      this.appliedSinceAck++;
      if ((this.furthest.get(applied.conversationId) ?? 0) < applied.seq)
        this.furthest.set(applied.conversationId, applied.seq);
    }
    if (this.waiting > 0 && this.appliedSinceAck < ACK_AT_MOST_EVERY) return;
    const acks = [...this.furthest];
    this.furthest.clear();
    this.appliedSinceAck = 0;
    for (const [conversationId, seq] of acks) await this.acknowledge(conversationId, seq);
  }
}
