import { ExpertiseDesk } from "@confrere/sdk";
import { useMemo } from "react";
import { useMessaging } from "../messaging/messaging-context.tsx";

/** The device's télé-expertise requests, through the messaging client (the content is encrypted). */
export function useExpertiseDesk(): ExpertiseDesk {
  const { client } = useMessaging();
  return useMemo(() => new ExpertiseDesk(client), [client]);
}
