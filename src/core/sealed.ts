import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Personal data that must wait somewhere before it is delivered (a lead queued for an e-mail, a
 * batch file, a buyer's second URL) is never stored in clear: it is sealed with AES-256-GCM
 * under a key derived from the config's `secret` for one purpose, so a queue's reader without
 * the secret (a Redis dump, a backup) reads nothing, and a sealed value of one purpose cannot be
 * opened as another's. `v1.<iv>.<tag>.<ciphertext>`, each base64url.
 */
const keys = new Map<string, Buffer>();

function keyFor(secret: string, purpose: string): Buffer {
  const id = `${purpose}\u0000${secret}`;
  let k = keys.get(id);
  if (k === undefined) {
    k = Buffer.from(hkdfSync('sha256', secret, 'gavel-sealed', `gavel-sealed:${purpose}`, 32));
    keys.set(id, k);
  }
  return k;
}

export function seal(secret: string, purpose: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret, purpose), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `v1.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${body.toString('base64url')}`;
}

/** The plaintext, or null when the value was not sealed by this secret for this purpose (or was altered). */
export function unseal(secret: string, purpose: string, sealed: string): string | null {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1') return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(secret, purpose), Buffer.from(parts[1]!, 'base64url'));
    decipher.setAuthTag(Buffer.from(parts[2]!, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
