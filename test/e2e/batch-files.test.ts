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
import { ADMIN_KEY, call, dropSchema, fullLead, getAs, metricsOf, PG_URL, readTrace, SELLER_KEY, startExchange, stopExchange, testConfig, testSchema } from '../support/exchange.js';
import { batchConfig, CSV_COLUMNS, FILES_KEY, LINES_KEY } from '../support/batch-config.js';
import { startRelay } from '../support/smtp-relay.js';
import { startSftpServer } from '../support/sftp-server.js';
import { startBuyer } from '../support/buyer-server.js';
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
      // each lead's trace shows its batch file: the operator's view and its buyer's
      const traced = (await readTrace(g, ids[0]!)).body;
      expect(traced.deliveries).toEqual([expect.objectContaining({ buyer: 'files', channel: 'batch:sftp', state: 'delivered', attempts: 1, last_error: null })]);
      const buyerView = (await readTrace(g, ids[4]!, LINES_KEY)).body;
      expect(buyerView.deliveries).toEqual([expect.objectContaining({ channel: 'batch:sftp', state: 'delivered', attempts: 1 })]);
      expect((await readTrace(g, ids[4]!, FILES_KEY)).body.deliveries).toBeUndefined();
      // no personal data in the records
      expect(JSON.stringify(operator.body)).not.toContain(leads[0]!.phone as string);
    });
  });
}

describe('batch files: retries and e-mail (embedded default)', () => {
  it('a failed upload is retried with backoff, its tries and last error on the record, until it lands once', async () => {
    const sftp = await startSftpServer();
    stops.push(() => sftp.close());
    mkdirSync(join(sftp.dir, 'csv'));
    mkdirSync(join(sftp.dir, 'jsonl'));
    let refusals = 0;
    // the buyer's server refuses the first two uploads
    sftp.onRequest = (op) => (op === 'OPEN' && refusals++ < 2 ? 'fail' : undefined);
    const g = await startExchange(batchConfig(sftp, '1s') as never, 'memory');
    stops.push(() => stopExchange(g));
    const sold = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(sold.body.status).toBe('sold');

    let seenRetrying: any = null;
    let record: any = null;
    for (let i = 0; i < 150; i++) {
      const [b] = (await getAs(g.operatorPort, '/v1/batches?buyer=files', ADMIN_KEY)).body.batches;
      if (b?.state === 'retrying') seenRetrying ??= b;
      if (b?.state === 'delivered') {
        record = b;
        break;
      }
      await sleep(100);
    }
    expect(seenRetrying).toMatchObject({ state: 'retrying', delivered_at: null });
    expect(seenRetrying.last_error).toMatch(/refused by the test|Failure/i);
    expect(Date.parse(seenRetrying.next_try_at)).toBeGreaterThan(Date.parse(seenRetrying.built_at));
    // two refusals (1 s, then 2 s of backoff), then the upload that landed
    expect(record).toMatchObject({ state: 'delivered', attempts: 3, leads: 1 });
    expect(Date.parse(record.delivered_at) - Date.parse(record.built_at)).toBeGreaterThanOrEqual(3000);
    const files = filesIn(join(sftp.dir, 'csv'));
    expect([...files.keys()]).toEqual([record.file]);
    expect([...files.values()][0]!.split('\r\n')[1]!.split(',')[0]).toBe(sold.body.lead_id);
    expect(await metricsOf(g)).toMatch(/gavel_batch_files_total\{buyer="files",result="retried"\} 2/);
  });

  it('a server whose host key is not the pinned one gets nothing: the batch waits, its error says why', async () => {
    const sftp = await startSftpServer();
    stops.push(() => sftp.close());
    mkdirSync(join(sftp.dir, 'csv'));
    const config = batchConfig(sftp, '1s');
    // another server's key pinned: this one could be anyone
    config.buyers[0].batch.sftp.host_key = `SHA256:${'x'.repeat(43)}`;
    const g = await startExchange(config as never, 'memory');
    stops.push(() => stopExchange(g));
    expect((await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() })).body.status).toBe('sold');
    let record: any = null;
    for (let i = 0; i < 80 && record?.state !== 'retrying'; i++) {
      [record] = (await getAs(g.operatorPort, '/v1/batches?buyer=files', ADMIN_KEY)).body.batches;
      await sleep(100);
    }
    expect(record).toMatchObject({ state: 'retrying', delivered_at: null });
    expect(record.last_error).toContain(`host key ${sftp.hostKey} is not the pinned SHA256:${'x'.repeat(43)}`);
    // the connection ended before authentication: not one SFTP request, nothing in the folder
    expect(sftp.seen).toEqual([]);
    expect(filesIn(join(sftp.dir, 'csv')).size).toBe(0);
  });

  it('a buyer with a post_url and a batch gets its posts as before, and the same leads in its files', async () => {
    const sftp = await startSftpServer();
    stops.push(() => sftp.close());
    const buyer = await startBuyer(() => ({ body: { bid: 10 } }));
    stops.push(() => buyer.close());
    const config = testConfig([{ id: 'acme', url: buyer.url }]) as Record<string, any>;
    config.buyers[0].batch = { format: 'jsonl', every: '1s', timeout: '2s', sftp: { host: '127.0.0.1', port: sftp.port, user: sftp.user, private_key: sftp.clientKey, host_key: sftp.hostKey } };
    const g = await startExchange(config as never, 'memory');
    stops.push(() => stopExchange(g));
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const a = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
      expect(a.body.status).toBe('sold');
      ids.push(a.body.lead_id);
    }
    expect(buyer.posts.map((p) => p.body.ping_id)).toEqual(ids);
    const lines = await until('both leads in files', () => {
      const got = [...filesIn(sftp.dir).values()].flatMap((t) => t.split('\n').filter(Boolean).map((l) => JSON.parse(l).lead_id as string));
      return got.length >= 2 ? got : undefined;
    });
    expect(lines).toEqual(ids);
  });

  it('an e-mailed batch arrives as an attachment through the relay, to the buyer\'s addresses', async () => {
    const relay = await startRelay();
    stops.push(() => relay.close());
    const sftp = await startSftpServer();
    stops.push(() => sftp.close());
    const config = batchConfig(sftp, '1s', { smtp: { host: relay.host, port: relay.port, user: relay.user, password: relay.password, from: 'Gavel <leads@gavel.test>', tls_ca: relay.ca } });
    config.buyers[0].batch = { format: 'csv', columns: CSV_COLUMNS, every: '1s', email: { to: ['leads@files.test', 'ops@files.test'] } };
    const g = await startExchange(config as never, 'memory');
    stops.push(() => stopExchange(g));
    const lead = fullLead();
    const sold = await call(g.port, '/v1/leads', { campaign: 'auto', lead });
    expect(sold.body.status).toBe('sold');
    const [mail] = await relay.waitFor(1, 15_000);
    expect(mail!.rcpt.sort()).toEqual(['leads@files.test', 'ops@files.test']);
    expect(mail!.secure).toBe(true);
    const [file] = mail!.parsed.attachments;
    expect(file!.filename).toMatch(/^files-\d{8}-\d{4}-\d{3}\.csv$/);
    expect(file!.content.toString('utf8').split('\r\n').slice(0, 2)).toEqual(['LeadId,Phone,Email,Full Name,State,Price,Seller,Test', `${sold.body.lead_id},${lead.phone},ada@example.com,Ada Lovelace,California,4,pub1,No`]);
    let record: any = null;
    for (let i = 0; i < 50 && record?.state !== 'delivered'; i++) {
      [record] = (await getAs(g.port, '/v1/batches', FILES_KEY)).body.batches;
      await sleep(100);
    }
    expect(record).toMatchObject({ state: 'delivered', channel: 'email', file: file!.filename, leads: 1, attempts: 1 });
    // the lead's personal data is in the attachment only, not the message's text or subject
    expect(`${mail!.parsed.subject} ${mail!.parsed.text}`).not.toContain(lead.phone as string);
  });
});

