/**
 * `npm start`: the original Flask contract on http://localhost:5000, served through the same function
 * handlers the platform runs (as HTTP access events), with the local file adapter by default.
 */
import { main as chatMain } from '../functions/chat/index.js';
import { serveStream } from '../functions/chat-stream/index.js';
import { main as historyMain } from '../functions/history/index.js';
import { loadConfig } from '../shared/config/load-config.js';
import { loadDotenv } from './load-dotenv.js';
import { createLocalServer } from './local-server.js';

loadDotenv();
const config = loadConfig(process.env);

const server = createLocalServer({
  host: config.host,
  maxRequestBytes: config.limits.maxRequestBytes,
  chat: chatMain,
  history: historyMain,
  chatStream: serveStream,
});

server.listen(config.port, config.host, () => {
  const provider =
    config.model.provider === 'offline'
      ? 'offline demo responder (no OPENAI_API_KEY; replies are labelled 离线演示)'
      : `${config.model.model} at ${new URL(config.model.baseUrl).host}`;
  console.info(`知己 chat backend on http://${config.host}:${config.port}`);
  console.info(`  playground (the chat in a browser): http://${config.host}:${config.port}/`);
  console.info(
    `  POST /api/chat · POST /api/chat/stream · GET /api/chat/history · model: ${provider} · storage: ${config.storage}`,
  );
  console.info('  answers only to this machine’s own pages and tools (no other site, no foreign Host)');
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
