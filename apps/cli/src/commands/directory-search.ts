import {
  DIRECTORY_SEARCH_MAX_LIMIT,
  type DirectoryProfessional,
  DirectorySearchQuery,
  type DirectorySearchResponse,
} from "@confrere/protocol";
import { flagsAndWords } from "../args.ts";
import { UsageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

const command = "directory search";

/** The filters and the flag that gives each, checked against the protocol's own patterns. */
const FILTERS = ["profession", "specialty", "departement", "territory"] as const;
type Filter = (typeof FILTERS)[number];

/**
 * Searches the Annuaire Santé through the server: one line per professional, saying whether they
 * are on Confrère. Needs no messaging device: only the session is used.
 */
export async function runDirectorySearch(args: string[]): Promise<number> {
  const { values, words } = flagsAndWords(command, args, {
    profession: { type: "string" },
    specialty: { type: "string" },
    departement: { type: "string" },
    territory: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
  });
  const params: { q?: string; limit?: number } & Partial<Record<Filter, string>> = {};
  const q = words.join(" ").trim();
  const maxLength = DirectorySearchQuery.properties.q.maxLength ?? Number.POSITIVE_INFINITY;
  if (q.length > maxLength) {
    throw new UsageError(
      `${command}: the search is too long (at most ${maxLength} characters)`,
      usageOf(command),
    );
  }
  if (q !== "") params.q = q;
  for (const filter of FILTERS) {
    const value = checked(filter, values[filter]);
    if (value !== undefined) params[filter] = value;
  }
  if (Object.keys(params).length === 0) {
    throw new UsageError(
      `${command}: give words to search (a name, a profession, a commune…) or a filter`,
      usageOf(command),
    );
  }
  if (values.limit !== undefined) {
    const limit = Number(values.limit);
    if (!/^[0-9]{1,3}$/.test(values.limit) || limit < 1 || limit > DIRECTORY_SEARCH_MAX_LIMIT) {
      throw new UsageError(
        `${command}: --limit takes a whole number from 1 to ${DIRECTORY_SEARCH_MAX_LIMIT}`,
        usageOf(command),
      );
    }
    params.limit = limit;
  }

  return withSession(
    command,
    values.home,
    async ({ client }) => {
      const response = await client.api.searchDirectory(params);
      if (values.json) printJson(response);
      else printResults(response);
      return 0;
    },
    { sync: false, device: false },
  );
}

/** A filter's value, refused here with the usage when the server would refuse it. */
function checked(filter: Filter, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const { pattern, maxLength } = DirectorySearchQuery.properties[filter] as {
    pattern: string;
    maxLength?: number;
  };
  if (!new RegExp(pattern).test(value) || (maxLength !== undefined && value.length > maxLength)) {
    throw new UsageError(
      `${command}: --${filter} ${JSON.stringify(value)} is not ${EXPECTED[filter]}`,
      usageOf(command),
    );
  }
  return value;
}

const EXPECTED: Record<Filter, string> = {
  profession: "a profession code (digits, e.g. 10 for Médecin)",
  specialty: "a specialty code (letters and digits, e.g. SM04 for Cardiologie)",
  departement: "a département code (01…95, 2A, 2B, 971…976)",
  territory: "a territory id",
};

function printResults({ results, isPartial }: DirectorySearchResponse): void {
  if (results.length === 0) console.log("No professional matches; try fewer words or another filter.");
  for (const professional of results) console.log(resultLine(professional));
  if (results.some((professional) => !professional.onConfrere)) {
    console.error("confrere: to invite someone who is not on Confrère yet: confrere invite EMAIL");
  }
  if (isPartial) {
    console.error(
      "confrere: many professionals match; only the first ones were ranked: add a word or a filter to narrow the search",
    );
  }
}

/**
 * `810785900399  LEROY Léa · Médecin · Cardiologie et maladies vasculaires · SAINT-DENIS (974) +1 · sur Confrère (user id …)`
 */
export function resultLine(professional: DirectoryProfessional): string {
  const parts = [`${professional.lastName} ${professional.firstName}`];
  if (professional.profession?.label) parts.push(professional.profession.label);
  const specialties = professional.specialties.map((s) => s.label ?? s.code);
  if (specialties.length > 0) parts.push(specialties.join(", "));
  const [first, ...others] = professional.places;
  if (first?.commune) {
    const departement = first.departement ? ` (${first.departement.code})` : "";
    parts.push(`${first.commune}${departement}${others.length > 0 ? ` +${others.length}` : ""}`);
  }
  if (!professional.active) parts.push("ne figure plus dans l'annuaire");
  // The invitation command is the next step for someone not on Confrère yet.
  parts.push(
    professional.onConfrere ? `sur Confrère (user id ${professional.userId})` : "pas encore sur Confrère",
  );
  return `${professional.nationalId}  ${parts.join(" · ")}`;
}
