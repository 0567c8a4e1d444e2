import type { ConversationMember } from "@confrere/protocol";
import { useEffect, useState } from "react";
import { Alert, Spinner } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { Link } from "../../lib/router.tsx";
import { useAction } from "../../lib/use-action.ts";
import { safetyCodePath } from "../../lock/safety-links.ts";
import { useSession } from "../../session.tsx";

type Contact = Pick<ConversationMember, "userId" | "displayName">;

/**
 * "Vérifier un confrère": the people of this account's conversations, each with a link to the
 * safety code to compare with them. Read from the server's roster (names and ids only), so the
 * profile does not need to load the messaging client.
 */
export function SafetyContactsSection() {
  const { t } = useI18n();
  const { api, account } = useSession();
  const [contacts, setContacts] = useState<Contact[] | null>(null);
  const action = useAction();

  useEffect(() => {
    if (account?.state !== "verified") return;
    void action.run(async () => {
      const { conversations } = await api.conversations();
      const byId = new Map<string, Contact>();
      for (const conversation of conversations)
        for (const member of conversation.members)
          if (member.userId !== account.id) byId.set(member.userId, member);
      setContacts([...byId.values()].sort((a, b) => a.displayName.localeCompare(b.displayName, "fr")));
    });
  }, [api, account, action.run]);

  if (account?.state !== "verified") return null;
  return (
    <section className="card" aria-labelledby="safety-contacts-title">
      <h2 id="safety-contacts-title">{t("lock.verifyTitle")}</h2>
      <p className="hint">{t("lock.verifyHint")}</p>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {contacts === null && !action.error ? <Spinner label={t("app.loading")} /> : null}
      {contacts?.length === 0 ? <p>{t("lock.verifyNone")}</p> : null}
      {contacts?.length ? (
        <ul className="plain-list" data-testid="safety-contacts">
          {contacts.map((contact) => (
            <li key={contact.userId}>
              <Link
                to={safetyCodePath(contact.userId)}
                aria-label={t("lock.safetyCodeWith", { name: contact.displayName })}
              >
                {contact.displayName}
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
