import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { Logger } from '../telemetry/logger.js';
import { UPLOAD_ID, newUploadId, type UploadMeta } from '../uploads/upload-files.js';
import { RESULT_COLUMNS } from '../uploads/upload-outcomes.js';
import { checkFileHeader, type UploadFormat } from '../uploads/upload-rows.js';
import type { UploadRunner } from '../uploads/upload-runner.js';
import type { UploadAnswer } from '../protocol/upload-api.js';
import { unknownKey } from './api-key.js';
import { callerOf, jsonRoute, refusedOn, type Caller } from './admin-route.js';
import { refusedFraming } from './http-framing.js';
import { credentialsOf, requestKey, type KeyAnswer, type Listener } from './request-caller.js';
import { send, sendError, watch, type RequestState } from './respond.js';
import { sessionBookOf } from './sessions.js';

/** What an upload is sent as: `format=` wins; else the Content-Type says. */
function formatOf(query: URLSearchParams, contentType: string): UploadFormat | null {
  const named = query.get('format');
  if (named === 'csv' || named === 'jsonl') return named;
  if (named !== null) return null;
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  if (media === 'text/csv') return 'csv';
  if (media === 'application/x-ndjson' || media === 'application/jsonl' || media === 'application/x-jsonlines') return 'jsonl';
  return null;
}

/** What a valid upload request asks for. */
interface UploadAsk {
  seller: string;
  campaign: string;
  format: UploadFormat;
  subId: string | undefined;
  test: boolean;
}

/** The request judged against the caller and the live configuration, before a byte of the body is kept. */
function ask(caller: Caller, listener: Listener, query: URLSearchParams, contentType: string, live: RuntimeSource): UploadAsk | GavelError {
  const refusal = refusedOn(listener, caller);
  if (refusal !== null) return refusal;
  if (caller.kind === 'buyer') return new GavelError('FORBIDDEN', 'Leads are uploaded by a seller, or by the operator for one');
  const runtime = live.current().runtime;
  let sellerId: string;
  let campaigns: ReadonlySet<string> | null;
  if (caller.kind === 'seller') {
    sellerId = caller.seller.id;
    campaigns = caller.seller.campaigns;
  } else {
    const named = query.get('seller');
    const s = named === null ? undefined : runtime.data.sellers.find((x) => x.id === named);
    if (s === undefined) return new GavelError('INVALID_REQUEST', undefined, [{ path: 'seller', message: named === null ? 'the operator names the seller the leads are from (?seller=<id>)' : `unknown seller "${named}"` }]);
    sellerId = s.id;
    campaigns = s.campaigns === undefined ? null : new Set(s.campaigns);
  }
  const campaign = query.get('campaign') ?? '';
  if (!runtime.campaigns.has(campaign) || (campaigns !== null && !campaigns.has(campaign))) {
    return new GavelError('UNKNOWN_CAMPAIGN', `No campaign "${campaign}" for this seller`, [{ path: 'campaign', message: 'unknown campaign' }]);
  }
  const format = formatOf(query, contentType);
  if (format === null) return new GavelError('INVALID_REQUEST', undefined, [{ path: 'format', message: 'csv or jsonl (?format=, or Content-Type text/csv or application/x-ndjson)' }]);
  const subId = query.get('sub_id') ?? undefined;
  if (subId !== undefined && subId.length > 128) return new GavelError('INVALID_REQUEST', undefined, [{ path: 'sub_id', message: 'at most 128 characters' }]);
  const test = query.get('test');
  if (test !== null && test !== 'true' && test !== 'false') return new GavelError('INVALID_REQUEST', undefined, [{ path: 'test', message: 'true or false' }]);
  return { seller: sellerId, campaign, format, subId, test: test === 'true' };
}

/**
 * A body written to a file as it comes, never held whole: each chunk copied (uWS reuses its
 * memory), the connection paused while the disk is behind. `done` gets the byte count, or null
 * when the body passed `limit` (the rest is then ignored) or the file could not be written.
 */
function bodyToFile(res: HttpResponse, state: RequestState, path: string, limit: number, done: (bytes: number | null) => void): { discard(): void } {
  const out = createWriteStream(path);
  let size = 0;
  let ended = false;
  const end = (bytes: number | null) => {
    if (ended) return;
    ended = true;
    if (bytes === null) out.destroy();
    done(bytes);
  };
  out.on('error', () => end(null));
  // the client gone mid-body: what came is dropped (this replaces watch's handler, so it marks the state itself)
  res.onAborted(() => {
    state.aborted = true;
    end(null);
  });
  res.onData((chunk, isLast) => {
    if (ended) return;
    size += chunk.byteLength;
    if (size > limit) return end(null);
    const more = out.write(Buffer.from(chunk.slice(0)));
    if (isLast) {
      out.end(() => end(size));
      return;
    }
    if (!more && !state.aborted) {
      res.pause();
      out.once('drain', () => {
        if (!state.aborted) res.resume();
      });
    }
  });
  return { discard: () => end(null) };
}

