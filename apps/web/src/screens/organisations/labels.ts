import type { Organisation } from "@confrere/protocol";
import type { Translate } from "../../i18n/i18n.tsx";

/** "Établissement", "CPTS", "Communauté de communes", "Département". */
export function kindLabel(organisation: Pick<Organisation, "kind" | "territoryType">, t: Translate): string {
  if (organisation.kind === "establishment") return t("organisations.kind.establishment");
  return t(`organisations.territoryType.${organisation.territoryType ?? "cpts"}`);
}
