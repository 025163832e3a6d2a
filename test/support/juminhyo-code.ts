/** The 住民票コード check digit of SPEC §4.6, for tests (independent of src/). */

/** True when `code` is 11 digits whose last is the modulus-11 check digit of the first ten. */
export function isValidJuminhyoCode(code: string): boolean {
  if (!/^\d{11}$/u.test(code)) return false;
  // P1 is the digit just left of the check digit; weights cycle 2..7 then 2..5.
  const weights = [2, 3, 4, 5, 6, 7, 2, 3, 4, 5];
  let sum = 0;
  for (let n = 1; n <= 10; n++) sum += Number(code.charAt(10 - n)) * weights[n - 1]!;
  const remainder = sum % 11;
  const expected = remainder < 2 ? 0 : 11 - remainder;
  return Number(code.charAt(10)) === expected;
}
