import * as z from 'zod/mini';
import { booleanFlag, chat, defaulted, integer, optional } from './declare-setting.js';

/** Content security: WeChat's security.msgSecCheck v2, else the local word list. */
export const contentSecuritySettings = {
  MSG_SEC_CHECK: optional(booleanFlag, 'on on the platform, else off', {
    about: 'WeChat msgSecCheck (`true/false/1/0/on/off`)',
    readBy: chat,
  }),
  MSG_SEC_CHECK_REVIEW: defaulted(z.enum(['allow', 'block']), 'allow', {
    about: 'a `review` verdict: `allow` (flagged) or `block`',
    readBy: chat,
  }),
  MSG_SEC_CHECK_ON_FAILURE: defaulted(z.enum(['open', 'closed']), 'open', {
    about: 'check unavailable: `open` (word list decides) or `closed` (refuse)',
    readBy: chat,
  }),
  MSG_SEC_CHECK_TIMEOUT_MS: defaulted(integer(100, 10_000), 3_000, {
    about: 'budget for one text’s check, 100–10000',
    readBy: chat,
  }),
};

/** Crisis care beyond the screen (docs/safety.md): the model as judge, care that persists. */
export const crisisCareSettings = {
  CRISIS_JUDGE: optional(booleanFlag, 'on with a real provider, off for the offline demo', {
    about: 'the model judges each message beside the reply call and can only raise the risk level',
    readBy: chat,
  }),
  CRISIS_JUDGE_MODEL: optional(z.string(), '`LLM_MODEL`', {
    about: 'a cheaper model of the same provider for the judge',
    readBy: chat,
  }),
  CRISIS_JUDGE_TIMEOUT_MS: defaulted(integer(100, 30_000), 3_000, {
    about: 'the judge’s own deadline, 100–30000, never past the model’s; a late judge is ignored',
    readBy: chat,
  }),
  CRISIS_CALM_TURNS: defaulted(integer(0, 10), 3, {
    about: 'turns after a flagged one that keep the guidance and the care card, 0–10; `0` = off',
    readBy: chat,
  }),
};
