import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EJSON } from 'bson';

/** A request field the SDK sends as EJSON text (query, data, projection), decoded for assertions. */
export function parseEjsonField(value: unknown): unknown {
  return typeof value === 'string' ? EJSON.parse(value, { relaxed: true }) : value;
}

/**
 * A pass-through HTTP proxy in front of the emulator that keeps every request body: the emulator records
 * only actions, and the point here is what the SDK actually sent.
 */
export async function startRecordingProxy(
  targetUrl: string,
): Promise<{ url: string; bodies: Record<string, unknown>[]; close(): Promise<void> }> {
  const target = new URL(targetUrl);
  const bodies: Record<string, unknown>[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      bodies.push(JSON.parse(text) as Record<string, unknown>);
      fetch(new URL(request.url ?? '/', target.origin), {
        method: request.method ?? 'POST',
        headers: { 'content-type': request.headers['content-type'] ?? 'application/json' },
        body: text,
      })
        .then(async (reply) => {
          const replyText = await reply.text();
          response.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8' });
          response.end(replyText);
        })
        .catch(() => response.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    bodies,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK's keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