/** A file sent as the body, from `header`, in chunks as the client reads them (never read whole). */
function sendFile(res: HttpResponse, state: RequestState, path: string, size: number, header: string, filename: string): void {
  state.aborted = true; // from here the body is written by this function alone
  let gone = false;
  res.onAborted(() => (gone = true));
  res.cork(() => {
    res.writeStatus('200 OK');
    res.writeHeader('content-type', 'text/csv; charset=utf-8');
    res.writeHeader('content-disposition', `attachment; filename="${filename}"`);
    res.write(header);
  });
  if (size === 0) return void res.cork(() => res.end());
  const stream = createReadStream(path, { start: 0, end: size - 1, highWaterMark: 64 * 1024 });
  stream.on('data', (chunk) => {
    if (gone) return void stream.destroy();
    let ok = true;
    res.cork(() => (ok = res.write(chunk as Buffer)));
    if (!ok) {
      stream.pause();
      res.onWritable(() => {
        if (!gone) stream.resume();
        return true;
      });
    }
  });
  stream.on('end', () => {
    if (!gone) res.cork(() => res.end());
  });
  stream.on('error', () => {
    if (!gone) res.close();
  });
}

/** the newest uploads a listing shows: finished ones are kept `server.uploads.keep`, so there may be many */
const LIST_MAX = 100;

/** The caller behind a request's key or session, or why it is refused. */
function callerOfKey(key: KeyAnswer, live: RuntimeSource): Caller | GavelError {
  if (!('key' in key)) return key;
  return callerOf(live, key.key) ?? unknownKey(key.key);
}

/** An upload as its caller sees it: its progress, read live from the process running it or from its files. */
async function shown(runner: UploadRunner, meta: UploadMeta): Promise<UploadAnswer> {
  const p = runner.running(meta.id) ?? (await runner.files.readProgress(meta.id));
  const state = meta.state === 'done' ? 'done' : (p?.state ?? meta.state);
  return {
    id: meta.id,
    seller: meta.seller,
    campaign: meta.campaign,
    format: meta.format,
    state,
    bytes: meta.bytes,
    created_at: meta.created_at,
    finished_at: meta.finished_at ?? null,
    rows_read: p?.rows_read ?? 0,
    rows_done: p?.done ?? 0,
    sold: p?.sold ?? 0,
    rejected: p?.rejected ?? {},
    invalid: p?.invalid ?? 0,
    results_url: `/v1/uploads/${meta.id}/results`,
  };
}

/** The upload a caller may see: its own (a seller), any (the operator); another's is as unknown as one that never was. */
async function visible(runner: UploadRunner, id: string, caller: Caller): Promise<UploadMeta> {
  if (caller.kind === 'buyer') throw new GavelError('FORBIDDEN', 'Uploads are a seller\'s, and the operator\'s');
  const meta = UPLOAD_ID.test(id) ? await runner.files.readMeta(id) : null;
  if (meta === null || (caller.kind === 'seller' && meta.seller !== caller.seller.id)) throw new GavelError('UNKNOWN_UPLOAD');
  return meta;
}

/**
 * POST /v1/uploads (a seller's file of leads; the operator's for `seller=`), GET /v1/uploads (the
 * newest 100 of the key's: a seller's own, or every seller's for the operator), GET /v1/uploads/{id}
 * (its progress) and GET /v1/uploads/{id}/results (each row's outcome, as CSV), on the listener
 * given. The rows run in the background (src/uploads/upload-runner.ts).
 */
export function attachUploadsApi(app: TemplatedApp, listener: Listener, live: RuntimeSource, runner: UploadRunner, log: Logger): void {
  app.post('/v1/uploads', (res, req) => receive(res, req, listener, live, runner, log));

  jsonRoute(app, listener, 'get', '/v1/uploads', 0, live, log, async ({ caller, query }) => {
    if (caller.kind === 'buyer') throw new GavelError('FORBIDDEN', 'Uploads are a seller\'s, and the operator\'s');
    const seller = caller.kind === 'seller' ? caller.seller.id : (query.get('seller') ?? undefined);
    const metas = (await runner.files.list())
      .flatMap((u) => (u.meta === null || (seller !== undefined && u.meta.seller !== seller) ? [] : [u.meta]))
      .sort((x, y) => y.created_at.localeCompare(x.created_at))
      .slice(0, LIST_MAX);
    return { status: 200, body: { uploads: await Promise.all(metas.map((m) => shown(runner, m))) } };
  });

  jsonRoute(app, listener, 'get', '/v1/uploads/:id', 1, live, log, async ({ caller, params }) => {
    const meta = await visible(runner, params[0]!, caller);
    return { status: 200, body: await shown(runner, meta) };
  });

  app.get('/v1/uploads/:id/results', (res, req) => {
    if (refusedFraming(res, req)) return;
    const key = requestKey(credentialsOf(req, listener), sessionBookOf(live));
    const id = req.getParameter(0) ?? '';
    const state = watch(res, 'json');
    void Promise.resolve(key).then(async (k) => {
      try {
        const caller = callerOfKey(k, live);
        if (caller instanceof GavelError) throw caller;
        const refusal = refusedOn(listener, caller);
        if (refusal !== null) throw refusal;
        const meta = await visible(runner, id, caller);
        // as far as the rows have gone: whole lines only (a row being written is left for the next read)
        const size = await stat(runner.files.results(meta.id)).then((s) => s.size, () => 0);
        if (state.aborted) return;
        sendFile(res, state, runner.files.results(meta.id), size, `${RESULT_COLUMNS.join(',')}\n`, `${meta.id}-results.csv`);
      } catch (e) {
        if (e instanceof GavelError) return sendError(res, state, e);
        log.error({ err: e }, 'upload results failed');
        sendError(res, state, new GavelError('INTERNAL'));
      }
    });
  });
}

