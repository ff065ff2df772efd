/**
 * Leads sent as files: POST /v1/uploads, its progress and each row's outcome (README, Uploads).
 * A seller's key on the public listener; the operator's on its own listener, naming the seller.
 */
import { UploadAnswer } from '../protocol/upload-api.js';
import { answerSchema, errorAnswer, errorExample, jsonAnswer, ref, SERVERS, type Example, type PathGroup, type SendHints } from './spec-parts.js';

const UPLOAD_ID = 'up_Q2xxV0t9bW1kR3ZQ';
const AT = '2026-12-03T12:00:00.000Z';
const servers = [SERVERS.public, SERVERS.operator];
const bearer = [{ bearer: [] }];
const values = (v: Record<string, string>): Record<string, Example> => Object.fromEntries(Object.entries(v).map(([name, value]) => [name, { summary: name.replace(/_/g, ' '), value }]));

const shown = (state: 'queued' | 'running' | 'done') => ({
  id: UPLOAD_ID,
  seller: 'pub1',
  campaign: 'auto',
  format: 'csv',
  state,
  bytes: 2_048_576,
  created_at: AT,
  finished_at: state === 'done' ? AT : null,
  rows_read: state === 'queued' ? 0 : 10_000,
  rows_done: state === 'queued' ? 0 : state === 'running' ? 4_210 : 10_000,
  sold: state === 'queued' ? 0 : state === 'running' ? 2_870 : 6_802,
  rejected: state === 'queued' ? {} : { DUPLICATE: 311, NO_BID: 905 },
  invalid: state === 'queued' ? 0 : 124,
  results_url: `/v1/uploads/${UPLOAD_ID}/results`,
});

