import { useCallback, useLayoutEffect, useRef, useState } from "react";

/** Rows kept in the DOM at most: a few screens above and below what is visible. */
export const WINDOW_SIZE = 120;
/** Rows added at one end (and dropped at the other) when the reader nears an edge of the window. */
const STEP = 40;
/** How close (in pixels) to an edge of the rendered rows the window starts to move. */
const EDGE_PX = 800;
/** Within this distance of the bottom, the reader is "at the bottom" and follows new messages. */
const BOTTOM_PX = 48;

interface Range {
  start: number;
  /** Infinity when the window reaches the latest row: rows that arrive later join it (see `end`). */
  end: number;
}

/** The window from `start` to `end`, left open at the end when it reaches the latest row. */
function windowOf(start: number, end: number, total: number): Range {
  return { start, end: end >= total ? Number.POSITIVE_INFINITY : end };
}

/** A rendered row whose distance to the top of the log must not change across a re-render. */
interface Anchor {
  key: string;
  top: number;
}

/**
 * A bounded window over the rows of a message log, so that a conversation of 10,000 messages keeps
 * about WINDOW_SIZE rows in the DOM. The window grows at the edge the reader scrolls towards and
 * shrinks at the other; rows have any height (photos, replies, reactions), so instead of estimating
 * heights, a row that stays rendered is measured before and after the shift and scrollTop is
 * corrected by the difference: nothing jumps. At the bottom, the window follows new rows (and
 * photos that load) as the log did before.
 *
 * Rows must carry `data-row-key={key}`; the scrolling element gets `scroller`, the list `list`.
 */
export function useMessageWindow(keys: readonly string[]) {
  const count = keys.length;
  const scroller = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const [range, setRange] = useState<Range | null>(null);
  /** At the bottom: the window ends with the last row and the log stays scrolled to the end. */
  const follow = useRef(true);
  /** `follow` for rendering (the "latest messages" button); changes only when the reader moves. */
  const [atBottom, setAtBottom] = useState(true);
  const anchor = useRef<Anchor | null>(null);
  const jumpTarget = useRef<string | null>(null);

  // A reader scrolled up a little still gets what arrives below (without being moved), up to a
  // bound; further rows come when they scroll down.
  const end = follow.current || !range ? count : Math.min(range.end, count, range.start + WINDOW_SIZE + STEP);
  const start = follow.current || !range ? Math.max(0, count - WINDOW_SIZE) : Math.min(range.start, end);
  const current = useRef<Range>({ start, end });
  current.current = { start, end };
  const keysRef = useRef(keys);
  keysRef.current = keys;

  const topOf = useCallback((key: string): number | null => {
    const box = scroller.current;
    const row = box?.querySelector(`[data-row-key="${CSS.escape(key)}"]`);
    if (!box || !row) return null;
    return row.getBoundingClientRect().top - box.getBoundingClientRect().top;
  }, []);

  const shift = useCallback(
    (next: Range, anchorKey: string | undefined) => {
      const top = anchorKey ? topOf(anchorKey) : null;
      anchor.current = anchorKey && top !== null ? { key: anchorKey, top } : null;
      setRange(next);
    },
    [topOf],
  );

  const onScroll = useCallback(() => {
    const box = scroller.current;
    if (!box) return;
    const { start: s, end: e } = current.current;
    const total = keysRef.current.length;
    const below = box.scrollHeight - box.scrollTop - box.clientHeight;
    follow.current = below <= BOTTOM_PX && e >= total;
    setAtBottom(follow.current);
    if (anchor.current) return; // a shift is already on its way
    if (box.scrollTop < EDGE_PX && s > 0) {
      const nextStart = Math.max(0, s - STEP);
      shift(windowOf(nextStart, Math.min(total, nextStart + WINDOW_SIZE), total), keysRef.current[s]);
    } else if (below < EDGE_PX && e < total) {
      const nextEnd = Math.min(total, e + STEP);
      shift(windowOf(Math.max(0, nextEnd - WINDOW_SIZE), nextEnd, total), keysRef.current[e - 1]);
    } else if (!follow.current) {
      const next = windowOf(s, e, total);
      setRange((r) => (r && r.start === next.start && r.end === next.end ? r : next));
    }
  }, [shift]);

  // After each render: keep the anchored row where it was, show a jump target, or stay at the end.
  useLayoutEffect(() => {
    const box = scroller.current;
    if (!box) return;
    if (jumpTarget.current) {
      const key = jumpTarget.current;
      const row = box.querySelector(`[data-row-key="${CSS.escape(key)}"]`);
      if (row) {
        jumpTarget.current = null;
        anchor.current = null;
        row.scrollIntoView({ block: "center" });
      }
      return;
    }
    if (anchor.current) {
      const { key, top } = anchor.current;
      const now = topOf(key);
      if (now !== null) box.scrollTop += now - top;
      anchor.current = null;
      // The reader may already be at the new edge (a long fling): look again.
      onScroll();
      return;
    }
    if (follow.current) box.scrollTop = box.scrollHeight;
  });

  // Rows change height after they render (photos load, reactions arrive): stay at the end.
  useLayoutEffect(() => {
    const box = scroller.current;
    const rows = list.current;
    if (!box || !rows || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (follow.current) box.scrollTop = box.scrollHeight;
    });
    observer.observe(rows);
    return () => observer.disconnect();
  }, []);

  /** Moves the window around a row (e.g. the message a reply quotes) and scrolls it into view. */
  const jumpTo = useCallback((key: string) => {
    const index = keysRef.current.indexOf(key);
    if (index < 0) return;
    const shown = scroller.current?.querySelector(`[data-row-key="${CSS.escape(key)}"]`);
    follow.current = false;
    setAtBottom(false);
    if (shown) {
      shown.scrollIntoView({ block: "center" });
      return;
    }
    const total = keysRef.current.length;
    const nextStart = Math.max(0, Math.min(index - WINDOW_SIZE / 2, total - WINDOW_SIZE));
    anchor.current = null;
    jumpTarget.current = key;
    setRange(windowOf(nextStart, Math.min(total, nextStart + WINDOW_SIZE), total));
  }, []);

  /** Back to the latest rows (after one's own message is sent, or from the "latest messages" button). */
  const toBottom = useCallback(() => {
    follow.current = true;
    setAtBottom(true);
    anchor.current = null;
    setRange(null);
    const box = scroller.current;
    if (box) box.scrollTop = box.scrollHeight;
  }, []);

  return { start, end, scroller, list, onScroll, jumpTo, toBottom, atBottom };
}
