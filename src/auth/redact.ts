/**
 * The session token is a credential: errors that echo what was signed (SigV4's CanonicalRequest,
 * SigV2's StringToSign) never carry it, not even back to its bearer. It appears there as a header
 * line (`x-amz-security-token:…`) or as a query parameter of a presigned URL
 * (`X-Amz-Security-Token=…`).
 */
export function redactSessionToken(signedText: string): string {
  return signedText
    .replace(/^x-amz-security-token:.*$/gim, 'x-amz-security-token:<redacted>')
    .replace(/(^|&|\?)(x-amz-security-token=)[^&\n]*/gim, '$1$2<redacted>');
}
