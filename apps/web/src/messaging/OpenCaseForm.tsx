import type { ConsentStatus, PatientIdentity } from "@confrere/protocol";
import { type CaseSummary, checkPatient } from "@confrere/sdk";
import { type FormEvent, useState } from "react";
import { Alert, Field, SelectField, SubmitButton } from "../components/ui.tsx";
import type { MessageKey } from "../i18n/fr.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useAction } from "../lib/use-action.ts";
import { CONSENT_STATUSES, type PatientField, patientFieldOf } from "./case-format.ts";
import { useCaseBook } from "./use-case-book.ts";

const EMPTY = {
  ins: "",
  birthName: "",
  firstNames: "",
  sex: "",
  birthDate: "",
  birthplaceCode: "",
  label: "",
};

/**
 * "Ouvrir un dossier patient" in a conversation: the patient with a qualified INS and its five
 * strict traits, or a local label when the identity is not qualified (only a qualified identity
 * may carry the INS), an optional title, and the patient's consent (CSP L1110-4). All of it
 * travels end-to-end encrypted; the server registers an opaque case id.
 */
export function OpenCaseForm({
  conversationId,
  onOpened,
  onCancel,
}: {
  conversationId: string;
  onOpened(summary: CaseSummary): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const book = useCaseBook();
  const [kind, setKind] = useState<"ins" | "label">("ins");
  const [values, setValues] = useState(EMPTY);
  const [title, setTitle] = useState("");
  const [consent, setConsent] = useState<ConsentStatus | "">("");
  const [fieldError, setFieldError] = useState<{ field: PatientField | "consent"; text: string } | null>(
    null,
  );
  const action = useAction();

  const set = (field: keyof typeof EMPTY) => (value: string) => setValues((v) => ({ ...v, [field]: value }));
  const errorOf = (field: PatientField | "consent") => (fieldError?.field === field ? fieldError.text : null);

  function patient(): PatientIdentity {
    if (kind === "label") return { kind: "label", label: values.label.trim() };
    return {
      kind: "ins",
      ins: values.ins,
      birthName: values.birthName.trim(),
      firstNames: values.firstNames.trim(),
      sex: values.sex as "M" | "F" | "I",
      birthDate: values.birthDate,
      birthplaceCode: values.birthplaceCode.trim().toUpperCase(),
    };
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setFieldError(null);
    const identity = patient();
    try {
      checkPatient(identity);
    } catch (caught) {
      const field = patientFieldOf(caught);
      if (field) {
        setFieldError({ field, text: t(`cases.fieldError.${field}` as MessageKey) });
        return;
      }
      throw caught;
    }
    if (!consent) {
      setFieldError({ field: "consent", text: t("cases.consentRequired") });
      return;
    }
    const opened = await action.run(() =>
      book.openCase(conversationId, identity, consent, title.trim() ? { title: title.trim() } : {}),
    );
    if (opened) onOpened(opened);
  }

  return (
    <form className="case-form stack" onSubmit={submit} aria-labelledby="open-case-title" noValidate>
      <h2 id="open-case-title">{t("cases.openTitle")}</h2>
      <p className="hint">{t("cases.openIntro")}</p>
      {action.error ? <Alert kind="error">{action.error}</Alert> : null}
      <fieldset className="choices">
        <legend>{t("cases.identityKind")}</legend>
        {(["ins", "label"] as const).map((option) => (
          <label key={option} className="choice">
            <input
              type="radio"
              name="identity-kind"
              value={option}
              checked={kind === option}
              onChange={() => {
                setKind(option);
                setFieldError(null);
              }}
            />
            {option === "ins" ? t("cases.kindIns") : t("cases.kindLabel")}
          </label>
        ))}
      </fieldset>
      {kind === "ins" ? (
        <div className="case-identity">
          <Field
            label={t("cases.ins")}
            hint={t("cases.insHint")}
            value={values.ins}
            onChange={(event) => set("ins")(event.target.value)}
            error={errorOf("ins")}
            required
            inputMode="numeric"
            autoComplete="off"
            spellCheck={false}
            maxLength={21}
            name="ins"
          />
          <Field
            label={t("cases.birthName")}
            value={values.birthName}
            onChange={(event) => set("birthName")(event.target.value)}
            error={errorOf("birthName")}
            required
            autoComplete="off"
            maxLength={100}
            name="birth-name"
          />
          <Field
            label={t("cases.firstNames")}
            hint={t("cases.firstNamesHint")}
            value={values.firstNames}
            onChange={(event) => set("firstNames")(event.target.value)}
            error={errorOf("firstNames")}
            required
            autoComplete="off"
            maxLength={200}
            name="first-names"
          />
          <SelectField
            label={`${t("cases.sex")} (${t("form.required")})`}
            value={values.sex}
            onChange={(event) => set("sex")(event.target.value)}
            anyLabel={t("cases.sexChoose")}
            options={[
              { value: "F", label: t("cases.sexF") },
              { value: "M", label: t("cases.sexM") },
              { value: "I", label: t("cases.sexI") },
            ]}
            aria-invalid={errorOf("sex") ? true : undefined}
            aria-describedby={errorOf("sex") ? "case-sex-error" : undefined}
            name="sex"
          />
          {errorOf("sex") ? (
            <p className="field-error" id="case-sex-error">
              {errorOf("sex")}
            </p>
          ) : null}
          <Field
            label={t("cases.birthDate")}
            type="date"
            value={values.birthDate}
            onChange={(event) => set("birthDate")(event.target.value)}
            error={errorOf("birthDate")}
            required
            name="birth-date"
          />
          <Field
            label={t("cases.birthplaceCode")}
            hint={t("cases.birthplaceHint")}
            value={values.birthplaceCode}
            onChange={(event) => set("birthplaceCode")(event.target.value)}
            error={errorOf("birthplaceCode")}
            required
            autoComplete="off"
            maxLength={5}
            name="birthplace"
          />
        </div>
      ) : (
        <Field
          label={t("cases.label")}
          hint={t("cases.labelHint")}
          value={values.label}
          onChange={(event) => set("label")(event.target.value)}
          error={errorOf("label")}
          required
          autoComplete="off"
          maxLength={200}
          name="label"
        />
      )}
      <Field
        label={t("cases.caseTitle")}
        hint={t("cases.caseTitleHint")}
        value={title}
        onChange={(event) => setTitle(event.target.value)}
        maxLength={200}
        name="case-title"
      />
      <fieldset
        className="choices"
        aria-invalid={errorOf("consent") ? true : undefined}
        aria-describedby={errorOf("consent") ? "case-consent-error" : undefined}
      >
        <legend>
          {t("cases.consentLegend")} <span className="required">({t("form.required")})</span>
        </legend>
        <p className="hint">{t("cases.consentHint")}</p>
        {CONSENT_STATUSES.map((status) => (
          <label key={status} className="choice">
            <input
              type="radio"
              name="consent"
              value={status}
              checked={consent === status}
              onChange={() => setConsent(status)}
            />
            {t(`cases.consent.${status}`)}
          </label>
        ))}
        {errorOf("consent") ? (
          <p className="field-error" id="case-consent-error">
            {errorOf("consent")}
          </p>
        ) : null}
      </fieldset>
      <div className="actions">
        <SubmitButton busy={action.busy}>{t("cases.open")}</SubmitButton>
        <button type="button" className="btn btn-secondary" onClick={onCancel}>
          {t("chat.cancel")}
        </button>
      </div>
    </form>
  );
}
