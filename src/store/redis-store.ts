import { RedisDeliveries } from './redis-deliveries.js';
import { Cluster } from 'ioredis';
import { persistenceOf, weakest, type Persistence } from './persistence.js';
import { RedisAccepts } from './redis-accepts.js';
import { RedisAdmission } from './redis-admission.js';
import { RedisAuctions } from './redis-auctions.js';
import { RedisCalls } from './redis-calls.js';
import { RedisCaps } from './redis-caps.js';
import { connectRedis, type RedisClient, type RedisStoreOptions } from './redis-connection.js';
import { RedisQueues } from './redis-queues.js';
import { RedisTraces } from './redis-traces.js';
import { RedisTurns } from './redis-turns.js';
import { RedisLeadIndex } from './redis-lead-index.js';
import type { AcceptStore, AuctionStore, CallStore, DeliveryStore, CapStore, DedupStore, GateStore, QueueStore, Store, LeadIndexStore, TraceStore, TurnStore } from './store.js';

export type { RedisStoreOptions } from './redis-connection.js';

/**
 * The shared store: one Redis server or a Cluster, for any number of Gavel processes. Each role
 * is a file of its own (redis-caps.ts, redis-queues.ts, ...) on one client; this class opens the
 * client, answers for its health, and hands each role's methods out as its own (bound once, so
 * a call costs what a call to the role does).
 */
export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly client: RedisClient;
  readonly prefix: string;

  readonly checkBuyer: CapStore['checkBuyer'];
  readonly hold: CapStore['hold'];
  readonly extendHold: CapStore['extendHold'];
  readonly commitHold: CapStore['commitHold'];
  readonly releaseHold: CapStore['releaseHold'];
  readonly restoreSale: CapStore['restoreSale'];
  readonly usage: CapStore['usage'];
  readonly claimDedup: DedupStore['claimDedup'];
  readonly gateSeller: GateStore['gateSeller'];
  readonly saveAuction: AuctionStore['saveAuction'];
  readonly readAuction: AuctionStore['readAuction'];
  readonly claimAuction: AuctionStore['claimAuction'];
  readonly claimCall: CallStore['claimCall'];
  readonly finishCall: CallStore['finishCall'];
  readonly takeTurn: TurnStore['takeTurn'];
  readonly recordPostOutcome: AcceptStore['recordPostOutcome'];
  readonly acceptRecords: AcceptStore['acceptRecords'];
  readonly appendTraces: TraceStore['appendTraces'];
  readonly readTrace: TraceStore['readTrace'];
  readonly scanTraces: TraceStore['scanTraces'];
  readonly indexLeads: LeadIndexStore['indexLeads'];
  readonly scanLeads: LeadIndexStore['scanLeads'];
  readonly enqueue: QueueStore['enqueue'];
  readonly dequeue: QueueStore['dequeue'];
  readonly acknowledge: QueueStore['acknowledge'];
  readonly recordDelivery: DeliveryStore['recordDelivery'];
  readonly deliveries: DeliveryStore['deliveries'];

  constructor(opts: RedisStoreOptions) {
    this.prefix = opts.prefix;
    const { client, scripts } = connectRedis(opts);
    this.client = client;

    const caps = new RedisCaps(client, scripts);
    this.checkBuyer = caps.checkBuyer.bind(caps);
    this.hold = caps.hold.bind(caps);
    this.extendHold = caps.extendHold.bind(caps);
    this.commitHold = caps.commitHold.bind(caps);
    this.releaseHold = caps.releaseHold.bind(caps);
    this.restoreSale = caps.restoreSale.bind(caps);
    this.usage = caps.usage.bind(caps);

    const admission = new RedisAdmission(scripts);
    this.claimDedup = admission.claimDedup.bind(admission);
    this.gateSeller = admission.gateSeller.bind(admission);

    const auctions = new RedisAuctions(client, scripts);
    this.saveAuction = auctions.saveAuction.bind(auctions);
    this.readAuction = auctions.readAuction.bind(auctions);
    this.claimAuction = auctions.claimAuction.bind(auctions);

    const calls = new RedisCalls(scripts);
    this.claimCall = calls.claimCall.bind(calls);
    this.finishCall = calls.finishCall.bind(calls);

    const turns = new RedisTurns(scripts);
    this.takeTurn = turns.takeTurn.bind(turns);

    const accepts = new RedisAccepts(client, scripts);
    this.recordPostOutcome = accepts.recordPostOutcome.bind(accepts);
    this.acceptRecords = accepts.acceptRecords.bind(accepts);

    const traces = new RedisTraces(client, scripts);
    this.appendTraces = traces.appendTraces.bind(traces);
    this.readTrace = traces.readTrace.bind(traces);
    this.scanTraces = traces.scanTraces.bind(traces);

    const index = new RedisLeadIndex(client, scripts);
    this.indexLeads = index.indexLeads.bind(index);
    this.scanLeads = index.scanLeads.bind(index);

    const queues = new RedisQueues(client);
    this.enqueue = queues.enqueue.bind(queues);
    this.dequeue = queues.dequeue.bind(queues);
    this.acknowledge = queues.acknowledge.bind(queues);

    const deliveries = new RedisDeliveries(client);
    this.recordDelivery = deliveries.recordDelivery.bind(deliveries);
    this.deliveries = deliveries.deliveries.bind(deliveries);
  }

  /** Resolves when connected, or after `ms` (the store then reports unready until it connects). */
  waitReady(ms: number): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  /** CONFIG GET on every master (a Cluster's each); a server that refuses CONFIG, or does not answer, counts as 'unknown' */
  async persistence(): Promise<Persistence> {
    const masters = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    const each = await Promise.all(
      masters.map(async (node): Promise<Persistence> => {
        try {
          const [save, aof] = (await Promise.all([node.config('GET', 'save'), node.config('GET', 'appendonly')])) as [string[], string[]];
          return save.length < 2 || aof.length < 2 ? 'unknown' : persistenceOf(save[1]!, aof[1]!);
        } catch {
          return 'unknown';
        }
      }),
    );
    return weakest(each);
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
