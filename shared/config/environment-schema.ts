import * as z from 'zod/mini';
import { accessSettings } from './access-settings.js';
import { chatTurnSettings, usageLimitSettings } from './chat-turn-settings.js';
import { modelSettings } from './model-settings.js';
import { processSettings } from './process-settings.js';
import { contentSecuritySettings, crisisCareSettings } from './safety-settings.js';
import { storageSettings } from './storage-settings.js';

export { type FunctionName, type SettingInfo, settingInfo } from './declare-setting.js';

/**
 * Every key the service reads, each with its one line of documentation. Empty strings count as unset:
 * cloudbaserc renders a missing `{{env.X}}` as "". load-config.ts turns the values into the `Config`.
 * The groups are declared in their own files; the order here is the order of the docs' tables.
 */
export const environmentSchema = z.object({
  ...modelSettings,
  ...chatTurnSettings,
  ...usageLimitSettings,
  ...contentSecuritySettings,
  ...crisisCareSettings,
  ...accessSettings,
  ...storageSettings,
  ...processSettings,
});

export type SettingName = keyof typeof environmentSchema.shape;
