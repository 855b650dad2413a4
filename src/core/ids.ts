/** A short random id in base-32 upper case (A–Z, 2–7): session AccessKeyIds, jtis, role ids. */
export function randomBase32(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return [...bytes].map((b) => BASE32[b & 31]).join('');
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
