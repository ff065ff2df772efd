/**
 * The pages' calls to their own listener (the console's to the operator one, the portal's to the public one). The session cookie goes along by itself
 * (same origin, HttpOnly: the page never sees it, nor the key after login).
 */
export interface Problem {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: Problem[] = []) {
    super(message);
  }
}

/** the event a 401 raises on window, whichever page made the call */
export const LOGGED_OUT = 'gavel:logged-out';

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const data = (await res.json().catch(() => null)) as { error?: { code: string; message: string; details?: Problem[] } } | null;
  // the session ended (logged out elsewhere, expired, or its key revoked): the shell shows the login
  if (res.status === 401 && path !== '/v1/session') window.dispatchEvent(new Event(LOGGED_OUT));
  if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? 'HTTP_' + res.status, data?.error?.message ?? res.statusText, data?.error?.details ?? []);
  return data as T;
}

/** An error as a page shows it: its code first (the one to search the README for), then what it means and, for a refused body, each field at fault. */
export function explain(err: unknown): string {
  if (!(err instanceof ApiError)) return String(err);
  const fields = err.details.map((d) => `${d.path}: ${d.message}`).join('; ');
  return `${err.code}: ${err.message}${fields !== '' ? ` (${fields})` : ''}`;
}

/**
 * An id as one path segment. `:` stays as it is (RFC 3986 allows it in a segment): the routes
 * read their parameters undecoded, and a return's id is `ret:<lead_id>:<buyer>`.
 */
export const segment = (id: string): string => encodeURIComponent(id).replace(/%3A/gi, ':');
