/**
 * Cursor paging for lists that grow while people read them (the operators' review queue, an
 * administrator's sent invitations). The server orders by a key that never changes for an item
 * (a time, then the id) and the cursor names the last item of a page, so an item added or
 * removed meanwhile never makes the next page skip or repeat one.
 */
import { type Static, Type } from "@sinclair/typebox";

/**
 * The `limit` and `cursor` query fields. Both are plain strings at the edge (query strings are
 * not coerced), checked by the server so that a bad one gets its own code: PAGE_LIMIT_INVALID
 * (not a whole number from 1 to `maxPageSize`) or PAGE_CURSOR_INVALID (not a cursor of this list).
 *
 * @example
 * const Query = Type.Object({ ...pageQueryFields(200, 50) }, { additionalProperties: false });
 */
export function pageQueryFields(maxPageSize: number, defaultPageSize: number) {
  return {
    limit: Type.Optional(
      Type.String({ maxLength: 16, description: `1 to ${maxPageSize}, default ${defaultPageSize}` }),
    ),
    cursor: Type.Optional(
      Type.String({
        maxLength: 200,
        description: "The `nextCursor` of the previous page, as it came (opaque)",
      }),
    ),
  };
}

/** The `nextCursor` of a page: pass it as `cursor` for the next one; null on the last page. */
export const NextCursor = Type.Union([Type.String(), Type.Null()], {
  description: "Pass as `cursor` to read the next page; null when this page is the last",
});
export type NextCursor = Static<typeof NextCursor>;
