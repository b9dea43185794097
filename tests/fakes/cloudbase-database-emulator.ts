import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type ActionResult, EmulatorDatabase } from './cloudbase-emulator-store.js';
import { EmulatorError } from './cloudbase-emulator-values.js';
import {
  createWeChatOpenApiFake,
  isMultipartRequest,
  type WeChatOpenApiFake,
} from './cloudbase-emulator-wx-openapi.js';
import { createDelayedTasks } from './delayed-tasks.js';
import { readRequestBody } from './read-request-body.js';

/**
 * Loopback emulator of the Tencent CloudBase database HTTP API, for driving the real
 * `@cloudbase/node-sdk` in tests:
 *
 *   process.env.TENCENTCLOUD = 'true'; process.env.SILENCE = 'true';
 *   tcb.init({ env: emulator.envId, serviceUrl: emulator.url, secretId: 'x', secretKey: 'y' })
 *
 * Wire protocol: every call is `POST <url>?env=<env>&seqId=<seq>` with a JSON body holding `action`
 * (`database.insertDocument`, ...), `envName` and the call's parameters, where `query`, `data`,
 * `order` and `projection` are canonical EJSON strings. Replies are `{ requestId, data: {...} }`, or
 * `{ code, message, requestId }` with HTTP 200 for errors (the SDK throws a TcbError carrying `code`).
 * Signatures are not checked.
 */

export interface EmulatorRequestRecord {
  action: string;
  collection: string | undefined;
}

/** A request with when it arrived and when its answer left (performance.now() milliseconds). */
export interface TimedRequestRecord extends EmulatorRequestRecord {
  startedAt: number;
  /** NaN while unanswered (or when the connection was dropped). */
  endedAt: number;
}

export interface InjectedFault {
  /** Only requests with this action (e.g. 'database.modifyDocument'); any action if omitted. */
  action?: string;
  /** Only requests on this collection (e.g. 'chat_memories'); any collection if omitted. */
  collection?: string;
  /** How many matching requests to affect (default 1). */
  times?: number;
  /** Reply HTTP 200 `{code, message, requestId}` without executing the request. */
  code?: string;
  /**
   * Reply with this HTTP status without executing the request. The body is JSON so that the SDK
   * throws an error whose `code` is the numeric status; a non-JSON body would make it throw a bare
   * SyntaxError from JSON.parse instead.
   */
  httpStatus?: number;
  /**
   * Wait this long before answering. On its own, the request is executed as soon as it arrives and
   * only the reply is late, so a client that times out leaves the write applied (as with a real slow
   * network). Combined with code/httpStatus/dropConnection, that outcome is delayed instead.
   */
  delayMs?: number;
  /** Destroy the socket without answering or executing the request; the SDK sees ECONNRESET. */
  dropConnection?: boolean;
}

export interface CloudbaseEmulator {
  /** e.g. http://127.0.0.1:PORT/admin, to pass as `serviceUrl`. */
  readonly url: string;
  readonly envId: string;
  /** Every request received since start or the last reset/resetCounters, in arrival order. */
  requests(): readonly EmulatorRequestRecord[];
  requestCount(action?: string): number;
  /** The same requests with their timing, to tell requests made side by side from ones made in turn. */
  timedRequests(): readonly TimedRequestRecord[];
  /**
   * Answers every database request this much later (it still executes on arrival), as a network and
   * database round trip would; 0 (the default) answers at once.
   */
  setRequestDelay(delayMs: number): void;
  resetCounters(): void;
  inject(fault: InjectedFault): void;
  clearFaults(): void;
  /** Idempotent, unlike `db.createCollection()` through the SDK. */
  createCollection(name: string): void;
  /** Deep copies in natural (insertion) order, Dates as Date; `[]` for a missing collection. */
  documents(collection: string): Record<string, unknown>[];
  /** The WeChat open API behind `wx.openApi` (multipart) requests: verdict rules, faults, requests. */
  readonly weChat: WeChatOpenApiFake;
  /** Drops all collections, open transactions, faults and counters. */
  reset(): void;
  close(): Promise<void>;
}

interface PendingFault {
  fault: InjectedFault;
  remaining: number;
}

function newRequestId(): string {
  return `emulator-${randomBytes(8).toString('hex')}`;
}

