import { both, chat, defaulted, integer, stream } from './declare-setting.js';

/** The chat turn: its deadline and the size of what it takes in and sends to the model. */
export const chatTurnSettings = {
  // The chat function's timeout is 60 s; the turn must end before it, with room for the cold start.
  CHAT_DEADLINE_MS: defaulted(integer(1_000, 55_000), 50_000, {
    about: 'the whole chat turn, 1000–55000 (the function’s timeout is 60 s)',
    readBy: chat,
  }),
  STORAGE_RESERVE_MS: defaulted(integer(1), 5_000, {
    about: 'part of the deadline kept for storing the turn after the model; below `CHAT_DEADLINE_MS`',
    readBy: chat,
  }),
  CRISIS_JUDGE_WAIT_MS: defaulted(integer(0, 10_000), 2_000, {
    about: "longest a stream holds the reply's first words for the crisis judge's answer, 0–10000",
    readBy: stream,
  }),
  MAX_MESSAGE_CHARS: defaulted(integer(1), 2_000, { about: 'characters per message', readBy: chat }),
  MAX_HISTORY_ITEMS: defaulted(integer(1), 50, { about: 'client history items per request', readBy: chat }),
  MAX_HISTORY_ITEM_CHARS: defaulted(integer(1), 4_000, {
    about: 'characters per history item',
    readBy: chat,
  }),
  MAX_REQUEST_BYTES: defaulted(integer(1), 512 * 1024, {
    about: 'request size limit in bytes',
    readBy: both,
  }),
  CONTEXT_MAX_MESSAGES: defaulted(integer(1), 40, {
    about:
      'stored messages a turn reads: the most that can be sent as context (the token budget decides within it)',
    readBy: chat,
  }),
  CONTEXT_TOKEN_BUDGET: defaulted(integer(1), 6_000, {
    about:
      'estimated tokens sent to the model per reply (persona, memory, summary, recent turns, the message)',
    readBy: chat,
  }),
  MAX_SESSION_MESSAGES: defaulted(integer(1), 2_000, { about: 'messages per session', readBy: chat }),
};

/** Per-user limits, counted in the database (docs/usage-limits.md); 0 turns a limit off. */
export const usageLimitSettings = {
  RATE_LIMIT_PER_MINUTE: defaulted(integer(0), 10, {
    about: 'messages per user per calendar minute; `0` = off',
    readBy: chat,
  }),
  DAILY_MESSAGE_QUOTA: defaulted(integer(0), 200, {
    about: 'messages per user per China day; `0` = off',
    readBy: chat,
  }),
  DAILY_TOKEN_QUOTA: defaulted(integer(0), 200_000, {
    about: 'model tokens per user per China day; `0` = off',
    readBy: chat,
  }),
};
