import { existsSync } from 'node:fs';

/** Local runs read `.env` (then `.env.local`); variables already set in the shell win. */
export function loadDotenv(): void {
  for (const file of ['.env.local', '.env']) {
    if (existsSync(file)) process.loadEnvFile(file);
  }
}
