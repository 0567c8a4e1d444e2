import {
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
  useEffect,
  useId,
  useRef,
  useState,
} from "react";
import { useI18n } from "../i18n/i18n.tsx";

/**
 * A screen: its title names the browser tab, and the heading takes the focus when the screen
 * opens, so that a screen reader announces where a link or a submit led (WCAG 2.4.3).
 */
export function Page({
  title,
  children,
  narrow = false,
}: {
  title: string;
  children: ReactNode;
  narrow?: boolean;
}) {
  const { t } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · ${t("app.name")}`;
  }, [title, t]);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <div className={narrow ? "page page-narrow" : "page"}>
      <h1 tabIndex={-1} ref={heading}>
        {title}
      </h1>
      {children}
    </div>
  );
}

export function Alert({ kind, children }: { kind: "error" | "success" | "info"; children: ReactNode }) {
  // Errors interrupt (role=alert); confirmations wait for a pause (role=status).
  return (
    <div className={`alert alert-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

/** What a labelled control shows around itself: its label, a hint and an error, tied to it by id. */
interface FieldFrameProps {
  label: string;
  hint?: ReactNode;
  error?: string | null;
  required?: boolean;
  control(id: string, describedBy: string | undefined): ReactNode;
}

function FieldFrame({ label, hint, error, required, control }: FieldFrameProps) {
  const { t } = useI18n();
  const id = useId();
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {required ? <span className="required"> ({t("form.required")})</span> : null}
      </label>
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {control(id, described || undefined)}
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

type Labelled = { label: string; hint?: ReactNode; error?: string | null };

export function Field({
  label,
  hint,
  error,
  required,
  ...input
}: Omit<InputHTMLAttributes<HTMLInputElement>, "id"> & Labelled) {
  return (
    <FieldFrame
      label={label}
      hint={hint}
      error={error}
      required={required}
      control={(id, describedBy) => (
        <input
          id={id}
          required={required}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          {...input}
        />
      )}
    />
  );
}

/** A labelled multi-line input, as `Field` is for one line. */
export function TextAreaField({
  label,
  hint,
  error,
  required,
  ...textarea
}: Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "id"> & Labelled) {
  return (
    <FieldFrame
      label={label}
      hint={hint}
      error={error}
      required={required}
      control={(id, describedBy) => (
        <textarea
          id={id}
          required={required}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          {...textarea}
        />
      )}
    />
  );
}

/** A labelled drop-down list; the first option is "any" when `anyLabel` is given. */
export function SelectField({
  label,
  options,
  anyLabel,
  ...select
}: Omit<SelectHTMLAttributes<HTMLSelectElement>, "id"> & {
  label: string;
  options: readonly { value: string; label: string }[];
  anyLabel?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} {...select}>
        {anyLabel !== undefined ? <option value="">{anyLabel}</option> : null}
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A password input with a show/hide switch and, for a new password, the server's rules. */
export function PasswordField({
  label,
  value,
  onChange,
  isNew = false,
  autoComplete,
}: {
  label: string;
  value: string;
  onChange(value: string): void;
  isNew?: boolean;
  autoComplete?: string;
}) {
  const { t } = useI18n();
  const id = useId();
  const [visible, setVisible] = useState(false);
  const missing = 12 - [...value].length;
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        <span className="required"> ({t("form.required")})</span>
      </label>
      {isNew ? (
        <p className="hint" id={`${id}-hint`}>
          {t("form.passwordRules")}
        </p>
      ) : null}
      <div className="password-row">
        <input
          id={id}
          type={visible ? "text" : "password"}
          value={value}
          onChange={(event) => onChange(event.target.value)}
          required
          autoComplete={autoComplete ?? (isNew ? "new-password" : "current-password")}
          aria-describedby={isNew ? `${id}-hint ${id}-live` : undefined}
          spellCheck={false}
          autoCapitalize="off"
        />
        <button
          type="button"
          className="btn btn-secondary"
          aria-pressed={visible}
          aria-controls={id}
          aria-label={visible ? t("form.hidePassword") : t("form.showPassword")}
          onClick={() => setVisible((v) => !v)}
        >
          {visible ? t("form.hide") : t("form.show")}
        </button>
      </div>
      {isNew ? (
        <p className="hint" id={`${id}-live`} aria-live="polite">
          {value.length > 0 && missing > 0 ? t("form.passwordTooShortLive", { count: missing }) : ""}
        </p>
      ) : null}
    </div>
  );
}

export function SubmitButton({
  busy,
  danger = false,
  children,
}: {
  busy: boolean;
  /** An action that destroys something (deleting an account): drawn as such. */
  danger?: boolean;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <button
      type="submit"
      className={danger ? "btn btn-danger" : "btn btn-primary"}
      disabled={busy}
      aria-busy={busy}
    >
      {busy ? t("form.sending") : children}
    </button>
  );
}

export function Spinner({ label }: { label: string }) {
  return (
    <p className="loading" role="status">
      {label}
    </p>
  );
}

/** Six-digit TOTP input: numeric keyboard on phones, one-time-code autofill. */
export function TotpField({ value, onChange }: { value: string; onChange(value: string): void }) {
  const { t } = useI18n();
  return (
    <Field
      label={t("form.totpCode")}
      hint={t("form.totpCodeHint")}
      value={value}
      onChange={(event) => onChange(event.target.value.replace(/\D/g, "").slice(0, 6))}
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="[0-9]{6}"
      maxLength={6}
      required
      name="totp"
    />
  );
}

export function RecoveryCodeField({ value, onChange }: { value: string; onChange(value: string): void }) {
  const { t } = useI18n();
  return (
    <Field
      label={t("form.recoveryCode")}
      hint={t("form.recoveryCodeHint")}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      autoComplete="off"
      spellCheck={false}
      autoCapitalize="off"
      required
      name="recovery-code"
    />
  );
}
