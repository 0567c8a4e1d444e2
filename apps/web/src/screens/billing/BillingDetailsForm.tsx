import type { BillingDetails } from "@confrere/protocol";
import { type FormEvent, useEffect, useState } from "react";
import { Alert, Field, SubmitButton } from "../../components/ui.tsx";
import { useI18n } from "../../i18n/i18n.tsx";
import { useAction } from "../../lib/use-action.ts";

type Text = Record<
  | "name"
  | "addressLine1"
  | "addressLine2"
  | "postalCode"
  | "city"
  | "country"
  | "siret"
  | "vatNumber"
  | "invoiceEmail"
  | "purchaseOrderReference",
  string
>;

function toText(details: BillingDetails | null): Text {
  return {
    name: details?.name ?? "",
    addressLine1: details?.addressLine1 ?? "",
    addressLine2: details?.addressLine2 ?? "",
    postalCode: details?.postalCode ?? "",
    city: details?.city ?? "",
    country: details?.country ?? "France",
    siret: details?.siret ?? "",
    vatNumber: details?.vatNumber ?? "",
    invoiceEmail: details?.invoiceEmail ?? "",
    purchaseOrderReference: details?.purchaseOrderReference ?? "",
  };
}

const orNull = (value: string) => (value.trim() === "" ? null : value.trim());

/**
 * The buyer's identity printed on invoices. A professional gives a name and an address; an
 * organisation also its SIRET, VAT number, the address invoices are announced to, and the
 * commitment number (numéro d'engagement) a public body's accountant needs on each invoice.
 * Fields this form does not show keep what was saved before.
 */
export function BillingDetailsForm({
  details,
  variant,
  onSave,
}: {
  details: BillingDetails | null;
  variant: "person" | "organisation";
  onSave(details: BillingDetails): Promise<unknown>;
}) {
  const { t } = useI18n();
  const [text, setText] = useState<Text>(() => toText(details));
  const [saved, setSaved] = useState(false);
  const action = useAction();
  useEffect(() => setText(toText(details)), [details]);
  const bind = (key: keyof Text) => ({
    value: text[key],
    onChange: (event: { target: { value: string } }) => {
      setSaved(false);
      setText((previous) => ({ ...previous, [key]: event.target.value }));
    },
  });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const isOrganisation = variant === "organisation";
    const next: BillingDetails = {
      name: text.name.trim(),
      addressLine1: text.addressLine1.trim(),
      addressLine2: orNull(text.addressLine2),
      postalCode: text.postalCode.trim(),
      city: text.city.trim(),
      country: text.country.trim(),
      siren: details?.siren ?? null,
      siret: isOrganisation ? orNull(text.siret) : (details?.siret ?? null),
      vatNumber: isOrganisation
        ? orNull(text.vatNumber.replace(/\s/g, "").toUpperCase())
        : (details?.vatNumber ?? null),
      invoiceEmail: isOrganisation ? orNull(text.invoiceEmail) : (details?.invoiceEmail ?? null),
      purchaseOrderReference: isOrganisation
        ? orNull(text.purchaseOrderReference)
        : (details?.purchaseOrderReference ?? null),
    };
    if ((await action.run(() => onSave(next))) !== undefined) setSaved(true);
  }

  return (
    <form onSubmit={submit} className="stack" aria-label={t("billing.details.title")}>
      <Field
        label={t("billing.details.name")}
        required
        maxLength={200}
        autoComplete="organization"
        {...bind("name")}
      />
      <Field
        label={t("billing.details.addressLine1")}
        required
        maxLength={200}
        autoComplete="address-line1"
        {...bind("addressLine1")}
      />
      <Field
        label={t("billing.details.addressLine2")}
        maxLength={200}
        autoComplete="address-line2"
        {...bind("addressLine2")}
      />
      <div className="field-row">
        <Field
          label={t("billing.details.postalCode")}
          required
          maxLength={16}
          autoComplete="postal-code"
          {...bind("postalCode")}
        />
        <Field
          label={t("billing.details.city")}
          required
          maxLength={120}
          autoComplete="address-level2"
          {...bind("city")}
        />
      </div>
      <Field
        label={t("billing.details.country")}
        required
        maxLength={60}
        autoComplete="country-name"
        {...bind("country")}
      />
      {variant === "organisation" ? (
        <>
          <Field
            label={t("billing.details.siret")}
            hint={t("billing.details.siretHint")}
            inputMode="numeric"
            maxLength={24}
            {...bind("siret")}
          />
          <Field
            label={t("billing.details.vatNumber")}
            hint={t("billing.details.vatNumberHint")}
            maxLength={34}
            autoCapitalize="characters"
            {...bind("vatNumber")}
          />
          <Field
            label={t("billing.details.purchaseOrderReference")}
            hint={t("billing.details.purchaseOrderReferenceHint")}
            maxLength={60}
            {...bind("purchaseOrderReference")}
          />
          <Field
            label={t("billing.details.invoiceEmail")}
            hint={t("billing.details.invoiceEmailHint")}
            type="email"
            maxLength={254}
            autoComplete="email"
            {...bind("invoiceEmail")}
          />
        </>
      ) : null}
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      {saved ? <Alert kind="success">{t("billing.details.saved")}</Alert> : null}
      <div className="actions">
        <SubmitButton busy={action.busy}>{t("billing.details.save")}</SubmitButton>
      </div>
    </form>
  );
}
