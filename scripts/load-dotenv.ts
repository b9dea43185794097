import { existsSync } from 'node:fs';

/**
 * Local runs read `.env.local`, then `.env`; variables already set in the shell win. Tests set
 * NO_DOTENV=1 so a developer's real key in `.env` never reaches a test run.
 */
export function loadDotenv(): void {
  if (process.env.NO_DOTENV === '1') return;
  for (const file of ['.env.local', '.env']) {
    if (existsSync(file)) process.loadEnvFile(file);
  }
}