const unknownUpload = { upload_unknown: errorExample('Not this key\'s upload, or no such one', 'UNKNOWN_UPLOAD', "No upload with this id for this key: unknown, past its keep time, or another seller's") };
const idParameter = (examples: Record<string, string>) => ({ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^up_[A-Za-z0-9_-]{16}$' }, examples: values(examples) });

function uploads() {
  return {
    get: {
      operationId: 'uploads',
      tags: ['uploads'],
      summary: "The key's uploads, newest first (at most 100)",
      description: "A seller's own, on the public listener; every seller's for the operator's key on the operator listener (seller=<id> for one). Finished uploads are kept server.uploads.keep (7 d).",
      servers,
      security: bearer,
      parameters: [{ name: 'seller', in: 'query', required: false, schema: { type: 'string' }, description: "the operator's key: one seller's uploads" }],
      responses: {
        '200': jsonAnswer('The uploads', { type: 'object', required: ['uploads'], properties: { uploads: { type: 'array', items: ref('UploadAnswer') } } }, { uploads_list: { summary: 'A seller\'s uploads', value: { uploads: [shown('running'), { ...shown('done'), id: 'up_RmlsZXNGcm9tTW9u', results_url: '/v1/uploads/up_RmlsZXNGcm9tTW9u/results' }] } } }),
        '401': errorAnswer('UNAUTHORIZED'),
        '403': errorAnswer("FORBIDDEN: a buyer's key, or a key on the other listener"),
      },
    },
    post: {
      operationId: 'upload',
      tags: ['uploads'],
      summary: 'Send a file of leads: each row a direct post, run in the background',
      description:
        "The body is the file, CSV (a header of the campaign's field names, then one lead a row; an empty cell is a field left out) or JSON lines (one JSON object of the lead's fields a line), streamed to disk, never held whole; up to server.uploads.max_bytes. A CSV header that is not the campaign's is refused at once (400 UPLOAD_BAD_HEADER, each wrong column named). Answered 202 with the upload's id as soon as the file is kept; its rows then run as direct posts of the seller (the same validation, dedup, rules, plan, sale, ledger and trace as POST /v1/leads) at server.uploads.rate rows a second, so live calls keep their deadlines. Each row's lead id is derived from the upload and the row, so a row run again after a crash is the same lead and is never sold twice. A seller's key on the public listener; the operator's key on the operator listener, with seller=<id>.",
      servers,
      security: bearer,
      parameters: [
        { name: 'campaign', in: 'query', required: true, schema: { type: 'string' }, examples: values({ upload_unknown_campaign: 'nope' }) },
        { name: 'format', in: 'query', required: false, schema: { enum: ['csv', 'jsonl'] }, description: 'csv or jsonl; or said by Content-Type text/csv or application/x-ndjson', examples: values({ upload_unknown_campaign: 'csv' }) },
        { name: 'seller', in: 'query', required: false, schema: { type: 'string' }, description: "the operator's key: the seller the leads are from" },
        { name: 'sub_id', in: 'query', required: false, schema: { type: 'string', maxLength: 128 }, description: "every row's sub_id" },
        { name: 'test', in: 'query', required: false, schema: { enum: ['true', 'false'] }, description: 'every row a test lead' },
      ],
      requestBody: {
        required: true,
        content: {
          'text/csv': { schema: { type: 'string' }, example: 'zip,state,age,phone,email\n90210,CA,40,5550100001,ada@example.com\n' },
          'application/x-ndjson': { schema: { type: 'string' }, example: '{"zip":"90210","state":"CA","age":40,"phone":"5550100001"}\n' },
        },
      },
      responses: {
        '202': jsonAnswer('Kept: its rows run in the background; its progress at GET /v1/uploads/{id}', ref('UploadAnswer'), { upload_queued: { summary: 'A file received', value: shown('queued') } }),
        '400': errorAnswer('UPLOAD_BAD_HEADER, UNKNOWN_CAMPAIGN or INVALID_REQUEST (format, seller, sub_id, test)', {
          upload_unknown_campaign: errorExample('No such campaign for this seller', 'UNKNOWN_CAMPAIGN', 'No campaign "nope" for this seller', [{ path: 'campaign', message: 'unknown campaign' }]),
          upload_bad_header: errorExample('A column that is not a field', 'UPLOAD_BAD_HEADER', 'The CSV file\'s first line is not a header of the campaign\'s field names (the details say which column is wrong)', [{ path: 'header[2]', message: '"colour" is not a field of the campaign' }]),
        }),
        '401': errorAnswer('UNAUTHORIZED: no key, or an unknown one'),
        '403': errorAnswer("FORBIDDEN: a buyer's key, or a key on the other listener"),
        '413': errorAnswer('BODY_TOO_LARGE: over server.uploads.max_bytes'),
        '429': errorAnswer('TOO_MANY_UPLOADS: server.uploads.max_open_per_seller uploads of this seller not yet done'),
      },
      'x-send': { key: 'seller' } satisfies SendHints,
    },
  };
}

function upload() {
  return {
    get: {
      operationId: 'uploadProgress',
      tags: ['uploads'],
      summary: "An upload's progress: rows read and done, sold, rejected by code, invalid",
      description: "Read while it runs and once done, from any process sharing the uploads directory. A seller sees its own uploads only (another's is 404 UNKNOWN_UPLOAD, like an unknown id), on the public listener; the operator every one, on the operator listener.",
      servers,
      security: bearer,
      parameters: [idParameter({ upload_unknown: 'up_AAAAAAAAAAAAAAAA' })],
      responses: {
        '200': jsonAnswer('The upload', ref('UploadAnswer'), { upload_running: { summary: 'Running', value: shown('running') }, upload_done: { summary: 'Done', value: shown('done') } }),
        '401': errorAnswer('UNAUTHORIZED'),
        '403': errorAnswer("FORBIDDEN: a buyer's key, or a key on the other listener"),
        '404': errorAnswer('UNKNOWN_UPLOAD', unknownUpload),
      },
      'x-send': { key: 'seller' } satisfies SendHints,
    },
  };
}

function results() {
  return {
    get: {
      operationId: 'uploadResults',
      tags: ['uploads'],
      summary: "Each row's outcome, as CSV",
      description:
        "Columns row, lead_id, outcome (sold, rejected, invalid), code (SOLD, the rejection's reason code, INVALID_LEAD or UPLOAD_BAD_ROW), price (what the seller is paid, sold rows), problems (path: message; ...). The rows done so far while it runs (in the order they ended), every row once done; streamed, never read whole. The same keys and listeners as GET /v1/uploads/{id}.",
      servers,
      security: bearer,
      parameters: [idParameter({ upload_unknown: 'up_AAAAAAAAAAAAAAAA' })],
      responses: {
        '200': {
          description: 'The outcomes',
          content: { 'text/csv': { schema: { type: 'string' }, example: `row,lead_id,outcome,code,price,problems\n1,0f6a1c9e-52d1-8a4b-9c3e-1b2d3e4f5a6b,sold,SOLD,8,\n2,7c1e2d3f-4a5b-8c6d-8e7f-0a1b2c3d4e5f,invalid,INVALID_LEAD,,lead.zip: must match ^[0-9]{5}$\n` } },
        },
        '401': errorAnswer('UNAUTHORIZED'),
        '403': errorAnswer("FORBIDDEN: a buyer's key, or a key on the other listener"),
        '404': errorAnswer('UNKNOWN_UPLOAD', unknownUpload),
      },
      'x-send': { key: 'seller' } satisfies SendHints,
    },
  };
}

export function uploadPaths(): PathGroup {
  return {
    tag: { name: 'uploads', description: 'Leads sent as files: each row a direct post of the seller, run in the background; progress and per-row outcomes' },
    paths: { '/v1/uploads': uploads(), '/v1/uploads/{id}': upload(), '/v1/uploads/{id}/results': results() },
    schemas: { UploadAnswer: answerSchema(UploadAnswer) },
  };
}
