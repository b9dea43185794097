/** `node --import tsx scripts/print-settings.ts`: the README's configuration table, from the schema. */
import { settingsTable } from './describe-settings.js';

console.info(settingsTable());
