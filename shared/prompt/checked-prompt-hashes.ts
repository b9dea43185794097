/**
 * SHA-256 (hex) of each prompt file whose checks the build ran, by file name. Empty here, so a file read
 * from source (npm start, the tests) is always checked; `npm run build` puts the real table in the
 * function bundles (scripts/checked-prompt-files.ts), and read-prompt-file.ts compares it with the bytes read.
 */
export const CHECKED_PROMPT_HASHES: Readonly<Record<string, string>> = {};
