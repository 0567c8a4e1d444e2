import type { DirectoryPlace, ReviewDirectoryEntry } from "@confrere/protocol";
import type { AppContext } from "../context.ts";

/**
 * The directory entries of claimed professionals as an operator compares them with a proof:
 * names, profession and the places they practise (each establishment once), read now, so that a
 * change since the claim (a deactivation) shows.
 */
export async function directoryEntries(
  ctx: AppContext,
  nationalIds: readonly string[],
): Promise<Map<string, ReviewDirectoryEntry>> {
  const entries = new Map<string, ReviewDirectoryEntry>();
  if (nationalIds.length === 0) return entries;
  const professionals = await ctx.db
    .selectFrom("directory_professionals")
    .select([
      "id",
      "national_id",
      "practice_civility_label",
      "last_name",
      "first_name",
      "profession_code",
      "profession_label",
      "is_active",
    ])
    .where("national_id", "in", [...new Set(nationalIds)])
    .execute();
  if (professionals.length === 0) return entries;
  const places = await ctx.db
    .selectFrom("directory_practice_situations as ps")
    .innerJoin("directory_establishments as e", "e.id", "ps.establishment_id")
    .select([
      "ps.professional_id",
      "e.id as establishment_id",
      "e.name",
      "e.trade_name",
      "e.commune_label",
      "e.postal_code",
      "e.departement_code",
      "e.departement_label",
    ])
    .where(
      "ps.professional_id",
      "in",
      professionals.map((p) => Number(p.id)),
    )
    .orderBy("ps.professional_id")
    .orderBy("ps.situation_key")
    .execute();
  const placesOf = new Map<number, { seen: Set<number>; list: DirectoryPlace[] }>();
  for (const place of places) {
    const id = Number(place.professional_id);
    const entry = placesOf.get(id) ?? { seen: new Set<number>(), list: [] };
    placesOf.set(id, entry);
    if (entry.seen.has(Number(place.establishment_id))) continue;
    entry.seen.add(Number(place.establishment_id));
    entry.list.push({
      // The enseigne is the name on the door; the raison sociale otherwise (as the search shows it).
      establishmentName: place.trade_name ?? place.name,
      commune: place.commune_label,
      postalCode: place.postal_code,
      departement: place.departement_code
        ? { code: place.departement_code, label: place.departement_label }
        : null,
    });
  }
  for (const p of professionals) {
    entries.set(p.national_id, {
      civility: p.practice_civility_label,
      lastName: p.last_name,
      firstName: p.first_name,
      profession: p.profession_code ? { code: p.profession_code, label: p.profession_label } : null,
      active: Number(p.is_active) === 1,
      places: placesOf.get(Number(p.id))?.list ?? [],
    });
  }
  return entries;
}
