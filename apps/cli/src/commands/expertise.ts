import type { ConfrereClient } from "@confrere/sdk";
import {
  type BillingAdvice,
  ExpertiseDesk,
  type ExpertiseRecipient,
  type ExpertiseView,
} from "@confrere/sdk";
import { flags, required } from "../args.ts";
import { CliError, UsageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { resolvePerson } from "../people.ts";
import { withSession } from "../session.ts";
import { usageOf } from "../usage.ts";

/**
 * `confrere expertise ...`: télé-expertise requests. `--to` is a colleague (e-mail or user id) or
 * `service:WORDS` (a service id, or words of its name and establishment found by service search).
 */

const SERVICE_PREFIX = "service:";

async function resolveRecipient(
  client: ConfrereClient,
  value: string,
  command: string,
): Promise<{ recipient: ExpertiseRecipient; label: string }> {
  if (!value.startsWith(SERVICE_PREFIX)) {
    const person = await resolvePerson(client, value, command);
    if (person.userId === client.userId)
      throw new UsageError(`${command}: --to names yourself; give a colleague's e-mail`, usageOf(command));
    return { recipient: person.userId, label: person.displayName ?? person.userId };
  }
  const words = value.slice(SERVICE_PREFIX.length).trim();
  if (words === "")
    throw new UsageError(`${command}: give the service after "service:", e.g. service:"cardio auxerre"`);
  const { results } = await client.api.searchServices({ q: words, limit: 10 });
  const exact = results.find((s) => s.id === words);
  const chosen = exact ?? (results.length === 1 ? results[0] : undefined);
  if (chosen) {
    return { recipient: { serviceId: chosen.id }, label: `${chosen.name} — ${chosen.establishmentName}` };
  }
  if (results.length === 0) {
    // Not found by its words: perhaps a service id.
    try {
      const { service } = await client.api.serviceRoster(words);
      return {
        recipient: { serviceId: service.id },
        label: `${service.name} — ${service.establishmentName}`,
      };
    } catch {
      throw new CliError(`${command}: no service matches "${words}"; try other words or its id`);
    }
  }
  throw new CliError(
    `${command}: ${results.length} services match "${words}"; give one's id as service:ID:\n` +
      results.map((s) => `  ${s.id}  ${s.name} — ${s.establishmentName}`).join("\n"),
  );
}

function line(view: ExpertiseView): string {
  const toWhom = view.serviceId
    ? `service ${view.serviceId}${view.requisUserId ? ` (${view.requisUserId})` : ""}`
    : view.requisUserId;
  const question = view.request ? ` — ${view.request.question}` : "";
  return `${view.id}  ${view.state}${view.urgency === "urgent" ? " URGENT" : ""}  ${view.role}  to ${toWhom}${question}`;
}

function adviceLines(advice: BillingAdvice): string[] {
  const acts = advice.acts.map((a) => `${a.code} (${a.euros} €)`).join(", ") || "none";
  const lines = [`Billing (${advice.role}): ${acts}${advice.isBillable ? "" : " — not billable"}`];
  if (advice.isPatientKnown)
    lines.push(
      `  ${advice.requestsInLast12Months} request(s) for this patient to this requis in 12 months (limit ${advice.yearlyLimit})`,
    );
  if (advice.warnings.includes("yearly-limit"))
    lines.push(`  Warning: the yearly limit of ${advice.yearlyLimit} was reached before this request`);
  if (advice.warnings.includes("same-site"))
    lines.push("  Warning: you practise at the same site: télé-expertise between you is not billable");
  if (advice.warnings.includes("declined")) lines.push("  The request was declined");
  return lines;
}

function print(view: ExpertiseView, json: boolean | undefined, verb: string): number {
  if (json) printJson(view);
  else console.log(`${verb} ${view.id} (${view.state}).`);
  return 0;
}

/** `confrere expertise request --to EMAIL_OR_SERVICE --question T [--context T] [--urgent] [--case ID]`. */
export async function runExpertiseRequest(args: string[]): Promise<number> {
  const command = "expertise request";
  const values = flags(command, args, {
    to: { type: "string" },
    question: { type: "string" },
    context: { type: "string" },
    urgent: { type: "boolean" },
    case: { type: "string" },
    json: { type: "boolean" },
  });
  const to = required(command, values.to, "--to");
  const question = required(command, values.question?.trim(), "--question");
  return withSession(command, values.home, async ({ client }) => {
    const { recipient, label } = await resolveRecipient(client, to, command);
    const view = await new ExpertiseDesk(client).request({
      to: recipient,
      question,
      ...(values.context ? { clinicalContext: values.context } : {}),
      urgency: values.urgent ? "urgent" : "routine",
      ...(values.case ? { caseId: values.case } : {}),
    });
    if (values.json) printJson(view);
    else
      console.log(
        `Sent télé-expertise request ${view.id} to ${label} (conversation ${view.conversationId}).`,
      );
    return 0;
  });
}

/** accept, close: `--id ID`. */
function simpleTransition(transition: "accept" | "close", verb: string) {
  return async (args: string[]): Promise<number> => {
    const command = `expertise ${transition}`;
    const values = flags(command, args, { id: { type: "string" }, json: { type: "boolean" } });
    const id = required(command, values.id, "--id");
    return withSession(command, values.home, async ({ client }) =>
      print(await new ExpertiseDesk(client)[transition](id), values.json, verb),
    );
  };
}

export const runExpertiseAccept = simpleTransition("accept", "Accepted");
export const runExpertiseClose = simpleTransition("close", "Closed");

export async function runExpertiseDecline(args: string[]): Promise<number> {
  const command = "expertise decline";
  const values = flags(command, args, {
    id: { type: "string" },
    reason: { type: "string" },
    json: { type: "boolean" },
  });
  const id = required(command, values.id, "--id");
  const reason = required(command, values.reason?.trim(), "--reason");
  return withSession(command, values.home, async ({ client }) =>
    print(await new ExpertiseDesk(client).decline(id, reason), values.json, "Declined"),
  );
}

export async function runExpertiseAnswer(args: string[]): Promise<number> {
  const command = "expertise answer";
  const values = flags(command, args, {
    id: { type: "string" },
    conclusion: { type: "string" },
    json: { type: "boolean" },
  });
  const id = required(command, values.id, "--id");
  const conclusion = required(command, values.conclusion?.trim(), "--conclusion");
  return withSession(command, values.home, async ({ client }) =>
    print(await new ExpertiseDesk(client).answer(id, conclusion), values.json, "Answered"),
  );
}

export async function runExpertiseList(args: string[]): Promise<number> {
  const command = "expertise list";
  const values = flags(command, args, {
    role: { type: "string" },
    state: { type: "string" },
    json: { type: "boolean" },
  });
  const role = values.role as "requerant" | "requis" | undefined;
  if (role !== undefined && role !== "requerant" && role !== "requis")
    throw new UsageError(`${command}: --role is requerant or requis`, usageOf(command));
  const states = ["sent", "accepted", "declined", "answered", "closed"] as const;
  const state = values.state as (typeof states)[number] | undefined;
  if (state !== undefined && !states.includes(state))
    throw new UsageError(`${command}: --state is one of ${states.join(", ")}`, usageOf(command));
  return withSession(command, values.home, async ({ client }) => {
    const expertises = await new ExpertiseDesk(client).list({
      ...(role ? { role } : {}),
      ...(state ? { state } : {}),
    });
    if (values.json) {
      printJson({ expertises });
      return 0;
    }
    if (expertises.length === 0) console.log("No télé-expertise request.");
    for (const view of expertises) console.log(line(view));
    return 0;
  });
}

export async function runExpertiseShow(args: string[]): Promise<number> {
  const command = "expertise show";
  const values = flags(command, args, { id: { type: "string" }, json: { type: "boolean" } });
  const id = required(command, values.id, "--id");
  return withSession(command, values.home, async ({ client }) => {
    const desk = new ExpertiseDesk(client);
    const view = await desk.get(id);
    const billing = await desk.billingAdvice(id);
    if (values.json) {
      printJson({ ...view, billing });
      return 0;
    }
    console.log(line(view));
    if (view.request?.clinicalContext) console.log(`Context: ${view.request.clinicalContext}`);
    if (view.declineReason) console.log(`Declined: ${view.declineReason}`);
    if (view.conclusion) console.log(`Conclusion: ${view.conclusion.text}`);
    for (const text of adviceLines(billing)) console.log(text);
    return 0;
  });
}
