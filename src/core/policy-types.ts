/**
 * One statement of a permission policy, as every layer reads it. The registry validates stored
 * statements against a zod schema typed to this (src/registry/schemas.ts); auth evaluates them.
 */
export interface PolicyStatement {
  effect: 'allow' | 'deny';
  /** `s3:<Operation>` (IAM action names) or `s3:*`; `*` wildcards allowed inside. */
  actions: string[];
  /** `*`, `bucket`, `bucket/prefix*` or `bucket/key`; `*` matches any run of characters. */
  resources: string[];
}
