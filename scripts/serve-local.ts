/**
 * `npm start`: the original Flask contract on http://localhost:5000, served through the same function
 * handlers the platform runs (as HTTP access events), with the local file adapter by default.
 */
import http from 'node:http';
import { main as chatMain } from '../functions/chat/index.js';
import { main as historyMain } from '../functions/history/index.js';
import { loadConfig } from '../shared/config/load-config.js';
import type { HttpEvent, HttpResponse } from '../shared/http/http-event.js';
import { loadDotenv } from './load-dotenv.js';

loadDotenv();
const config = loadConfig(process.env);

const server = http.createServer(async (incoming, outgoing) => {
  const url = new URL(incoming.url ?? '/', 'http://localhost');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep reading past the limit only to count; the handler answers 413 from the size alone.
    if (size <= config.limits.maxRequestBytes + 1) chunks.push(chunk);
  }
  const event: HttpEvent = {
    path: url.pathname,
    httpMethod: incoming.method ?? 'GET',
    headers: Object.fromEntries(
      Object.entries(incoming.headers).map(([name, value]) => [name, String(value)]),
    ),
    queryStringParameters: Object.fromEntries(url.searchParams),
    body: Buffer.concat(chunks).toString('base64'),
    isBase64Encoded: true,
  };
  const main = url.pathname.replace(/\/+$/, '').endsWith('/history') ? historyMain : chatMain;
  const response = (await main(event, {})) as HttpResponse;
  outgoing.writeHead(response.statusCode, response.headers);
  outgoing.end(response.body);
});

server.listen(config.port, config.host, () => {
  const provider =
    config.model.provider === 'offline'
      ? 'offline demo responder (no OPENAI_API_KEY; replies are labelled 离线演示)'
      : `${config.model.model} at ${new URL(config.model.baseUrl).host}`;
  console.info(`知己 chat backend on http://${config.host}:${config.port}`);
  console.info(`  POST /api/chat · GET /api/chat/history · model: ${provider} · storage: ${config.storage}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
