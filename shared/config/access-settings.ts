import * as z from 'zod/mini';
import { both, defaulted, integer, optional } from './declare-setting.js';

/**
 * HTTP access tokens (chat mints them, both functions check them), the AI label on every shown reply and
 * how long sessions are kept.
 */
export const accessSettings = {
  AUTH_TOKEN_SECRET: optional(z.string().check(z.minLength(32)), '—', {
    about: 'signs HTTP access bearer tokens, 32+ characters; unset = HTTP access closed on the platform',
    readBy: both,
  }),
  AUTH_TOKEN_TTL_SECONDS: defaulted(integer(60, 86_400), 1_800, {
    about: 'token lifetime, 60–86400; a token claiming a longer one is refused',
    readBy: both,
  }),
  AI_LABEL_TEXT: optional(z.string().check(z.maxLength(100)), '—', {
    about: 'up to 100 characters appended to each shown reply as a visible AI label (GB 45438-2025)',
    readBy: both,
  }),
  RETENTION_DAYS: optional(integer(1, 36_500), '— (keep)', {
    about: 'days a session is kept after its last update, 1–36500; the daily timer deletes older ones',
    readBy: ['history'],
  }),
};
