import type { Config } from '../config/load-config.js';
import { type CrisisAssets, loadCrisisAssets } from '../safety/load-crisis-assets.js';
import { createWeChatContentCheck } from '../safety/wechat-content-check.js';
import { loadWordListContentCheck } from '../safety/word-list-content-check.js';
import type { ContentScreening } from './screen-content.js';

/** What a chat turn needs to keep people safe: the crisis rules and texts, and content security. */
export interface ChatSafety {
  crisis: CrisisAssets;
  content: ContentScreening;
}

/** Built once per warm instance from the prompt directory's files and the configuration. */
export function buildChatSafety(config: Config, promptDir: string): ChatSafety {
  return {
    crisis: loadCrisisAssets(promptDir),
    content: {
      wechat: config.contentCheck.wechat
        ? createWeChatContentCheck({ cloudbase: config.cloudbase, timeoutMs: config.contentCheck.timeoutMs })
        : undefined,
      wordList: loadWordListContentCheck(promptDir),
      policy: config.contentCheck,
    },
  };
}
