import type { ConfigData } from '../src/config/schema.js';
import { StartRefused, type Gavel } from '../src/gavel.js';
import { startBuyerFleet, type BuyerFleet } from '../bench/buyer-fleet.js';
import { DEMO_SELLER_KEY } from '../bench/support/demo-config.js';
import { DEMO_BUYER_ROLES, DEMO_BUYERS } from './demo-buyers.js';
import type { DemoInfo } from '../src/protocol/console-api.js';
import { firstRunSummary } from './first-run-summary.js';
import { SellerClient } from './seller-client.js';
import { startTrickle } from './trickle.js';

/** The operator key of src/config/demo.yaml (its hash is in the file). */
export const DEMO_ADMIN_KEY = 'demo-admin-key-0123456789';
/** about three leads a second: enough to watch auctions and sales, far from any load */
const EVERY_MS = 350;
const RETURN_EVERY_SALES = 10;
const REPORT_EVERY_MS = 15_000;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The port of a buyer's URL when it is on this machine; a buyer elsewhere is not the demo's to simulate. */
function localPort(url: string | undefined): number | undefined {
  if (url === undefined) return undefined;
  const u = new URL(url);
  return LOOPBACK.has(u.hostname) && u.port !== '' ? Number(u.port) : undefined;
}

/**
 * The demo's simulated buyers, each on the port its URL in the configuration names, so the
 * configuration, the traces and the admin API all say where the buyers really are. A demo buyer
 * the configuration no longer has (or has moved off this machine) is not started.
 */
export async function startFirstRunFleet(config: ConfigData): Promise<BuyerFleet> {
  const byId = new Map(config.buyers.map((b) => [b.id, b]));
  const behaviours = DEMO_BUYERS.flatMap((behaviour) => {
    const b = byId.get(behaviour.id);
    const port = b?.transport === 'http' ? localPort(b.ping_url) : undefined;
    if (port === undefined || localPort(b!.post_url) !== port) return [];
    return [{ ...behaviour, port }];
  });
  try {
    return await startBuyerFleet(behaviours, {});
  } catch (e) {
    throw new StartRefused(
      `the demo's simulated buyers listen on the ports the demo config names (${behaviours.map((b) => b.port).join(', ')}) and one is taken ` +
        `(${e instanceof Error ? e.message : String(e)}): is another Gavel demo running? Stop it, or start with --no-demo (GAVEL_DEMO=0)`,
    );
  }
}

/** What the first run's market is made of, for the console's label: the demo seller, its pace, each buyer's designed behaviour. */
export function firstRunInfo(fleet: BuyerFleet): DemoInfo {
  return { seller: 'demo-seller', every_ms: EVERY_MS, buyers: fleet.buyers.map((b) => ({ id: b.id, role: DEMO_BUYER_ROLES[b.id] ?? 'simulated buyer' })) };
}

export interface FirstRunMarket {
  /** stops the traffic: before Gavel drains, so no demo lead is refused as it does */
  stop(): Promise<void>;
  /** closes the buyers: after Gavel drained, as its last posts may still be on their way to them */
  close(): Promise<void>;
}

/** The buyer a lead was sold to, from its trace as the operator reads it. */
function soldTo(trace: unknown): string | undefined {
  if (Array.isArray(trace)) return trace.map(soldTo).find((b) => b !== undefined);
  if (trace === null || typeof trace !== 'object') return undefined;
  const sold = (trace as { sold?: unknown }).sold;
  if (Array.isArray(sold) && typeof sold[0]?.buyer === 'string') return sold[0].buyer;
  return Object.values(trace).map(soldTo).find((b) => b !== undefined);
}

/**
 * The rest of a first run, once Gavel listens: a trickle of demo leads from the demo seller,
 * a return now and then filed for the buyer that bought the lead, the summary a newcomer needs
 * at start and a count every so often; every line of it carries `demo: true`.
 */
export function runFirstRunMarket(gavel: Gavel, fleet: BuyerFleet, config: ConfigData): FirstRunMarket {
  const log = gavel.log.child({ demo: true });
  const publicUrl = `http://127.0.0.1:${gavel.port}`;
  const h = config.server.operator.host;
  // a listener on every address is reached on loopback; an IPv6 literal goes in brackets
  const operatorHost = h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h;
  const operatorUrl = `http://${operatorHost}:${gavel.operatorPort}`;
  const admin = { authorization: `Bearer ${DEMO_ADMIN_KEY}`, 'content-type': 'application/json' };

  for (const line of firstRunSummary({ publicUrl, operatorUrl, sellerKey: DEMO_SELLER_KEY, adminKey: DEMO_ADMIN_KEY, buyers: fleet.buyers, roles: DEMO_BUYER_ROLES })) {
    log.info(line.fields, line.msg);
  }

  async function fileReturn(leadId: string): Promise<void> {
    const trace = await fetch(`${operatorUrl}/v1/leads/${encodeURIComponent(leadId)}`, { headers: admin });
    const buyer = trace.ok ? soldTo(await trace.json()) : undefined;
    if (buyer === undefined) return void log.warn({ lead_id: leadId, status: trace.status }, 'demo: no buyer found in the trace of a sold lead, so no return filed');
    const body = JSON.stringify({ lead_id: leadId, buyer, reason: 'demo: the consumer says they never asked for a quote' });
    const r = await fetch(`${operatorUrl}/v1/returns`, { method: 'POST', headers: admin, body });
    if (r.status !== 201) return void log.warn({ lead_id: leadId, buyer, status: r.status }, 'demo: a return was refused');
    const filed = (await r.json()) as { id?: string };
    log.info({ lead_id: leadId, buyer, return_id: filed.id }, `demo: buyer ${buyer} returned a lead it bought (pending: the operator approves or denies it)`);
  }

  const seller = new SellerClient(publicUrl, DEMO_SELLER_KEY, 1);
  const trickle = startTrickle(seller, {
    everyMs: EVERY_MS,
    tmaxMs: 150,
    directShare: 0.3,
    returnEvery: RETURN_EVERY_SALES,
    fileReturn,
    onError: (stage, detail) => log.warn({ stage, detail }, 'demo: a demo seller call failed'),
  });
  log.info({ every_ms: EVERY_MS, seller: 'demo-seller' }, `demo traffic running: a lead every ${EVERY_MS} ms from the demo seller, ping then post or a direct post, and a return every ${RETURN_EVERY_SALES} sales`);
  const report = setInterval(() => {
    const c = trickle.counts;
    log.info({ sent: c.sent, sold: c.sold, unsold: c.unsold, errors: c.errors, returns_filed: c.returnsFiled }, `demo traffic: ${c.sent} leads sent, ${c.sold} sold`);
  }, REPORT_EVERY_MS);
  report.unref();

  return {
    async stop() {
      clearInterval(report);
      await trickle.stop();
      await seller.close();
    },
    close: () => fleet.close(),
  };
}
