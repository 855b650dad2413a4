// Lets the bench (plain .mjs) import the project's TypeScript helpers as they are. Node 24 strips
// types itself; what it does not do is resolve the extensionless relative specifiers the sources
// use (`from './config'`, resolved by Vite and wrangler's bundler). This hook retries such a
// specifier with `.ts` appended. Nothing is compiled or bundled.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const relative = specifier.startsWith('./') || specifier.startsWith('../');
      if (!relative || error?.code !== 'ERR_MODULE_NOT_FOUND' || /\.[cm]?[jt]s$/.test(specifier)) throw error;
      return nextResolve(`${specifier}.ts`, context);
    }
  },
});
