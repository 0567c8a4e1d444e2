import { CaseBook } from "@confrere/sdk";
import { useMemo } from "react";
import { useMessaging } from "./messaging-context.tsx";

/** The device's patient cases, read from the messaging client's decrypted history. */
export function useCaseBook(): CaseBook {
  const { client } = useMessaging();
  return useMemo(() => new CaseBook(client), [client]);
}
