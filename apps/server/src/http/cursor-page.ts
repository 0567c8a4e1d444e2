import { ConfrereError, ErrorCode } from "@confrere/protocol";

/**
 * Cursor paging (packages/protocol/src/paging.ts). A list orders by a time that never changes for
 * an item, then by id; the cursor carries the last item's pair and the list's name, base64url
 * encoded. It is opaque to clients: its shape may change without a protocol change.
 */

/** The position of the last item of a page: its ordering time and its id. */
export interface PagePosition {
  time: number;
  id: string;
}

export interface PageRequest {
  limit: number;
  after: PagePosition | null;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const TIME = /^[0-9]{1,15}$/;

/**
 * Reads `limit` and `cursor` from a query. `list` names the list the cursor must come from, so
 * that one list's cursor is refused by another instead of paging from a meaningless place.
 */
export function pageRequest(
  query: { limit?: string | undefined; cursor?: string | undefined },
  options: { list: string; defaultSize: number; maxSize: number; operation: string },
): PageRequest {
  const { list, defaultSize, maxSize, operation } = options;
  let limit = defaultSize;
  if (query.limit !== undefined) {
    limit = /^[0-9]{1,4}$/.test(query.limit) ? Number(query.limit) : Number.NaN;
    if (!(limit >= 1 && limit <= maxSize)) {
      throw new ConfrereError(
        ErrorCode.PAGE_LIMIT_INVALID,
        400,
        `${operation}: limit must be a whole number from 1 to ${maxSize} (default ${defaultSize})`,
        { location: "querystring", field: "limit" },
      );
    }
  }
  if (query.cursor === undefined) return { limit, after: null };
  return { limit, after: readCursor(query.cursor, list, operation) };
}

function readCursor(cursor: string, list: string, operation: string): PagePosition {
  const invalid = new ConfrereError(
    ErrorCode.PAGE_CURSOR_INVALID,
    400,
    `${operation}: this cursor does not come from this list; pass the nextCursor of the previous page as it came, or leave cursor out to start from the first page`,
    { location: "querystring", field: "cursor" },
  );
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  const [name, time, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split(":");
  if (name !== list || time === undefined || !TIME.test(time) || id === undefined || !ID.test(id)) {
    throw invalid;
  }
  if (rest.length > 0) throw invalid;
  return { time: Number(time), id };
}

/**
 * The answer's `nextCursor`: the last item's position when there may be more, else null. Callers
 * fetch `limit + 1` rows and pass them all: the extra row says whether another page exists.
 */
export function pageOf<T>(
  rows: readonly T[],
  limit: number,
  list: string,
  positionOf: (row: T) => PagePosition,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  if (rows.length <= limit || last === undefined) return { items, nextCursor: null };
  const { time, id } = positionOf(last);
  return { items, nextCursor: Buffer.from(`${list}:${time}:${id}`, "utf8").toString("base64url") };
}
