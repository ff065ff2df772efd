import type { SoldLead } from '../auction/stage-parts.js';
import { emailOnly, type BuyerConfig } from '../config/buyer-schema.js';
import type { ConfigData } from '../config/schema.js';
import type { SmtpConfig } from '../config/smtp-schema.js';
import { RetriedQueue, type Deliverable, type DeliveryTry, type RetriedQueueSettings, type TryResult } from '../notify/retried-queue.js';
import type { DeliveryStore, QueueStore } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { LeadDeliveries, LeadDelivery } from '../trace/trace-views.js';
import { sendLeadEmail } from './email-channel.js';
import type { SoldLeadData } from './lead-view.js';
import { Mailer } from './mailer.js';
import { entryOf, openEntry, type Channel } from './sold-queue-entry.js';
import { sendLeadWebhook } from './webhook-channel.js';

/** The durable queue sold leads wait in for their e-mail or webhook: any Gavel process may deliver one another queued. */
export const DELIVERY_QUEUE = 'deliveries';

/** a lead's tries kept (every channel of every buyer of a shared sale) */
const LEAD_TRIES_KEPT = 100;

/** The key a lead's delivery tries are kept under, beside its parties' */
const leadKey = (leadId: string) => `lead:${leadId}`;

interface Delivery extends Deliverable {
  channel: Channel;
  buyer: string;
}

const hasChannel = (b: BuyerConfig): boolean => b.email !== undefined || b.webhook !== undefined;

/** The channels a buyer's config asks for, beside its post; an e-mail-only buyer's e-mail is its post. */
function extraChannels(b: BuyerConfig): Channel[] {
  const out: Channel[] = [];
  if (b.email !== undefined && !emailOnly(b)) out.push('email');
  if (b.webhook !== undefined) out.push('webhook');
  return out;
}

/**
 * Sold leads delivered to their buyers by the ways each asked for beside its post (e-mail through
 * the operator's relay, a signed copy to a second URL), never on the post's path. The post loop
 * tells `sold` of each accepted sale; each channel's delivery is queued durably with the lead
 * sealed (src/delivery/sold-queue-entry.ts), and this process's sender delivers it as postbacks
 * are (src/notify/retried-queue.ts: the same backoff, max attempts, takeover of a dead process's
 * entries). Each try is kept under the buyer (its portal's deliveries, GET /v1/postbacks) and
 * under the lead (its trace), and counted in gavel_deliveries_total{channel,result}. The
 * delivery runs on the buyer's configuration of the moment it is tried, as postbacks do.
 */
export class Deliveries implements LeadDeliveries {
  private buyers: ReadonlyMap<string, BuyerConfig>;
  private mailer: Mailer | null = null;
  private readonly queue: RetriedQueue<Delivery>;

  constructor(
    config: ConfigData,
    private readonly secret: string,
    private readonly store: QueueStore & DeliveryStore,
    settings: RetriedQueueSettings,
    /** how long a lead's tries are kept for its trace: the traces' own retention */
    private readonly traceRetentionMs: number,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.buyers = new Map();
    this.queue = new RetriedQueue<Delivery>(DELIVERY_QUEUE, store, settings, { read: (raw, entry) => this.read(raw, entry), tried: (d, t) => this.tried(d, t) });
    this.reconfigure(config);
  }

  /** whether any buyer of this configuration takes leads by a channel here (else the post loop need not tell) */
  static wanted(config: ConfigData): boolean {
    return config.buyers.some(hasChannel);
  }

  /** What keeps this configuration's relay from being used in this process (its password_env unset), or null. */
  static problemOf(config: ConfigData, env: NodeJS.ProcessEnv = process.env): string | null {
    const name = config.smtp?.password_env;
    return name !== undefined && (env[name] ?? '') === '' ? `smtp.password_env: the environment has no ${name}` : null;
  }

  /** A new configuration: deliveries already queued go by the buyer's settings of the moment they are tried. */
  reconfigure(config: ConfigData): void {
    this.buyers = new Map(config.buyers.map((b) => [b.id, b]));
    if (JSON.stringify(config.smtp) !== JSON.stringify(this.mailer?.smtp)) {
      this.mailer?.close();
      this.mailer = config.smtp === undefined ? null : new Mailer(config.smtp, this.env);
    }
    if (this.running && Deliveries.wanted(config)) this.queue.start();
  }

  /** the operator's relay of the configuration of the moment */
  get smtp(): SmtpConfig | undefined {
    return this.mailer?.smtp;
  }

