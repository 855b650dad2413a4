import type { TestProject } from 'vitest/node';
import { startOidcIssuer } from './issuer';

/** vitest globalSetup: one local OIDC issuer for the whole run; tests reach it with inject('oidcIssuerUrl'). */
export default async function setup(project: TestProject) {
  const issuer = await startOidcIssuer();
  project.provide('oidcIssuerUrl', issuer.url);
  return () => issuer.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    oidcIssuerUrl: string;
  }
}
