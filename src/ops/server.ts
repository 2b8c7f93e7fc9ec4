/**
 * The ops HTTP server (node:http): GET /metrics (Prometheus text exposition,
 * from registerWalMetrics), GET /health/live (200 while the process serves)
 * and GET /health/ready (200 when the health report says ready, else 503),
 * both with the health JSON. Other paths 404, other methods 405, failures 500;
 * every error body is JSON { error: { code, message } }. The server reads the
 * log; it never closes it (the caller owns the Wal).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errorCode, WalError } from '../errors.js';
import { healthBody } from './health-body.js';
import type { HealthOptions } from './health.js';
import { registerWalMetrics, type WalStatsSource } from './metrics.js';
import { registerStoreMetrics, type StoreStatsSource } from './store-metrics.js';

export interface OpsServerOptions {
  /** TCP port; 0 picks a free one (default 0). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1: only this machine). */
  host?: string;
  /** A directory on the log's disk (a real path), for free space by fs.statfs in the health JSON; omitted there when absent. */
  diskPath?: string;
  /** Thresholds of the health report. */
  health?: Omit<HealthOptions, 'freeBytes' | 'diskError'>;
}

export interface OpsServer {
  /** e.g. http://127.0.0.1:9464 */
  url: string;
  port: number;
  /** Stops listening and ends open connections; the log stays open. */
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

const ROUTES = new Set(['/metrics', '/health/live', '/health/ready']);

function checkOptions(options: OpsServerOptions): { port: number; host: string } {
  const port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new WalError('EINVAL', `port must be an integer in 0..65535, got ${String(port)}`);
  if (typeof host !== 'string' || host.length === 0) throw new WalError('EINVAL', 'host must be a non-empty string');
  return { port, host };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      const code = errorCode(err) ?? 'error';
      const why =
        code === 'EADDRINUSE'
          ? 'is already in use'
          : code === 'EACCES'
            ? 'needs privileges this process lacks'
            : `cannot be used (${code})`;
      reject(
        new WalError('EINVAL', `ops server: port ${port} on ${host} ${why}; choose another port, or 0 for a free one`, {
          cause: err,
          details: { port, host, code },
        }),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function isStoreSource(source: WalStatsSource | StoreStatsSource): source is StoreStatsSource {
  const stats: unknown = source.stats();
  return typeof stats === 'object' && stats !== null && 'wal' in stats && 'commits' in stats;
}

/**
 * Serves the metrics and health of a log (a Wal) or of a store (its own
 * metrics and its log's) over HTTP; resolves once listening. A port in use is
 * WalError EINVAL. A store is ready only while it is open and its log is.
 */
export async function serveOps(source: WalStatsSource | StoreStatsSource, options: OpsServerOptions = {}): Promise<OpsServer> {
  const { port, host } = checkOptions(options);
  const store = isStoreSource(source) ? source : undefined;
  const wal: WalStatsSource =
    store === undefined
      ? (source as WalStatsSource)
      : { stats: () => store.stats().wal, ...(store.report === undefined ? {} : { report: store.report.wal }) };
  const registry = registerWalMetrics(wal);
  if (store !== undefined) registerStoreMetrics(store, { registry });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!ROUTES.has(path)) return sendError(res, 404, 'NOT_FOUND', `no route ${path}: GET /metrics, /health/live or /health/ready`);
    if (req.method !== 'GET') return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${String(req.method)} ${path}: only GET`, { allow: 'GET' });
    if (path === '/metrics') {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      res.end(text);
      return;
    }
    const body = await healthBody(wal, options.diskPath, options.health);
    if (store !== undefined) {
      const state = store.stats().state;
      body.checks.push({ name: 'store', level: state === 'open' ? 'ok' : 'failed', detail: state });
      if (state !== 'open') {
        body.ready = false;
        body.level = 'failed';
      }
    }
    sendJson(res, path === '/health/live' || body.ready ? 200 : 503, body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Answered, not swallowed: the client gets the error and its code.
      const code = err instanceof WalError ? err.code : (errorCode(err) ?? 'EIO');
      const message = err instanceof Error ? err.message : String(err);
      if (res.headersSent) res.destroy(err instanceof Error ? err : undefined);
      else sendError(res, 500, code, message);
    });
  });
  await listen(server, port, host);
  const address = server.address();
  if (address === null || typeof address === 'string') {
    server.close();
    throw new WalError('EIO', 'ops server: no TCP address after listen');
  }
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) =>
          err === undefined ? resolve() : reject(new WalError('EIO', `ops server: close failed: ${err.message}`, { cause: err })),
        );
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
