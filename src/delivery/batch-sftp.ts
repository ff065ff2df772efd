import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import ssh2 from 'ssh2';
import type { SFTPWrapper } from 'ssh2';

export interface SftpPlace {
  host: string;
  port: number;
  user: string;
  privateKey: string;
  folder: string;
  /** SHA256:<base64> of the server's host key */
  hostKey: string;
}

/** A host key's fingerprint as OpenSSH prints it: `SHA256:` and the base64 of its digest, unpadded. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function call<T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));
}

const exists = (sftp: SFTPWrapper, path: string): Promise<boolean> => new Promise((resolve) => sftp.stat(path, (err) => resolve(!err)));

/**
 * Put one batch file in the buyer's folder, whole or not at all: written under a temporary name
 * (`.<name>.part`) then renamed, so the buyer never picks up half a file. A file already there
 * under the final name is this batch sent before (names are the batch's, and a batch's bytes
 * never change): success, nothing written. Rejects with what went wrong; never outlives `timeoutMs`.
 */
export function sftpPut(place: SftpPlace, name: string, bytes: Buffer, timeoutMs: number): Promise<'written' | 'already there'> {
  const want = place.hostKey.replace(/=+$/, '');
  const client = new ssh2.Client();
  let seenKey: string | null = null;
  const work = new Promise<'written' | 'already there'>((resolve, reject) => {
    client.once('error', (e) => reject(seenKey !== null && seenKey !== want ? new Error(`host key ${seenKey} is not the pinned ${want}`) : e));
    client.once('ready', () => {
      void (async () => {
        const sftp = await call<SFTPWrapper>((cb) => client.sftp(cb));
        const final = posix.join(place.folder, name);
        if (await exists(sftp, final)) return 'already there' as const;
        const temp = posix.join(place.folder, `.${name}.part`);
        await call<void>((cb) => sftp.writeFile(temp, bytes, cb));
        try {
          await call<void>((cb) => sftp.rename(temp, final, cb));
        } catch (e) {
          // another try of this same batch got there first: it is the same file
          if (await exists(sftp, final)) return 'already there' as const;
          throw e;
        }
        return 'written' as const;
      })().then(resolve, reject);
    });
    client.connect({
      host: place.host,
      port: place.port,
      username: place.user,
      privateKey: place.privateKey,
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        seenKey = fingerprint(key);
        return seenKey === want;
      },
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`SFTP to ${place.host}:${place.port} took over ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, late]).finally(() => {
    clearTimeout(timer);
    client.end();
  });
}
