import type { Migration, MigrationProvider } from "kysely";
import { accounts } from "./0001-accounts.ts";
import { audit } from "./0002-audit.ts";
import { directory } from "./0003-directory.ts";
import { messaging } from "./0004-messaging.ts";
import { professionalLink } from "./0005-professional-link.ts";
import { proSanteConnect } from "./0006-pro-sante-connect.ts";
import { identityClaims } from "./0007-identity-claims.ts";
import { organisations } from "./0008-organisations.ts";
import { invitations } from "./0009-invitations.ts";
import { billing } from "./0010-billing.ts";
import { directorySearch } from "./0011-directory-search.ts";
import { pushSubscriptions } from "./0012-push-subscriptions.ts";
import { careCases } from "./0013-care-cases.ts";
import { availabilityOnCall } from "./0015-availability-on-call.ts";
import { retention } from "./0016-retention.ts";
import { teleExpertise } from "./0017-tele-expertise.ts";
import { serviceRouting } from "./0018-service-routing.ts";
import { serviceHandovers } from "./0019-service-handovers.ts";
import { directorySearchHeads } from "./0020-directory-search-heads.ts";
import { directorySearchCodes } from "./0021-directory-search-codes.ts";
import { directoryWithoutProfessionalKeys } from "./0022-directory-without-professional-keys.ts";
import { directorySearchFormat } from "./0023-directory-search-format.ts";

export type DatabaseKind = "sqlite" | "postgres";
export interface MigrationContext {
  kind: DatabaseKind;
}

/**
 * Every migration, in order, listed explicitly (no directory scan: a bundle or a renamed file
 * must not change what runs). Names sort in the order they apply.
 */
export function migrationList(context: MigrationContext): Record<string, Migration> {
  return {
    "0001-accounts": accounts(context),
    "0002-audit": audit(context),
    "0003-directory": directory(context),
    "0004-messaging": messaging(context),
    "0005-professional-link": professionalLink(context),
    "0006-pro-sante-connect": proSanteConnect(context),
    "0007-identity-claims": identityClaims(context),
    "0008-organisations": organisations(context),
    "0009-invitations": invitations(context),
    "0010-billing": billing(context),
    "0011-directory-search": directorySearch(context),
    "0012-push-subscriptions": pushSubscriptions(context),
    "0013-care-cases": careCases(context),
    "0015-availability-on-call": availabilityOnCall(context),
    "0016-retention": retention(context),
    "0017-tele-expertise": teleExpertise(context),
    "0018-service-routing": serviceRouting(context),
    "0019-service-handovers": serviceHandovers(context),
    "0020-directory-search-heads": directorySearchHeads(context),
    "0021-directory-search-codes": directorySearchCodes(context),
    "0022-directory-without-professional-keys": directoryWithoutProfessionalKeys(context),
    "0023-directory-search-format": directorySearchFormat(context),
  };
}

export class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly context: MigrationContext) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrationList(this.context);
  }
}
