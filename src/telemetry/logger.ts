import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * pino JSON logs. Every PII field of every campaign is redacted wherever a lead appears in a
 * log line, so a log is never a copy of personal data.
 */
export function createLogger(piiFields: readonly string[], level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const paths: string[] = [];
  for (const f of piiFields) paths.push(`lead.${f}`, `*.lead.${f}`, `*.*.lead.${f}`);
  const options = { level, base: { service: 'gavel' }, redact: { paths, censor: '[PII]' } };
  return destination ? pino(options, destination) : pino(options);
}
export type { Logger };
