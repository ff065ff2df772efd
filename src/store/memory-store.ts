import { MemoryDeliveries } from './memory-deliveries.js';
import { MEMORY_MAX_LEADS } from '../config/server-schema.js';
import { MemoryAccepts } from './memory-accepts.js';
import { MemoryAdmission } from './memory-admission.js';
import { MemoryAuctions } from './memory-auctions.js';
import { MemoryCalls } from './memory-calls.js';
import { MemoryCaps } from './memory-caps.js';
import { MemoryQueues } from './memory-queues.js';
import { MemoryTraces } from './memory-traces.js';
import { MemoryTurns } from './memory-turns.js';
import type { Persistence } from './persistence.js';
import { MemoryLeadIndex } from './memory-lead-index.js';
import type { AcceptStore, AuctionStore, CallStore, DeliveryStore, CapStore, DedupStore, GateStore, QueueStore, Store, LeadIndexStore, TraceStore, TurnStore } from './store.js';

/**
 * The embedded default: one process, no Redis, the same contract as RedisStore (the same
 * contract tests run against both). Each role is a file of its own (memory-caps.ts,
 * memory-queues.ts, ...); every method is synchronous inside, so each call is as atomic as a Lua
 * script. Expired entries go lazily, a bounded number per call, as in the scripts. This class
 * hands each role's methods out as its own (bound once) and refuses every call once closed.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private closed = false;

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

  /** `maxTraces`: the most leads whose traces one process keeps in memory */
  constructor(maxTraces = MEMORY_MAX_LEADS) {
    const live = (): void => {
      if (this.closed) throw new Error('memory store is closed');
    };

    const caps = new MemoryCaps(live);
    this.checkBuyer = caps.checkBuyer.bind(caps);
    this.hold = caps.hold.bind(caps);
    this.extendHold = caps.extendHold.bind(caps);
    this.commitHold = caps.commitHold.bind(caps);
    this.releaseHold = caps.releaseHold.bind(caps);
    this.restoreSale = caps.restoreSale.bind(caps);
    this.usage = caps.usage.bind(caps);

    const admission = new MemoryAdmission(live);
    this.claimDedup = admission.claimDedup.bind(admission);
    this.gateSeller = admission.gateSeller.bind(admission);

    const auctions = new MemoryAuctions(live);
    this.saveAuction = auctions.saveAuction.bind(auctions);
    this.readAuction = auctions.readAuction.bind(auctions);
    this.claimAuction = auctions.claimAuction.bind(auctions);

    const calls = new MemoryCalls(live);
    this.claimCall = calls.claimCall.bind(calls);
    this.finishCall = calls.finishCall.bind(calls);

    const turns = new MemoryTurns(live);
    this.takeTurn = turns.takeTurn.bind(turns);

    const accepts = new MemoryAccepts(live);
    this.recordPostOutcome = accepts.recordPostOutcome.bind(accepts);
    this.acceptRecords = accepts.acceptRecords.bind(accepts);

    const traces = new MemoryTraces(live, maxTraces);
    this.appendTraces = traces.appendTraces.bind(traces);
    this.readTrace = traces.readTrace.bind(traces);
    this.scanTraces = traces.scanTraces.bind(traces);

    const index = new MemoryLeadIndex(live, maxTraces);
    this.indexLeads = index.indexLeads.bind(index);
    this.scanLeads = index.scanLeads.bind(index);

    const queues = new MemoryQueues(live);
    this.enqueue = queues.enqueue.bind(queues);
    this.dequeue = queues.dequeue.bind(queues);
    this.acknowledge = queues.acknowledge.bind(queues);

    const deliveries = new MemoryDeliveries(live);
    this.recordDelivery = deliveries.recordDelivery.bind(deliveries);
    this.deliveries = deliveries.deliveries.bind(deliveries);
  }

  /** nothing survives the process */
  async persistence(): Promise<Persistence> {
    return 'memory';
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('memory store is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
