/**
 * A Gavel process (the built dist, on Redis + PostgreSQL) SIGKILLed with a batch built and not
 * yet delivered: once before the upload began (at its first SFTP request), once during it (at the
 * first write of the temporary file). Another process takes the buyer's lease when the dead one's
 * runs out and sends the same batch: the same file name, and the buyer's folder ends with each
 * lead once.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, call, dropSchema, fullLead, getAs, PG_URL, startExchange, stopExchange, testSchema } from '../support/exchange.js';
import { batchConfig } from '../support/batch-config.js';
import { spawnGavel, writeConfig } from '../support/process.js';
import { startSftpServer } from '../support/sftp-server.js';
import { stopAfterEach } from '../support/stop-after.js';

const stops = stopAfterEach({ ignoreFailures: true });

for (const moment of [
  { name: 'after the batch is built, before its upload', op: 'STAT' },
  { name: 'during the upload', op: 'WRITE' },
] as const) {
  describe(`a process killed ${moment.name}`, () => {
    it('the next process re-sends the same file, and each lead is in the folder once', async () => {
      const sftp = await startSftpServer();
      stops.push(() => sftp.close());
      mkdirSync(join(sftp.dir, 'csv'));
      mkdirSync(join(sftp.dir, 'jsonl'));
      const schema = testSchema();
      stops.push(() => dropSchema(schema));
      const config = batchConfig(sftp, '2s', { ledger: { postgres_url: PG_URL, schema } });
      const doomed = await spawnGavel(writeConfig(config));
      stops.push(async () => void doomed.child.kill('SIGKILL'));

      // the process is killed at its batch's request once the three sales are answered: on a slow
      // box a window may close between two sales, so a request that comes first waits for them
      let sold = false;
      let held: string | null = null;
      let killedAt: string | null = null;
      const kill = (path: string) => {
        killedAt = path;
        doomed.child.kill('SIGKILL');
      };
      sftp.onRequest = (op, path) => {
        if (killedAt !== null || held !== null) return 'hang';
        if (op !== moment.op) return;
        if (sold) kill(path);
        else held = path;
        // the dead process's request is never answered
        return 'hang';
      };
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const a = await call(doomed.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
        expect(a.body.status).toBe('sold');
        ids.push(a.body.lead_id);
      }
      sold = true;
      if (held !== null) kill(held);
      for (let i = 0; i < 100 && killedAt === null; i++) await sleep(100);
      expect(killedAt, 'the process was killed at its batch upload').not.toBeNull();
      await doomed.exited;
      expect(killedAt).toMatch(moment.op === 'WRITE' ? /\/\.files-.*\.csv\.part$/ : /\/files-.*\.csv$/);
      expect(readdirSync(join(sftp.dir, 'csv')).filter((f) => !f.startsWith('.'))).toEqual([]);
      sftp.onRequest = null;

      const heir = await startExchange(config as never);
      stops.push(() => stopExchange(heir));
      // the dead holder's lease runs out (2 × its 2 s timeout + 5 s) before the heir may send
      const folder = join(sftp.dir, 'csv');
      const rowsNow = () =>
        readdirSync(folder)
          .filter((f) => !f.startsWith('.'))
          .flatMap((f) => readFileSync(join(folder, f), 'utf8').split('\r\n').slice(1, -1));
      for (let i = 0; i < 250 && rowsNow().length < ids.length; i++) await sleep(100);
      // each lead once, whichever batch it fell in (a window may end between two sales)
      expect(rowsNow().map((r) => r.split(',')[0]).sort()).toEqual([...ids].sort());
      const files = readdirSync(folder).filter((f) => !f.startsWith('.'));
      // the batch the dead process was sending went out under its own name
      const sending = posix.basename(killedAt!).replace(/^\.(.*)\.part$/, '$1');
      expect(files).toContain(sending);
      // the columns in the order written, though the configuration's version sits in PostgreSQL (jsonb keeps no key order)
      for (const f of files) expect(readFileSync(join(folder, f), 'utf8').split('\r\n')[0]).toBe('LeadId,Phone,Email,Full Name,State,Price,Seller,Test');

      // a file lands just before its record says so: wait for the records
      let records: any[] = [];
      for (let i = 0; i < 50; i++) {
        records = (await getAs(heir.operatorPort, '/v1/batches?buyer=files', ADMIN_KEY)).body.batches;
        if (records.length === files.length && records.every((r: any) => r.state === 'delivered')) break;
        await sleep(100);
      }
      expect(new Set(records.map((r: any) => r.file))).toEqual(new Set(files));
      expect(records.every((r: any) => r.state === 'delivered')).toBe(true);
      // the dead process recorded no try of the batch it was sending: the heir's was the first
      expect(records.find((r: any) => r.file === sending)).toMatchObject({ attempts: 1 });
      expect(records.reduce((n: number, r: any) => n + r.leads, 0)).toBe(ids.length);
      // nothing more comes: a later round finds nothing to build or send
      await sleep(2500);
      expect(readdirSync(folder).filter((f) => !f.startsWith('.'))).toEqual(files);
    });
  });
}
