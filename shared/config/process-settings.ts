import * as z from 'zod/mini';
import { both, defaulted, integer, local, optional } from './declare-setting.js';

/** The process: where the prompt files are, the local server, logging and the platform marker. */
export const processSettings = {
  PROMPT_DIR: optional(z.string(), 'beside the bundle, else `./prompt`', {
    about: 'where the prompt, label, crisis and word-list files are',
    readBy: local,
  }),
  // npm start takes user_id from the request body, so by default only this machine may reach it.
  PORT: defaulted(integer(1, 65535), 5000, { about: '`npm start`’s port', readBy: local }),
  HOST: defaulted(z.string().check(z.minLength(1)), '127.0.0.1', {
    about: '`npm start`’s address; it trusts `user_id` from the body, so this machine only by default',
    readBy: local,
  }),
  LOG_LEVEL: defaulted(z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info', {
    about: '`debug`, `info`, `warn`, `error` or `silent`',
    readBy: both,
  }),
  TENCENTCLOUD_RUNENV: optional(z.string(), 'set by CloudBase', {
    about: '`SCF` means “on the platform”; never set it yourself',
    readBy: local,
  }),
};