  /** StageParts.deliveries: an accepted sale's other channels queued; never waits */
  sold(sale: SoldLead): void {
    const b = this.buyers.get(sale.buyer);
    if (b === undefined) return;
    for (const channel of extraChannels(b)) {
      this.enqueue(channel, sale).catch((e: Error) => {
        this.metrics.deliveries.inc({ channel, result: 'unqueued' });
        // the lead stays out of the log: its ids say which
        this.log.error({ buyer: sale.buyer, lead_id: sale.leadId, channel, err: e.message }, 'delivery could not be queued');
      });
    }
  }

  /** An e-mail-only buyer's post: resolves once its e-mail is durably queued (the sale counts from then). */
  queueEmail(sale: SoldLead): Promise<void> {
    return this.enqueue('email', sale);
  }

  private enqueue(channel: Channel, sale: SoldLead): Promise<void> {
    const d: SoldLeadData = { lead_id: sale.leadId, buyer: sale.buyer, campaign: sale.campaign, price_micros: sale.priceMicros, grade: sale.grade, test: sale.test, at: sale.at, lead: sale.lead };
    return this.queue.enqueue(entryOf(channel, d, this.secret));
  }

  private running = false;

  start(): void {
    this.running = true;
    if ([...this.buyers.values()].some(hasChannel)) this.queue.start();
  }

  private read(raw: string, entry: string): Delivery | null {
    const opened = openEntry(raw, this.secret);
    if (opened === null) {
      // not ours, or sealed under another secret: its clear part alone is logged
      this.log.error({ entry }, 'queued delivery that cannot be opened (another secret?): set aside');
      return null;
    }
    const { entry: e, data } = opened;
    const b = this.buyers.get(e.buyer);
    const base = { recipient: `buyer:${e.buyer}`, event_id: `lead.${e.channel}:${e.lead_id}`, type: `lead.${e.channel}`, lead_id: e.lead_id, channel: e.channel, buyer: e.buyer };
    const fail = (error: string): Delivery => ({ ...base, maxAttempts: 1, send: async (): Promise<TryResult> => ({ ok: false, status: null, error, final: true }) });
    // a buyer removed, or its channel dropped, since the sale: given up with the reason, kept in its trace
    if (b === undefined) return fail('the buyer is no longer configured');
    if (e.channel === 'email') {
      const email = b.email;
      const mailer = this.mailer;
      if (email === undefined || mailer === null) return fail(email === undefined ? 'the buyer no longer takes e-mail' : 'no smtp relay configured');
      return { ...base, maxAttempts: email.max_attempts, send: () => sendLeadEmail(mailer, email, data) };
    }
    const hook = b.webhook;
    const secret = hook?.secret ?? b.loss_notices?.secret;
    if (hook === undefined || secret === undefined) return fail('the buyer no longer has a webhook');
    return { ...base, maxAttempts: hook.max_attempts, send: (attempt) => sendLeadWebhook(hook, secret, data, attempt) };
  }

  private tried(d: Delivery, t: DeliveryTry): void {
    this.metrics.deliveries.inc({ channel: d.channel, result: t.state === 'retrying' ? 'retried' : t.state });
    this.store.recordDelivery(leadKey(d.lead_id), JSON.stringify({ ...t, buyer: d.buyer, channel: d.channel }), LEAD_TRIES_KEPT, this.traceRetentionMs).catch(() => undefined);
    if (t.state === 'given_up') this.log.error({ buyer: d.buyer, lead_id: d.lead_id, channel: d.channel, attempts: t.attempt, err: t.error }, 'delivery given up');
  }

  /** A lead's deliveries, for its trace: each buyer's channel with its tries, state and last error. */
  async ofLead(leadId: string): Promise<LeadDelivery[]> {
    const tries = (await this.store.deliveries(leadKey(leadId), LEAD_TRIES_KEPT)).map((r) => JSON.parse(r) as DeliveryTry & { buyer: string; channel: Channel });
    const byItem = new Map<string, LeadDelivery>();
    // newest first: the first try seen of a buyer's channel is its last
    for (const t of tries) {
      const key = `${t.buyer}\u0000${t.channel}`;
      const at = new Date(t.at).toISOString();
      const seen = byItem.get(key);
      if (seen !== undefined) seen.first_at = at;
      else byItem.set(key, { buyer: t.buyer, channel: t.channel, state: t.state, attempts: t.attempt, first_at: at, last_at: at, last_status: t.status, last_error: t.error });
    }
    return [...byItem.values()];
  }

  close(): void {
    this.running = false;
    this.queue.close();
    this.mailer?.close();
  }
}
