import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** A self-signed certificate for 127.0.0.1 and localhost, made once per test process (openssl). */
let made: { key: string; cert: string } | null = null;
export function selfSignedCert(): { key: string; cert: string } {
  if (made !== null) return made;
  const dir = mkdtempSync(join(tmpdir(), 'gavel-smtp-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    made = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    return made;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ReceivedMail {
  /** the SMTP envelope: MAIL FROM and RCPT TO */
  from: string;
  rcpt: string[];
  /** the session had been upgraded to TLS (STARTTLS) when the message came */
  secure: boolean;
  /** the user that authenticated */
  user: string | undefined;
  raw: string;
  parsed: ParsedMail;
}

/** What the relay does with a message: takes it, refuses it with an SMTP code, or holds it unanswered until `release`. */
export type Verdict = 'accept' | { code: number; message: string } | 'hold';

export interface TestRelay {
  host: string;
  port: number;
  /** the relay's certificate, for the mailer's `tls_ca` */
  ca: string;
  user: string;
  password: string;
  received: ReceivedMail[];
  /** messages being held (their DATA unanswered) */
  readonly held: number;
  /** answers every held message as `verdict` (accept by default) */
  release(verdict?: Exclude<Verdict, 'hold'>): void;
  /** resolves once `n` messages were received (taken or not) */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/**
 * A real SMTP relay on a real port, as an operator's would be: STARTTLS offered (with a
 * self-signed certificate), AUTH PLAIN/LOGIN required and refused before TLS, each message parsed
 * (mailparser) and kept. `judge` decides each message's answer, in order of arrival.
 */
export async function startRelay(judge: (m: ReceivedMail, index: number) => Verdict = () => 'accept'): Promise<TestRelay> {
  const { key, cert } = selfSignedCert();
  const user = 'gavel-relay';
  const password = 'relay-password-1234';
  const received: ReceivedMail[] = [];
  const holding: ((v: Exclude<Verdict, 'hold'>) => void)[] = [];
  const waiters: (() => void)[] = [];
  const answer = (v: Exclude<Verdict, 'hold'>, callback: (err?: Error | null) => void) => {
    if (v === 'accept') return callback();
    const e = new Error(v.message) as Error & { responseCode: number };
    e.responseCode = v.code;
    callback(e);
  };
  const server = new SMTPServer({
    key,
    cert,
    authMethods: ['PLAIN', 'LOGIN'],
    // AUTH is refused until the session is upgraded with STARTTLS
    allowInsecureAuth: false,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) return callback(null, { user });
      callback(new Error('Invalid username or password'));
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        void simpleParser(raw).then((parsed) => {
          const m: ReceivedMail = {
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            rcpt: session.envelope.rcptTo.map((r) => r.address),
            secure: session.secure,
            user: session.user as string | undefined,
            raw,
            parsed,
          };
          const verdict = judge(m, received.length);
          received.push(m);
          for (const w of waiters.splice(0)) w();
          if (verdict === 'hold') holding.push((v) => answer(v, callback));
          else answer(verdict, callback);
        });
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    ca: cert,
    user,
    password,
    received,
    get held() {
      return holding.length;
    },
    release(v = 'accept') {
      for (const h of holding.splice(0)) h(v);
    },
    async waitFor(n, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > until) throw new Error(`the relay got ${received.length} message(s), not ${n}, within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100).unref();
        });
      }
      return received;
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
