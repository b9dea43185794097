/**
 * The order in which the CloudBase SDK's signer (@cloudbase/signature-nodejs) sorts the header and
 * parameter names it signs. The SDK sorts with `localeCompare`, whose first call builds ICU's collator:
 * about 7 ms of every cold start (interleaved runs) to sort a dozen ASCII names. The build points the
 * signer here instead (scripts/cloudbase-sdk-plugins.ts).
 *
 * For names made of letters, digits, `_` and `-` (every name the SDK signs), the order below is the
 * collation's: `_` < `-` < digits < letters, letters compared without case first, then lower case before
 * upper case at the first place they differ. Any other name is compared by `localeCompare` itself, so the
 * signature never changes; tests/storage/cloudbase-signature-key-order.test.ts compares the two on every
 * pair of such names up to three characters and on random longer ones.
 *
 * `localeCompare` sorts by the process's locale, which ICU takes from LC_ALL, LC_MESSAGES or LANG. The
 * root order above is what the C and POSIX locales, English and Chinese keep for these characters; some
 * other languages reorder letters (Danish sorts "aa" after "z"), so under any other locale every name
 * goes to `localeCompare`, as before.
 */
export function keepsRootOrder(environment: Readonly<Record<string, string | undefined>>): boolean {
  const locale = environment.LC_ALL || environment.LC_MESSAGES || environment.LANG || '';
  // A variant (`@…`) can change the order: ICU reads C.UTF-8@x as en-US-posix, which sorts by code point.
  return !locale.includes('@') && /^(?:C|POSIX|en|zh)?(?:[_.-]|$)/i.test(locale);
}

const ROOT_ORDER = keepsRootOrder(process.env);
const PRIMARY_ORDER = ['_', '-', ...'0123456789', ...'abcdefghijklmnopqrstuvwxyz'];
const RANK = new Map<string, number>(
  PRIMARY_ORDER.flatMap((character, rank) => [
    [character, rank],
    [character.toUpperCase(), rank],
  ]),
);
const SIGNED_NAME = /^[\w-]*$/;

export function compareSignatureKeys(left: unknown, right: unknown): number {
  // As the SDK's own `l.toString().localeCompare(r)`.
  const leftName = String(left);
  const rightName = String(right);
  if (!ROOT_ORDER || !SIGNED_NAME.test(leftName) || !SIGNED_NAME.test(rightName)) {
    return leftName.localeCompare(rightName);
  }
  const shared = Math.min(leftName.length, rightName.length);
  for (let index = 0; index < shared; index += 1) {
    const difference = (RANK.get(leftName.charAt(index)) ?? 0) - (RANK.get(rightName.charAt(index)) ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  if (leftName.length !== rightName.length) return leftName.length < rightName.length ? -1 : 1;
  for (let index = 0; index < shared; index += 1) {
    const leftCharacter = leftName.charAt(index);
    const rightCharacter = rightName.charAt(index);
    // Same letter in another case: lower case first, as the collation's third level has it.
    if (leftCharacter !== rightCharacter) return leftCharacter > rightCharacter ? -1 : 1;
  }
  return 0;
}
