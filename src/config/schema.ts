import { z } from 'zod';
import { filterFields } from '../rules/filter.js';
import { ScoringPool } from '../scoring/scoring-schema.js';
import { Buyer, emailOnly } from './buyer-schema.js';
import { Campaign } from './campaign-schema.js';
import type { Tier } from './plan-schema.js';
import { clearKey, hashOfEntry, keyHashes, type KeyEntry } from './field-schema.js';
import { digestOf, KEY_HASH } from './keys.js';
import { AcceptRate, LedgerSettings, Redis, Server, Trace } from './server-schema.js';
import { Seller } from './seller-schema.js';
import { Smtp } from './smtp-schema.js';

/**
 * The whole config file: each section on its own (field-schema.ts for the values every section
 * is written in, then a file per section), and here what holds between sections: ids unique,
 * keys one party's, every reference naming something that exists. Parsed once: durations are
 * milliseconds, money is micros and rates are GCRA terms in what `Config.parse` returns.
 */
export const Config = z
  .strictObject({
    server: Server.prefault({}),
    secret: z.string().min(16).optional(),
    redis: Redis.optional(),
    scoring_pool: ScoringPool.prefault({}),
    accept_rate: AcceptRate.prefault({}),
    trace: Trace.prefault({}),
    ledger: LedgerSettings.prefault({}),
    /** the operator's SMTP relay: e-mail deliveries and batch files by e-mail (src/delivery/mailer.ts) */
    smtp: Smtp.optional(),
    /** the operator's key in clear (a warning at start); admin_keys holds hashes. Served on the operator listener only */
    admin_key: clearKey.optional(),
    admin_keys: keyHashes.optional(),
    campaigns: z.array(Campaign).min(1),
    sellers: z.array(Seller).min(1),
    buyers: z.array(Buyer),
  })
  .superRefine((c, ctx) => {
    const campaignIds = new Set(c.campaigns.map((x) => x.id));
    const unique = (list: { id: string }[], at: string) => {
      const seen = new Set<string>();
      list.forEach((x, i) => {
        if (seen.has(x.id)) ctx.addIssue({ code: 'custom', path: [at, i, 'id'], message: `duplicate id "${x.id}"` });
        seen.add(x.id);
      });
    };
    unique(c.campaigns, 'campaigns');
    unique(c.sellers, 'sellers');
    unique(c.buyers, 'buyers');
    // one key, in clear or hashed, is one party's: its digest names who holds it
    const holders = new Map<string, { at: string; name: string }>();
    const claim = (name: string, at: (string | number)[], field: string, clear: string | undefined, hashes: readonly KeyEntry[] | undefined) => {
      const holder = { at: at.join('.'), name };
      const entries = clear === undefined ? [] : [{ entry: clear, hashed: false, path: [...at, field] }];
      hashes?.forEach((e, j) => entries.push({ entry: hashOfEntry(e), hashed: true, path: [...at, `${field}s`, j] }));
      for (const { entry, hashed, path } of entries) {
        if (hashed && !KEY_HASH.test(entry)) continue;
        const digest = digestOf(entry, hashed).toString('hex');
        const other = holders.get(digest);
        if (other !== undefined && other.at !== holder.at) ctx.addIssue({ code: 'custom', path, message: `the same key as ${other.name}'s: every party has keys of its own` });
        else holders.set(digest, holder);
      }
    };
    claim('the operator', [], 'admin_key', c.admin_key, c.admin_keys);
    c.sellers.forEach((s, i) => claim(`seller "${s.id}"`, ['sellers', i], 'api_key', s.api_key, s.api_keys));
    c.buyers.forEach((b, i) => claim(`buyer "${b.id}"`, ['buyers', i], 'key', b.key, b.keys));
    c.buyers.forEach((b, i) => {
      // an e-mailed batch leaves through the operator's relay: without one it could never be delivered
      if (b.batch?.email !== undefined && c.smtp === undefined) ctx.addIssue({ code: 'custom', path: ['buyers', i, 'batch', 'email'], message: 'e-mail batches need the smtp relay configured (smtp)' });
    });
    c.sellers.forEach((s, i) => {
      s.campaigns?.forEach((cid, j) => {
        if (!campaignIds.has(cid)) ctx.addIssue({ code: 'custom', path: ['sellers', i, 'campaigns', j], message: `unknown campaign "${cid}"` });
      });
    });
    c.campaigns.forEach((camp, ci) => {
      const own = new Set(c.buyers.filter((b) => b.campaigns.includes(camp.id)).map((b) => b.id));
      // an arm's plan is a whole plan of the campaign's buyers: the same rules as the campaign's own
      const checkPlan = (tiers: readonly Tier[] | undefined, at: (string | number)[]) => {
        const placed = new Map<string, string>();
        tiers?.forEach((t, ti) => {
          const tierAt = [...at, ti];
          t.buyers?.forEach((bid, j) => {
            if (!own.has(bid)) ctx.addIssue({ code: 'custom', path: [...tierAt, 'buyers', j], message: `"${bid}" is not a buyer of campaign ${camp.id}` });
            else if (placed.has(bid)) ctx.addIssue({ code: 'custom', path: [...tierAt, 'buyers', j], message: `"${bid}" is already in tier ${placed.get(bid)}` });
            placed.set(bid, t.name);
          });
          if (t.method === 'weighted') {
            for (const bid of t.buyers ?? []) if (t.weights?.[bid] === undefined) ctx.addIssue({ code: 'custom', path: [...tierAt, 'weights'], message: `no weight for "${bid}"` });
            if (t.buyers === undefined) ctx.addIssue({ code: 'custom', path: [...tierAt, 'buyers'], message: 'a weighted tier lists its buyers' });
          }
          if (t.method === 'fixed_price') {
            for (const bid of t.buyers ?? []) {
              if (c.buyers.find((b) => b.id === bid)?.price === undefined) ctx.addIssue({ code: 'custom', path: [...tierAt, 'buyers'], message: `"${bid}" has no price` });
            }
            if (t.buyers === undefined) ctx.addIssue({ code: 'custom', path: [...tierAt, 'buyers'], message: 'a fixed_price tier lists its buyers' });
            if (t.sell === 'shared') ctx.addIssue({ code: 'custom', path: [...tierAt, 'sell'], message: 'a fixed_price tier sells exclusively' });
          }
        });
        if ((tiers?.filter((t) => t.buyers === undefined).length ?? 0) > 1) {
          ctx.addIssue({ code: 'custom', path: at, message: 'at most one tier without a buyers list (it takes the rest)' });
        }
      };
      checkPlan(camp.distribution, ['campaigns', ci, 'distribution']);
      camp.experiment?.arms.forEach((arm, ai) => checkPlan(arm.distribution, ['campaigns', ci, 'experiment', 'arms', ai, 'distribution']));
    });
    c.buyers.forEach((b, i) => {
      if (b.email !== undefined) {
        if (c.smtp === undefined) ctx.addIssue({ code: 'custom', path: ['buyers', i, 'email'], message: 'e-mail goes through the operator\'s relay: configure smtp' });
        else if (b.email.to.length > c.smtp.max_recipients) ctx.addIssue({ code: 'custom', path: ['buyers', i, 'email', 'to'], message: `${b.email.to.length} addresses, more than smtp.max_recipients (${c.smtp.max_recipients})` });
      }
      if (emailOnly(b)) {
        // it has no URL to be pinged at: every plan of its campaigns lists it in a fixed_price tier
        for (const cid of b.campaigns) {
          const camp = c.campaigns.find((x) => x.id === cid);
          if (camp === undefined) continue;
          // an arm without a plan of its own runs the campaign's
          const plans = [camp.distribution, ...(camp.experiment?.arms.flatMap((a) => (a.distribution === undefined ? [] : [a.distribution])) ?? [])];
          if (!plans.every((p) => p?.some((t) => t.method === 'fixed_price' && (t.buyers ?? []).includes(b.id)) ?? false)) {
            ctx.addIssue({ code: 'custom', path: ['buyers', i, 'email'], message: `an e-mail-only buyer takes leads in a fixed_price tier only: list it in one of campaign ${cid}'s` });
          }
        }
      }
      b.campaigns.forEach((cid, j) => {
        if (!campaignIds.has(cid)) ctx.addIssue({ code: 'custom', path: ['buyers', i, 'campaigns', j], message: `unknown campaign "${cid}"` });
      });
      if (b.filters !== undefined) {
        for (const field of new Set(filterFields(b.filters))) {
          const missing = b.campaigns.filter((cid) => !(c.campaigns.find((x) => x.id === cid)?.fields[field] ?? false));
          if (missing.length > 0) ctx.addIssue({ code: 'custom', path: ['buyers', i, 'filters'], message: `field "${field}" is not in campaign(s) ${missing.join(', ')}` });
        }
      }
      for (const cid of Object.keys(b.campaign_caps)) {
        if (!b.campaigns.includes(cid)) ctx.addIssue({ code: 'custom', path: ['buyers', i, 'campaign_caps', cid], message: `"${cid}" is not one of this buyer's campaigns` });
      }
    });
  });
export type ConfigInput = z.input<typeof Config>;
export type ConfigData = z.infer<typeof Config>;

export { FieldSpec, DedupRule, CampaignReturns, Campaign } from './campaign-schema.js';
export { Buyer, Caps, CampaignCaps, RollingCap, type BuyerConfig } from './buyer-schema.js';
export { Seller, type SellerConfig } from './seller-schema.js';
export { Notify, rateOf, type RateRuntime } from './field-schema.js';
