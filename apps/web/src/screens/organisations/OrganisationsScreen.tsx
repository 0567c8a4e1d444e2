import { useLocation } from "../../lib/router.tsx";
import { OrganisationDetail } from "./OrganisationDetail.tsx";
import { OrganisationList } from "./OrganisationList.tsx";
import { SponsorBilling } from "./SponsorBilling.tsx";

/**
 * "Organisations" (`/organisations`, `/organisations/:id`): administrators run their
 * establishment's services and rosters, or their territory's members and invitations; operators
 * create organisations and name their administrators. Its own chunk: few people open it.
 */
export default function OrganisationsScreen() {
  const { path } = useLocation();
  const match = /^\/organisations\/([A-Za-z0-9_-]+)(\/facturation)?$/.exec(path);
  const id = match?.[1] ?? null;
  // `/organisations/:id/facturation`: seats and invoices (the payment provider returns there too).
  if (id && match?.[2]) return <SponsorBilling key={id} id={id} />;
  return id ? <OrganisationDetail key={id} id={id} /> : <OrganisationList />;
}
