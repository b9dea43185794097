import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { fragments, PRIVACY_SECRETS } from '../support/log-fragments.js';
import {
  recordingLogger,
  startTestServices,
  TEST_COLLECTION,
  TEST_MEMORY_COLLECTION,
  TEST_USAGE_COLLECTION,
  type TestServices,
} from '../support/test-services.js';

let services: TestServices;
beforeAll(async () => {
  services = await startTestServices();
});
afterAll(async () => {
  await services.close();
});
beforeEach(() => {
  services.emulator.reset();
  services.emulator.createCollection(TEST_COLLECTION);
  services.emulator.createCollection(TEST_USAGE_COLLECTION);
  services.emulator.createCollection(TEST_MEMORY_COLLECTION);
  services.model.reset();
});

const SECRETS = PRIVACY_SECRETS;

// The paths issues 10 to 12 added (stream, judge, summary, memory, notes): logs-privacy-features.test.ts.
describe('the logs of a whole conversation', () => {
  it('carry ids, lengths and codes, and never a word of it or a secret', async () => {
    const { logger, lines } = recordingLogger();
    const environment = services.environment({
      ...SECRETS,
      OPENAI_API_KEY: services.model.apiKey,
      LOG_LEVEL: 'debug',
      // The crisis message is not counted: five counted messages, then the limit.
      RATE_LIMIT_PER_MINUTE: '5',
    });
    const withSecretKey = environment;
    const chat = createFunctionHandler(chatEndpoint, { environment: withSecretKey, overrides: { logger } });
    const history = createFunctionHandler(historyEndpoint, {
      environment: withSecretKey,
      overrides: { logger },
    });
    const said = [
      '我叫李小梅，住在海淀区学院路，最近失眠很严重',
      '最近觉得活着没意思',
      '我已经买好了安眠药，今晚就全部吃下去',
      '有没有出售毒品的渠道',
      '模型出错时这句话也不能出现在日志里',
      '第六句话超过了频率限制',
      '第七句话超过了频率限制',
    ];
    services.model.enqueue(
      { kind: 'reply', content: '[caring] 李小梅，我在这里陪你，失眠真的很折磨人。' },
      { kind: 'reply', content: '[caring] 听起来你很累，你现在安全吗？' },
      { kind: 'error', status: 500, message: '上游错误里带着用户的话：模型出错时这句话' },
      { kind: 'error', status: 500, message: '上游错误里带着用户的话：模型出错时这句话' },
    );
    const answers = [];
    for (const message of said)
      answers.push(await chat({ user_id: 'o_log_user', session_id: 's_log', message }));
    await chat({
      user_id: 'o_log_user',
      session_id: 's_log',
      message: 'x'.repeat(10),
      history: 'not an array',
    });
    await history({ user_id: 'o_log_user', session_id: 's_log' });
    await chat({
      path: '/api/chat',
      httpMethod: 'POST',
      headers: {},
      body: JSON.stringify({ message: said[0] }),
      isBase64Encoded: false,
    });

    // The conversation really went through every path the test means to cover.
    const codes = answers.map((answer) => (answer as { error?: { code: string } }).error?.code ?? 'ok');
    expect(codes).toEqual(['ok', 'ok', 'ok', 'CONTENT_BLOCKED', 'LLM_UPSTREAM_ERROR', 'ok', 'RATE_LIMITED']);
    const log = lines.join('\n');
    expect(log).toContain('"event":"safety.flagged"');
    expect(log).toContain('"message_chars"');

    const forbidden = [
      ...Object.values(SECRETS),
      services.model.apiKey,
      ...said.flatMap((message) => fragments(message)),
      ...fragments('我在这里陪你，失眠真的很折磨人'),
      '上游错误里带着用户的话',
    ];
    for (const fragment of forbidden) expect(log, `log holds "${fragment}"`).not.toContain(fragment);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
