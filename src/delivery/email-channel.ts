import type { BuyerEmail } from '../config/delivery-schema.js';
import type { TryResult } from '../notify/retried-queue.js';
import { DEFAULT_TEXT, leadView, renderHtml, renderText, type SoldLeadData } from './lead-view.js';
import { domainOf, MailError, type Mailer } from './mailer.js';

const unsafe = /[^A-Za-z0-9_.-]/g;

/**
 * `<lead id.buyer@the sender's domain>`: the same for every try of one lead's e-mail to one buyer,
 * whichever process sends it, so a repeat (delivery is at least once) is recognisable.
 */
export function messageIdOf(leadId: string, buyer: string, from: string): string {
  return `<${leadId.replace(unsafe, '-')}.${buyer.replace(unsafe, '-')}@${domainOf(from)}>`;
}

/** One try of a sold lead's e-mail to its buyer's addresses, made from the buyer's templates. */
export async function sendLeadEmail(mailer: Mailer, email: BuyerEmail, d: SoldLeadData): Promise<TryResult> {
  const view = leadView(d);
  // a lead's field put in the subject must not start a header of its own
  const subject = renderText(email.subject, view).replace(/[\r\n]+/g, ' ');
  const html = email.html === undefined ? undefined : renderHtml(email.html, view);
  const text = email.text !== undefined ? renderText(email.text, view) : html === undefined ? renderText(DEFAULT_TEXT, view) : undefined;
  try {
    const sent = await mailer.sendMail({ to: email.to, subject, ...(text === undefined ? {} : { text }), ...(html === undefined ? {} : { html }), messageId: messageIdOf(d.lead_id, d.buyer, mailer.smtp.from) });
    return { ok: true, status: Number(/^\d{3}/.exec(sent.response)?.[0] ?? 250), error: null };
  } catch (e) {
    const err = e instanceof MailError ? e : new MailError((e as Error).message, false);
    return { ok: false, status: err.code, error: err.message, final: err.permanent };
  }
}
