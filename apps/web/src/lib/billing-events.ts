import type { Subscription } from "@confrere/protocol";

/**
 * The billing screen announces each fresh subscription it loads (after a payment, a seat), so the
 * layout's banner follows without asking the server again.
 */
const EVENT = "confrere:subscription";

export function announceSubscription(subscription: Subscription): void {
  window.dispatchEvent(new CustomEvent<Subscription>(EVENT, { detail: subscription }));
}

export function onSubscription(listener: (subscription: Subscription) => void): () => void {
  const handle = (event: Event) => listener((event as CustomEvent<Subscription>).detail);
  window.addEventListener(EVENT, handle);
  return () => window.removeEventListener(EVENT, handle);
}
