import type { WarmUp } from './code-cached-loader.js';

/**
 * What each SDK does on a function's first call, done once against a throwaway loopback server when the
 * SDK's code cache is made (scripts/code-cached-loader.ts), so the cache holds the request path too: the
 * CloudBase SDK signs and sends a database query and an update, openai streams a chat completion. The
 * answers are canned; whether the calls succeed does not matter, only that their code runs.
 */
const cannedServer = `
const http = require('node:http');
const chunk = (delta, finish) => 'data: ' + JSON.stringify({ id: 'w', object: 'chat.completion.chunk', created: 0, model: 'w',
  choices: [{ index: 0, delta, finish_reason: finish }] }) + '\\n\\n';
const server = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    if (request.url.includes('/chat/completions')) {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(chunk({ role: 'assistant', content: '[caring] 在' }, null) + chunk({}, 'stop') + 'data: [DONE]\\n\\n');
    } else {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ data: { list: [] }, requestId: 'warm-up' }));
    }
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = 'http://127.0.0.1:' + server.address().port;
`;

export const VENDOR_WARM_UPS: Record<string, WarmUp> = {
  '@cloudbase/node-sdk': {
    script: `${cannedServer}
try {
  const app = loaded.init({ env: 'warm-up', secretId: 'warm-up', secretKey: 'warm-up', serviceUrl: base + '/admin', timeout: 2000 });
  const database = app.database();
  const collection = database.collection('warm_up');
  await collection.where({ user_id: 'warm-up' }).limit(1).get().catch(() => undefined);
  await collection.where({ user_id: 'warm-up' }).update({ count: database.command.inc(1) }).catch(() => undefined);
} finally {
  server.close();
}`,
    environment: { TENCENTCLOUD: 'true', SILENCE: 'true' },
  },
  openai: {
    script: `${cannedServer}
try {
  const OpenAI = loaded.default ?? loaded;
  const client = new OpenAI({ baseURL: base + '/v1', apiKey: 'warm-up', maxRetries: 0, logLevel: 'off' });
  const stream = await client.chat.completions.create({ model: 'warm-up', messages: [{ role: 'user', content: '你好' }], stream: true });
  for await (const _part of stream) {}
} finally {
  server.close();
}`,
    environment: {},
  },
};