describe('batch files across two processes (Redis + PostgreSQL)', () => {
  it("one process at a time builds and sends a buyer's batches: each lead in one file, each file uploaded once", async () => {
    const sftp = await startSftpServer();
    stops.push(() => sftp.close());
    mkdirSync(join(sftp.dir, 'csv'));
    mkdirSync(join(sftp.dir, 'jsonl'));
    const schema = testSchema();
    stops.push(() => dropSchema(schema));
    const config = batchConfig(sftp, '1s', { ledger: { postgres_url: PG_URL, schema } });
    const a = await startExchange(config as never);
    stops.push(() => stopExchange(a));
    const b = await startExchange(config as never);
    stops.push(() => stopExchange(b));
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const answer = await call((i % 2 === 0 ? a : b).port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
      expect(answer.body.status).toBe('sold');
      ids.push(answer.body.lead_id);
      await sleep(150);
    }
    const inFiles = () =>
      ['csv', 'jsonl'].flatMap((folder) =>
        [...filesIn(join(sftp.dir, folder)).values()].flatMap((text) =>
          folder === 'csv' ? text.split('\r\n').slice(1, -1).map((r) => r.split(',')[0]!) : text.split('\n').filter(Boolean).map((l) => JSON.parse(l).lead_id as string),
        ),
      );
    await until('every lead in a file', () => (inFiles().length >= ids.length ? true : undefined));
    await sleep(1500);
    expect(inFiles().sort()).toEqual([...ids].sort());
    // each file was written once: one temporary file opened per final name, whichever process sent it
    const opened = sftp.seen.filter((r) => r.op === 'OPEN').map((r) => r.path);
    expect(new Set(opened).size).toBe(opened.length);
    const finals = ['csv', 'jsonl'].flatMap((folder) => [...filesIn(join(sftp.dir, folder)).keys()]);
    expect(opened.length).toBe(finals.length);
    const records = (await getAs(b.operatorPort, '/v1/batches', ADMIN_KEY)).body.batches;
    expect(records.map((r: any) => r.file).sort()).toEqual(finals.sort());
    expect(records.reduce((n: number, r: any) => n + r.leads, 0)).toBe(ids.length);
  });
});

describe('batch files: where their records may live', () => {
  it('several processes on one Redis without PostgreSQL is refused at start: their files would share names', async () => {
    const sftp = await startSftpServer();
    stops.push(() => sftp.close());
    await expect(startExchange(batchConfig(sftp) as never, 'redis')).rejects.toThrow(/files, lines take batch files: with a shared Redis their records need the ledger on PostgreSQL/);
  });
});
