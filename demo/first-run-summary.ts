import type { MockBuyer } from '../bench/buyer-fleet.js';

export interface FirstRunFacts {
  publicUrl: string;
  operatorUrl: string;
  sellerKey: string;
  adminKey: string;
  buyers: readonly MockBuyer[];
  /** what each simulated buyer is made to do */
  roles: Readonly<Record<string, string>>;
}

/** One log line: pino fields and the message. */
export interface SummaryLine {
  fields: Record<string, unknown>;
  msg: string;
}

/** A ping the demo's buyers bid on: its ping fields only, a good grade so even fern may bid. */
export function demoCurl(publicUrl: string, sellerKey: string): string {
  const lead = { zip: '90210', state: 'CA', age: 40, vehicle_year: 2019 };
  return `curl -s ${publicUrl}/v1/ping -H 'authorization: Bearer ${sellerKey}' -H 'content-type: application/json' -d '${JSON.stringify({ campaign: 'auto', lead })}'`;
}

/**
 * What a newcomer needs from the first screen of `npm start`, as log lines (each its own, so
 * it reads in the JSON log as in a pretty-printer): where to look, the key to send with, a ping
 * that gets a bid, and what each simulated buyer is made to do, so a designed failure (a buyer
 * always late, one rejecting half its posts) is not taken for a fault.
 */
export function firstRunSummary(f: FirstRunFacts): SummaryLine[] {
  return [
    {
      fields: { operator_listener: f.operatorUrl, public_listener: f.publicUrl, seller_key: f.sellerKey, operator_key: f.adminKey },
      msg: `demo: the demo config runs with ${f.buyers.length} simulated buyers and demo traffic in this process (--no-demo or GAVEL_DEMO=0 to run without); ` +
        `operator listener (console, admin API, /metrics) ${f.operatorUrl} with key ${f.adminKey}; demo seller key ${f.sellerKey}`,
    },
    { fields: { curl: demoCurl(f.publicUrl, f.sellerKey) }, msg: 'demo: a ping that gets a bid (then POST /v1/post with its ping_id and the whole lead)' },
    ...f.buyers.map((b) => ({ fields: { buyer: b.id, port: b.port, made_to: f.roles[b.id] ?? 'bids' }, msg: `demo buyer ${b.id} on :${b.port}: ${f.roles[b.id] ?? 'bids'}` })),
  ];
}
