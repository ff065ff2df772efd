/**
 * The console's calls to the operator listener. The session cookie goes along by itself
 * (same origin, HttpOnly: the page never sees it, nor the key after login).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** each problem with its path, when the server names them (a draft that does not validate) */
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** An error as the pages show it: its stable code first, so an operator can look it up. */
export const errorText = (err: unknown): string => (err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const data = (await res.json().catch(() => null)) as { error?: { code: string; message: string; details?: { path: string; message: string }[] } } | null;
  if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? 'HTTP_' + res.status, data?.error?.message ?? res.statusText, data?.error?.details ?? []);
  return data as T;
}