function sendJson(response: ServerResponse, status: number, payload: unknown): void {
  // The client may already have given up (timeout) or the emulator may be closing.
  if (response.destroyed || response.writableEnded) return;
  const text = JSON.stringify(payload);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export async function startCloudbaseEmulator(
  options: { port?: number; envId?: string; requestDelayMs?: number } = {},
): Promise<CloudbaseEmulator> {
  const envId = options.envId ?? 'test-env';
  const database = new EmulatorDatabase();
  let records: EmulatorRequestRecord[] = [];
  let timed: TimedRequestRecord[] = [];
  let requestDelayMs = options.requestDelayMs ?? 0;
  let faults: PendingFault[] = [];
  const sockets = new Set<Socket>();
  const { later, cancelAll: cancelTimers } = createDelayedTasks();
  const weChat = createWeChatOpenApiFake({ envId });

  const takeFault = (action: string, collection: string | undefined): InjectedFault | undefined => {
    const pending = faults.find(
      ({ fault }) =>
        (fault.action === undefined || fault.action === action) &&
        (fault.collection === undefined || fault.collection === collection),
    );
    if (!pending) return undefined;
    pending.remaining -= 1;
    if (pending.remaining <= 0) faults = faults.filter((entry) => entry !== pending);
    return pending.fault;
  };

  /** Runs synchronously so the whole mutation happens before any other request is looked at. */
  const execute = (body: Record<string, unknown>, action: string): ActionResult => {
    const requestId = newRequestId();
    try {
      // A mismatch means the code under test resolved its env wrongly (e.g. SYMBOL_CURRENT_ENV without
      // SCF_NAMESPACE/TCB_ENV sends ''); in production that would silently hit another environment.
      if (body.envName !== envId) {
        throw new EmulatorError('INVALID_ENV', `envName '${String(body.envName)}' is not '${envId}'`);
      }
      return { requestId, ...database.execute(action, body, Date.now()) };
    } catch (error) {
      if (error instanceof EmulatorError) return { code: error.code, message: error.message, requestId };
      return { code: 'SYS_ERR', message: `emulator failure: ${String(error)}`, requestId };
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (isMultipartRequest(request)) {
      records.push({ action: await weChat.handle(request, response), collection: undefined });
      return;
    }
    const text = await readRequestBody(request);
    const body = request.method === 'POST' ? parseBody(text) : undefined;
    if (!body) {
      records.push({ action: '', collection: undefined });
      sendJson(response, 200, {
        code: 'INVALID_PARAM',
        message: 'expected a JSON POST body',
        requestId: newRequestId(),
      });
      return;
    }
    const action = typeof body.action === 'string' ? body.action : '';
    const collection = typeof body.collectionName === 'string' ? body.collectionName : undefined;
    records.push({ action, collection });
    const timing: TimedRequestRecord = {
      action,
      collection,
      startedAt: performance.now(),
      endedAt: Number.NaN,
    };
    timed.push(timing);
    response.once('finish', () => {
      timing.endedAt = performance.now();
    });
    const fault = takeFault(action, collection);
    if (!fault) {
      const result = execute(body, action);
      if (requestDelayMs > 0) later(requestDelayMs, () => sendJson(response, 200, result));
      else sendJson(response, 200, result);
      return;
    }
    if (fault.dropConnection) {
      later(fault.delayMs, () => request.socket.destroy());
    } else if (fault.httpStatus !== undefined) {
      const status = fault.httpStatus;
      later(fault.delayMs, () => sendJson(response, status, { message: `injected HTTP ${status}` }));
    } else if (fault.code !== undefined) {
      const payload = {
        code: fault.code,
        message: `injected fault ${fault.code}`,
        requestId: newRequestId(),
      };
      later(fault.delayMs, () => sendJson(response, 200, payload));
    } else {
      const result = execute(body, action);
      later(fault.delayMs, () => sendJson(response, 200, result));
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      sendJson(response, 500, { message: `emulator failure: ${String(error)}` });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/admin`,
    envId,
    requests: () => [...records],
    requestCount: (action) =>
      action === undefined ? records.length : records.filter((record) => record.action === action).length,
    timedRequests: () => timed.map((record) => ({ ...record })),
    setRequestDelay: (delayMs) => {
      requestDelayMs = delayMs;
    },
    resetCounters: () => {
      records = [];
      timed = [];
    },
    inject: (fault) => {
      if ((fault.times ?? 1) <= 0) return;
      faults.push({ fault: { ...fault }, remaining: fault.times ?? 1 });
    },
    clearFaults: () => {
      faults = [];
    },
    createCollection: (name) => {
      database.createCollection(name);
    },
    documents: (name) => database.snapshot(name),
    weChat,
    reset: () => {
      weChat.reset();
      database.clear();
      faults = [];
      records = [];
      timed = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        cancelTimers();
        weChat.close();
        if (!server.listening) {
          resolve();
          return;
        }
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK's keep-alive agent holds idle sockets open; without this close() waits for them.
        for (const socket of sockets) socket.destroy();
      }),
  };
}
