/**
 * Buyers that take their leads as files: sold leads queued (sealed) for their buyer, a batch
 * built every 2 s and put by SFTP on a real SFTP server the test runs (ssh2's server side, key
 * authentication, the host key pinned), CSV by a buyer's columns and JSON lines; the records in
 * GET /v1/batches, each party seeing its own. On the embedded default and on Redis + PostgreSQL.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, call, dropSchema, fullLead, getAs, PG_URL, SELLER_KEY, startExchange, stopExchange, testSchema } from '../support/exchange.js';
import { batchConfig, FILES_KEY, LINES_KEY } from '../support/batch-config.js';
import { startSftpServer } from '../support/sftp-server.js';
import { stopAfterEach } from '../support/stop-after.js';

const stops = stopAfterEach();

/** The files of a folder whose name is final (not a `.part` upload), with their text. */
function filesIn(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).filter((f) => !f.startsWith('.')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

async function until<T>(what: string, read: () => T | undefined, ms = 15_000): Promise<T> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(100)) {
    const v = read();
    if (v !== undefined) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
}

for (const store of ['memory', 'redis'] as const) {
  describe(`batch files by SFTP (${store === 'memory' ? 'embedded default' : 'Redis + PostgreSQL'})`, () => {
    it('sold leads reach their buyer once, as CSV by its columns and as JSON lines, and the records show each party its own', async () => {
      const sftp = await startSftpServer();
      stops.push(() => sftp.close());
      mkdirSync(join(sftp.dir, 'csv'));
      mkdirSync(join(sftp.dir, 'jsonl'));
      const schema = testSchema();
      if (store === 'redis') stops.push(() => dropSchema(schema));
      const g = await startExchange(batchConfig(sftp, '2s', store === 'redis' ? { ledger: { postgres_url: PG_URL, schema } } : {}) as never, store);
      stops.push(() => stopExchange(g));

      const leads = [fullLead({ state: 'CA', name: 'Ada, "the" Countess' }), fullLead({ state: 'NY' }), fullLead(), fullLead({ email: 'X@Y.org' }), fullLead()];
      const answers = [];
      for (const lead of leads) answers.push(await call(g.port, '/v1/leads', { campaign: 'auto', lead }));
      expect(answers.map((a) => [a.status, a.body.status])).toEqual(leads.map(() => [200, 'sold']));
      const ids = answers.map((a) => a.body.lead_id as string);

      // the first three go to `files` (its rolling cap is 3), the rest fall through to `lines`
      const csv = await until('the CSV file', () => {
        const f = filesIn(join(sftp.dir, 'csv'));
        return f.size > 0 && [...f.values()].join('').split('\r\n').length - 1 >= 4 ? f : undefined;
      });
      const lines = await until('the JSON lines file', () => {
        const f = filesIn(join(sftp.dir, 'jsonl'));
        return [...f.values()].join('').split('\n').filter(Boolean).length >= 2 ? f : undefined;
      });

      for (const name of csv.keys()) expect(name).toMatch(/^files-\d{8}-\d{4}-\d{3}\.csv$/);
      for (const name of lines.keys()) expect(name).toMatch(/^lines-\d{8}-\d{4}-\d{3}\.jsonl$/);
      const header = 'LeadId,Phone,Email,Full Name,State,Price,Seller,Test';
      const rows = [...csv.values()].flatMap((text) => {
        const all = text.split('\r\n');
        expect(all[0]).toBe(header);
        expect(all.at(-1)).toBe('');
        return all.slice(1, -1);
      });
      expect(rows).toEqual([
        `${ids[0]},${leads[0]!.phone},ada@example.com,"Ada, ""the"" Countess",California,4,pub1,No`,
        `${ids[1]},${leads[1]!.phone},ada@example.com,Ada Lovelace,NY,4,pub1,No`,
        `${ids[2]},${leads[2]!.phone},ada@example.com,Ada Lovelace,California,4,pub1,No`,
      ]);
      const objects = [...lines.values()].flatMap((text) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l)));
      expect(objects.map((o) => [o.lead_id, o.seller, o.price, o.test, o.lead])).toEqual([
        // the lead as the campaign validated it: e-mail addresses lower-cased
        [ids[3], 'pub1', 3, false, { ...leads[3], email: 'x@y.org' }],
        [ids[4], 'pub1', 3, false, { ...leads[4], email: 'ada@example.com' }],
      ]);
      expect(objects.every((o) => typeof o.sold_at === 'string' && o.campaign === 'auto')).toBe(true);

      // the records: the operator sees both buyers', each buyer its own, a seller none
      let operator: { status: number; body: any } = { status: 0, body: null };
      for (let i = 0; i < 50; i++) {
        operator = await getAs(g.operatorPort, '/v1/batches', ADMIN_KEY);
        if (operator.body.batches.filter((b: any) => b.state === 'delivered').length === csv.size + lines.size) break;
        await sleep(100);
      }
      expect(operator.status).toBe(200);
      const delivered = operator.body.batches.filter((b: any) => b.state === 'delivered');
      expect(new Set(delivered.map((b: any) => b.file))).toEqual(new Set([...csv.keys(), ...lines.keys()]));
      expect(delivered.reduce((n: number, b: any) => n + b.leads, 0)).toBe(5);
      expect(delivered.every((b: any) => b.attempts === 1 && b.last_error === null && b.channel === 'sftp' && b.delivered_at !== null)).toBe(true);
      const mine = await getAs(g.port, '/v1/batches?buyer=lines', FILES_KEY);
      expect(mine.status).toBe(200);
      expect(mine.body.batches.length).toBeGreaterThan(0);
      expect(mine.body.batches.every((b: any) => b.buyer === 'files')).toBe(true);
      const theirs = await getAs(g.port, '/v1/batches', LINES_KEY);
      expect(theirs.body.batches.every((b: any) => b.buyer === 'lines')).toBe(true);
      expect((await getAs(g.port, '/v1/batches', SELLER_KEY)).status).toBe(403);
      // no personal data in the records
      expect(JSON.stringify(operator.body)).not.toContain(leads[0]!.phone as string);
    });
  });
}
