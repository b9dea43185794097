import * as z from 'zod/mini';
import { both, collectionName, defaulted, httpUrl, integer, local, optional } from './declare-setting.js';

/** Storage: the adapter, the local directory, CloudBase credentials and collections. */
export const storageSettings = {
  STORAGE: optional(z.enum(['cloudbase', 'local']), '`cloudbase` on the platform, else `local`', {
    about: 'storage adapter',
    readBy: local,
  }),
  DATA_DIR: defaulted(z.string(), './data', { about: 'the local adapter’s directory', readBy: local }),
  CLOUDBASE_ENV: optional(z.string(), 'the current environment on the platform', {
    about: 'environment id; needed off the platform for `STORAGE=cloudbase`, setup:cloudbase and deploys',
    readBy: local,
  }),
  CLOUDBASE_SECRET_ID: optional(z.string(), 'platform credentials', {
    about: 'API key id, required off the platform with `STORAGE=cloudbase`',
    readBy: local,
  }),
  CLOUDBASE_SECRET_KEY: optional(z.string(), 'platform credentials', {
    about: 'API key secret, required off the platform with `STORAGE=cloudbase`',
    readBy: local,
  }),
  CLOUDBASE_SERVICE_URL: optional(httpUrl, '—', {
    about: 'database API URL override (the tests’ emulator)',
    readBy: local,
  }),
  CLOUDBASE_COLLECTION: defaulted(collectionName, 'chat_sessions', {
    about: 'the sessions collection',
    readBy: both,
  }),
  CLOUDBASE_USAGE_COLLECTION: defaulted(collectionName, 'chat_usage', {
    about: 'the usage counters’ collection; must differ from `CLOUDBASE_COLLECTION`',
    readBy: both,
  }),
  CLOUDBASE_MEMORY_COLLECTION: defaulted(collectionName, 'chat_memories', {
    about: 'the users’ memories (知己档案); must differ from the other two collections',
    readBy: both,
  }),
  CLOUDBASE_TIMEOUT_MS: defaulted(integer(1), 4_000, {
    about: 'per database request (idle socket); at most `STORAGE_RESERVE_MS` in the chat function',
    readBy: both,
  }),
};
