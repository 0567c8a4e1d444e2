import { ConfrereError, ErrorCode, type ServiceSummary } from "@confrere/protocol";
import { sql } from "kysely";
import type { AppContext } from "../context.ts";
import { MAX_QUERY_WORDS, queryWords } from "../directory/search-text.ts";
import { rosterSizes } from "./services.ts";

/**
 * Finds services whose name, establishment name, commune or département starts a word with each
 * word of the query ("cardio auxerre"). Both the stored keys and the query are folded by
 * directory/search-text.ts, so both stores compare the same `[a-z0-9 ]` text with the same LIKE;
 * a word cannot carry a LIKE metacharacter. Services are few (thousands), so a scan is fine.
 */
export async function searchServices(
  ctx: AppContext,
  query: { q: string; limit: number },
): Promise<ServiceSummary[]> {
  const operation = "searchServices";
  const words = queryWords(query.q);
  if (words.length === 0) {
    throw new ConfrereError(
      ErrorCode.VALIDATION_FAILED,
      400,
      `${operation}: type at least one word of letters or digits, e.g. "cardio auxerre"`,
      { location: "querystring" },
    );
  }
  if (words.length > MAX_QUERY_WORDS) {
    throw new ConfrereError(
      ErrorCode.VALIDATION_FAILED,
      400,
      `${operation}: at most ${MAX_QUERY_WORDS} words; remove some`,
      { location: "querystring" },
    );
  }
  const document = sql<string>`(' ' || ${sql.ref("services.name_key")} || ' ' || ${sql.ref("organisations.search_key")})`;
  let select = ctx.db
    .selectFrom("services")
    .innerJoin("organisations", "organisations.id", "services.organisation_id")
    .select([
      "services.id",
      "services.name",
      "services.organisation_id",
      "organisations.name as establishment_name",
      "organisations.commune_label",
      "organisations.departement_code",
    ]);
  for (const word of words) select = select.where(document, "like", `% ${word}%`);
  const rows = await select
    .orderBy("organisations.search_key")
    .orderBy("organisations.id")
    .orderBy("services.name_key")
    .orderBy("services.id")
    .limit(query.limit)
    .execute();
  const sizes = await rosterSizes(
    ctx,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    organisationId: r.organisation_id,
    establishmentName: r.establishment_name,
    commune: r.commune_label,
    departement: r.departement_code,
    rosterSize: sizes.get(r.id) ?? 0,
  }));
}
