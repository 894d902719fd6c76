// Headers every answer carries: no MIME sniffing anywhere; GraphQL answers are per user and never
// cached; the GraphiQL page may not be framed and runs only this origin's scripts.
import type { Plugin } from 'graphql-yoga';
import { GRAPHIQL_CSP } from './graphiql.js';

export function useSecurityHeaders(graphqlEndpoint: string): Plugin {
  return {
    onResponse({ request, response }) {
      const headers = response.headers;
      headers.set('x-content-type-options', 'nosniff');
      if (new URL(request.url).pathname !== graphqlEndpoint) return;
      if ((headers.get('content-type') ?? '').startsWith('text/html')) {
        headers.set('content-security-policy', GRAPHIQL_CSP);
        headers.set('x-frame-options', 'DENY');
        headers.set('referrer-policy', 'no-referrer');
        headers.set('cache-control', 'no-cache');
      } else {
        headers.set('cache-control', 'no-store');
      }
    },
  };
}