/** POST /v1/uploads: the body streamed to the upload's directory, judged, and answered 202 with its id. */
function receive(res: HttpResponse, req: HttpRequest, listener: Listener, live: RuntimeSource, runner: UploadRunner, log: Logger): void {
  if (refusedFraming(res, req)) return;
  // uWS invalidates req when this function returns: read everything now
  const key = requestKey(credentialsOf(req, listener), sessionBookOf(live));
  const query = new URLSearchParams(req.getQuery() ?? '');
  const contentType = req.getHeader('content-type');
  const length = req.getHeader('content-length');
  const state = watch(res, 'json');
  const settings = live.current().runtime.data.server.uploads;
  const limit = settings.max_bytes;
  const tooLarge = () => new GavelError('BODY_TOO_LARGE', `The file is over ${limit} bytes (server.uploads.max_bytes)`);
  const judge = (k: KeyAnswer): UploadAsk | GavelError => {
    const caller = callerOfKey(k, live);
    return caller instanceof GavelError ? caller : ask(caller, listener, query, contentType, live);
  };
  // a Bearer key is judged before any byte is kept; a session in the shared store while the body comes
  const early = key instanceof Promise ? null : judge(key);
  if (early instanceof GavelError) return sendError(res, state, early, true);
  if (length !== '' && Number(length) > limit) return sendError(res, state, tooLarge(), true);
  const id = newUploadId();
  const files = runner.files;
  // in the uploads directory itself (made at start), so the body's reader is attached before this
  // handler returns, as uWS requires; moved into the upload's own directory once whole and judged
  const partial = files.incoming(id);
  const fail = (e: GavelError) => {
    void files.discard(id);
    sendError(res, state, e, true);
  };
  let asked: UploadAsk | GavelError | null = early;
  const body = new Promise<number | null>((resolve) => {
    const sink = bodyToFile(res, state, partial, limit, resolve);
    if (key instanceof Promise) {
      void key.then((k) => {
        asked = judge(k);
        if (asked instanceof GavelError) sink.discard();
      });
    }
  });
  void Promise.all([body, key]).then(async ([bytes]) => {
    try {
      if (state.aborted) return void files.discard(id);
      if (asked instanceof GavelError) return fail(asked);
      if (asked === null) return fail(new GavelError('INTERNAL'));
      if (bytes === null) return fail(tooLarge());
      const a = asked;
      if (a.format === 'csv') {
        const campaign = live.current().runtime.data.campaigns.find((c) => c.id === a.campaign);
        await checkFileHeader(partial, campaign?.fields ?? {});
      }
      const open = (await files.list()).filter((u) => u.meta !== null && u.meta.seller === a.seller && u.meta.state !== 'done').length;
      if (open >= settings.max_open_per_seller) return fail(new GavelError('TOO_MANY_UPLOADS', `Seller ${a.seller} has ${open} uploads not yet done (server.uploads.max_open_per_seller)`));
      await files.make(id);
      await rename(partial, files.source(id));
      const meta: UploadMeta = { id, seller: a.seller, campaign: a.campaign, format: a.format, test: a.test, bytes, created_at: new Date().toISOString(), state: 'queued' };
      if (a.subId !== undefined) meta.sub_id = a.subId;
      // the meta last: an upload is listed, and run, only once its file is whole
      await files.writeMeta(meta);
      runner.kick();
      log.info({ upload: id, seller: a.seller, campaign: a.campaign, format: a.format, bytes }, 'upload received');
      send(res, state, 202, await shown(runner, meta));
    } catch (e) {
      if (e instanceof GavelError) return fail(e);
      log.error({ err: e, upload: id }, 'upload could not be kept');
      fail(new GavelError('INTERNAL'));
    }
  });
}
