import { pino, type DestinationStream, type Logger } from 'pino';

const KEY_FIELDS = new Set(['authorization', 'api_key', 'admin_key']);

/**
 * pino JSON logs. Every PII field of every campaign is redacted wherever a lead appears in a
 * log line, so a log is never a copy of personal data; so are authorization headers and keys.
 */
export function createLogger(piiFields: readonly string[], level: string, destination?: DestinationStream): Logger {
  const paths: string[] = [];
  for (const f of piiFields) paths.push(`lead.${f}`, `*.lead.${f}`, `*.*.lead.${f}`);
  // nothing logs a request's headers or a party's key today; should a line ever carry one, it shows no key
  for (const k of KEY_FIELDS) paths.push(k, `*.${k}`, `*.*.${k}`);
  const censor = (_: unknown, path: string[]) => (KEY_FIELDS.has(path[path.length - 1]!) ? '[KEY]' : '[PII]');
  const options = { level, base: { service: 'gavel' }, redact: { paths, censor } };
  return destination ? pino(options, destination) : pino(options);
}
export type { Logger };
