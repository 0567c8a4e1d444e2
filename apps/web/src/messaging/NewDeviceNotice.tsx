import { getJson, putJson } from "@confrere/sdk";
import { useCallback, useEffect, useState } from "react";
import { useI18n } from "../i18n/i18n.tsx";
import { Link } from "../lib/router.tsx";
import { safetyCodePath } from "../lock/safety-links.ts";
import { useSession } from "../session.tsx";
import { useMessaging } from "./messaging-context.tsx";

/** The device ids of a colleague this device has seen (and the person has acknowledged). */
const seenKey = (userId: string) => `web/devices-seen/${userId}`;

interface Changed {
  userId: string;
  name: string;
  deviceIds: string[];
}

/**
 * Signal's "safety number changed", in a conversation: when a colleague of it has a device this
 * device had not seen, the safety code with them has changed. Said once per change, with a link to
 * compare the code, until the person acknowledges it.
 *
 * Compared with the devices the server announces for them (the very list the safety code is
 * computed from), remembered per colleague in the encrypted store; the first time a colleague is
 * seen, their devices are taken as they are (trust on first use, as Signal does). Checked when the
 * chat opens, when the conversation's group changes (a commit adding a device) and when the SDK
 * warns of a new device. A device that goes away changes the code too, but is not news worth a
 * notice: it is only forgotten.
 */
export function NewDeviceNotice({ conversationId }: { conversationId: string }) {
  const { t } = useI18n();
  const { api, store, account } = useSession();
  const { client, conversations } = useMessaging();
  const [changed, setChanged] = useState<Changed[]>([]);
  /** How many checks have finished: browser tests wait for the first before adding a device. */
  const [checks, setChecks] = useState(0);
  const members = conversations?.find((c) => c.conversation.id === conversationId)?.conversation.members;
  const others = (members ?? []).filter((m) => m.userId !== account?.id);
  // A stable dependency for the effects (the roster object changes with every summary reload).
  const othersKey = JSON.stringify(others.map((m) => ({ userId: m.userId, name: m.displayName })));

  const check = useCallback(async () => {
    const people = JSON.parse(othersKey) as { userId: string; name: string }[];
    if (!store || people.length === 0) return;
    const { devices } = await api.devicesOf(people.map((p) => p.userId));
    const found: Changed[] = [];
    for (const person of people) {
      const current = devices.filter((d) => d.userId === person.userId).map((d) => d.deviceId);
      const seen = await getJson<string[]>(store, seenKey(person.userId));
      if (!seen) {
        await putJson(store, seenKey(person.userId), current);
        continue;
      }
      if (current.some((id) => !seen.includes(id))) found.push({ ...person, deviceIds: current });
      else if (current.length !== seen.length) await putJson(store, seenKey(person.userId), current);
    }
    setChanged(found);
    setChecks((count) => count + 1);
  }, [api, store, othersKey]);

  useEffect(() => {
    void check().catch(() => {});
    const watched = new Set((JSON.parse(othersKey) as { userId: string }[]).map((p) => p.userId));
    const offConversation = client.events.on("conversation", (event) => {
      if (event.conversationId === conversationId) void check().catch(() => {});
    });
    const offWarning = client.events.on("warning", (warning) => {
      if (warning.kind === "new-device" && watched.has(warning.userId)) void check().catch(() => {});
    });
    return () => {
      offConversation();
      offWarning();
    };
  }, [check, client, conversationId, othersKey]);

  async function acknowledge(person: Changed) {
    if (store) await putJson(store, seenKey(person.userId), person.deviceIds);
    setChanged((list) => list.filter((c) => c.userId !== person.userId));
  }

  return (
    <div className="new-device-notices" hidden={changed.length === 0} data-checks={checks}>
      {changed.map((person) => (
        <div key={person.userId} className="alert alert-info" role="status" data-testid="new-device-notice">
          {t("newDevice.notice", { name: person.name })}{" "}
          <Link to={safetyCodePath(person.userId)} onClick={() => void acknowledge(person)}>
            {t("newDevice.verify")}
          </Link>{" "}
          <button type="button" className="btn-link" onClick={() => void acknowledge(person)}>
            {t("newDevice.dismiss")}
          </button>
        </div>
      ))}
    </div>
  );
}
