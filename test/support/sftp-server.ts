import { closeSync, existsSync, mkdtempSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import ssh2 from 'ssh2';
import { fingerprint } from '../../src/delivery/batch-sftp.js';

const { Server, utils } = ssh2;
const { OPEN_MODE, STATUS_CODE } = utils.sftp;

export interface SftpServer {
  port: number;
  /** the folder the server writes into (its root) */
  dir: string;
  user: string;
  /** the client key the server accepts (OpenSSH private key) */
  clientKey: string;
  /** the server's host key fingerprint, to pin */
  hostKey: string;
  /** every SFTP request seen, by kind and path */
  seen: { op: string; path: string }[];
  /** called on each request before it is served; 'hang' leaves it unanswered, 'fail' answers FAILURE */
  onRequest: ((op: string, path: string) => void | 'hang' | 'fail') | null;
  close(): Promise<void>;
}

/**
 * A real SFTP server (ssh2's server side, key authentication only) on a free port, serving a temp
 * folder: what a batch buyer runs. Just the requests an upload makes: OPEN, WRITE, CLOSE, STAT,
 * LSTAT, FSTAT, RENAME, REALPATH.
 */
export async function startSftpServer(user = 'buyer'): Promise<SftpServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gavel-sftp-'));
  const host = utils.generateKeyPairSync('ed25519');
  const client = utils.generateKeyPairSync('ed25519');
  const allowed = utils.parseKey(client.public) as ssh2.ParsedKey;
  const hostParsed = utils.parseKey(host.private) as ssh2.ParsedKey;
  const inside = (p: string) => join(dir, posix.normalize(`/${p}`));
  const state: SftpServer = {
    port: 0,
    dir,
    user,
    clientKey: client.private,
    hostKey: fingerprint(hostParsed.getPublicSSH()),
    seen: [],
    onRequest: null,
    close: async () => undefined,
  };
  const server = new Server({ hostKeys: [host.private] }, (conn) => {
    conn.on('error', () => undefined);
    conn.on('authentication', (ctx) => {
      if (ctx.method === 'publickey' && ctx.username === user && ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH())) {
        if (ctx.signature === undefined || allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
      }
      ctx.reject(['publickey']);
    });
    conn.on('ready', () => {
      conn.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          const handles = new Map<number, { fd: number; path: string }>();
          let next = 1;
          /** true: the request is answered (a failure) or left hanging, as the test said */
          const gate = (op: string, path: string, reqid?: number) => {
            state.seen.push({ op, path });
            const verdict = state.onRequest?.(op, path);
            if (verdict === 'fail' && reqid !== undefined) sftp.status(reqid, STATUS_CODE.FAILURE, 'refused by the test');
            return verdict === 'hang' || verdict === 'fail';
          };
          const statOf = (reqid: number, path: string) => {
            if (gate('STAT', path, reqid)) return;
            if (!existsSync(inside(path))) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
            const st = statSync(inside(path));
            sftp.attrs(reqid, { mode: st.mode, uid: 0, gid: 0, size: st.size, atime: Math.floor(st.atimeMs / 1000), mtime: Math.floor(st.mtimeMs / 1000) });
          };
          sftp.on('OPEN', (reqid, filename, flags) => {
            if (gate('OPEN', filename, reqid)) return;
            try {
              const write = (flags & OPEN_MODE.WRITE) !== 0;
              const fd = openSync(inside(filename), write ? ((flags & OPEN_MODE.TRUNC) !== 0 ? 'w' : 'r+') : 'r');
              const h = next++;
              handles.set(h, { fd, path: filename });
              const b = Buffer.alloc(4);
              b.writeUInt32BE(h);
              sftp.handle(reqid, b);
            } catch {
              sftp.status(reqid, STATUS_CODE.FAILURE);
            }
          });
          sftp.on('WRITE', (reqid, handle, offset, data) => {
            const h = handles.get(handle.readUInt32BE(0));
            if (h === undefined) return sftp.status(reqid, STATUS_CODE.FAILURE);
            if (gate('WRITE', h.path, reqid)) return;
            writeSync(h.fd, data, 0, data.length, offset);
            sftp.status(reqid, STATUS_CODE.OK);
          });
          sftp.on('CLOSE', (reqid, handle) => {
            const h = handles.get(handle.readUInt32BE(0));
            if (h === undefined) return sftp.status(reqid, STATUS_CODE.FAILURE);
            if (gate('CLOSE', h.path, reqid)) return;
            closeSync(h.fd);
            handles.delete(handle.readUInt32BE(0));
            sftp.status(reqid, STATUS_CODE.OK);
          });
          sftp.on('FSTAT', (reqid, handle) => {
            const h = handles.get(handle.readUInt32BE(0));
            if (h === undefined) return sftp.status(reqid, STATUS_CODE.FAILURE);
            statOf(reqid, h.path);
          });
          sftp.on('STAT', (reqid, path) => statOf(reqid, path));
          sftp.on('LSTAT', (reqid, path) => statOf(reqid, path));
          sftp.on('REALPATH', (reqid, path) => sftp.name(reqid, [{ filename: posix.normalize(`/${path}`), longname: '', attrs: {} as ssh2.Attributes }]));
          // OpenSSH's rename refuses a target that exists; so does this one
          sftp.on('RENAME', (reqid, from, to) => {
            if (gate('RENAME', to, reqid)) return;
            if (existsSync(inside(to))) return sftp.status(reqid, STATUS_CODE.FAILURE);
            try {
              renameSync(inside(from), inside(to));
              sftp.status(reqid, STATUS_CODE.OK);
            } catch {
              sftp.status(reqid, STATUS_CODE.FAILURE);
            }
          });
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as { port: number }).port;
  state.close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  return state;
}
