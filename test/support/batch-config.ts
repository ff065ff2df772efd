import { testConfig, type BuyerSpec } from './test-config.js';
import type { SftpServer } from './sftp-server.js';

export const FILES_KEY = 'files-buyer-key-0123456789';
export const LINES_KEY = 'lines-buyer-key-0123456789';

/** The CSV buyer's columns: sources and transforms as a request template's. */
export const CSV_COLUMNS = [
  { LeadId: 'lead_id' },
  { Phone: { from: 'lead.phone', transform: ['digits'] } },
  { Email: { from: 'lead.email', transform: ['lower'] } },
  { 'Full Name': 'lead.name' },
  { State: { from: 'lead.state', map: { CA: 'California' } } },
  { Price: 'price' },
  { Seller: 'seller' },
  { Test: { from: 'test', transform: ['yes_no'] } },
];

/**
 * Two batch-only buyers of the test campaign, each in a fixed_price tier of its own: `files` (CSV,
 * three leads an hour, so the rest fall through) and `lines` (JSON lines), every `every`, each to
 * its folder of one SFTP server.
 */
export function batchConfig(sftp: SftpServer, every = '2s', extra: Record<string, unknown> = {}): Record<string, any> {
  const base = testConfig([] as BuyerSpec[], { distribution: [{ name: 'files', method: 'fixed_price', buyers: ['files'] }, { name: 'lines', method: 'fixed_price', buyers: ['lines'] }] }) as Record<string, any>;
  const place = (folder: string) => ({ host: '127.0.0.1', port: sftp.port, user: sftp.user, private_key: sftp.clientKey, folder, host_key: sftp.hostKey });
  base.buyers = [
    { id: 'files', campaigns: ['auto'], price: 4, key: FILES_KEY, caps: { timezone: 'America/New_York', rolling: [{ window: '1h', max: 3 }] }, batch: { format: 'csv', columns: CSV_COLUMNS, every, retry_after: '1s', timeout: '2s', sftp: place('csv') } },
    { id: 'lines', campaigns: ['auto'], price: 3, key: LINES_KEY, batch: { format: 'jsonl', every, retry_after: '1s', timeout: '2s', sftp: place('jsonl') } },
  ];
  return { ...base, ...extra };
}
