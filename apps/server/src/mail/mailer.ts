import fs from "node:fs/promises";
import path from "node:path";
import type { Transporter } from "nodemailer";
import type { Clock } from "../clock.ts";

/**
 * nodemailer (293 KB of script) is read on the first e-mail, not at every start (bench/README.md,
 * cold start).
 */
async function createTransport(options: Parameters<typeof import("nodemailer").createTransport>[0]) {
  const { default: nodemailer } = await import("nodemailer");
  return nodemailer.createTransport(options);
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Sends e-mail. Messages never carry health data or secrets other than the one-time link itself. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

/**
 * The embedded default: each message is written to `outbox/` as an .eml file a newcomer can open
 * (and click the link in) without any mail server.
 */
export class OutboxMailer implements Mailer {
  private transport: Promise<Transporter> | null = null;
  private sequence = 0;

  constructor(
    private readonly directory: string,
    private readonly from: string,
    private readonly clock: Clock,
  ) {}

  async send(message: MailMessage): Promise<void> {
    this.transport ??= createTransport({ streamTransport: true, buffer: true, newline: "unix" });
    const info = await (await this.transport).sendMail({ from: this.from, ...message });
    await fs.mkdir(this.directory, { recursive: true });
    const stamp = new Date(this.clock.now()).toISOString().replace(/[:.]/g, "-");
    const name = `${stamp}-${process.pid}-${++this.sequence}.eml`;
    await fs.writeFile(path.join(this.directory, name), info.message as Buffer, { mode: 0o600 });
  }

  async close(): Promise<void> {}
}

/** SMTP_URL=smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465. */
export class SmtpMailer implements Mailer {
  private transport: Promise<Transporter> | null = null;

  constructor(
    private readonly url: string,
    private readonly from: string,
  ) {}

  async send(message: MailMessage): Promise<void> {
    this.transport ??= createTransport(this.url);
    await (await this.transport).sendMail({ from: this.from, ...message });
  }

  async close(): Promise<void> {
    (await this.transport)?.close();
  }
}
