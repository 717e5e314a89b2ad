/**
 * GraphiQL, bundled from npm so it works with no internet access. Queries and mutations go to
 * `/graphql` over HTTP (JSON POSTs pass Apollo's CSRF prevention); subscriptions go over
 * graphql-ws on the same path. The schema and its docs come from introspection.
 * `?query=` and `?variables=` in the URL open the editor with that operation.
 * With `AUTH_MODE=api-key`, the API key saved by the web client (localStorage `kazru.apiKey`)
 * is sent as `Authorization: Bearer` and in the WebSocket `connection_init` payload; without
 * one, add the header in GraphiQL's "Headers" tab.
 */
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createClient } from 'graphql-ws';

const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;

/** Same storage key as `API_KEY_STORAGE` in client/src/api.ts. */
const apiKey = localStorage.getItem('kazru.apiKey');
const auth: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};

const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  headers: auth,
  wsClient: createClient({
    url: wsUrl,
    lazy: true,
    retryAttempts: Infinity,
    connectionParams: auth,
    // A refused key (4401/4403) would be refused again.
    shouldRetry: (e) => ![4401, 4403].includes((e as { code?: number }).code ?? 0),
  }),
});

const defaultQuery = `# KazRu-STT Pro GraphQL API. Open "Docs" for the schema.
query RecentJobs {
  serviceInfo {
    maxUploadBytes
    maxDurationSeconds
    languages
  }
  jobs(first: 5) {
    totalCount
    edges {
      node {
        id
        filename
        status
        progress
        durationSeconds
      }
    }
  }
}

# Live progress of one job (paste its id):
# subscription Progress { jobProgress(id: "…") { status progress message } }
`;

// Shareable links: /graphiql/?query=…&variables=… opens with that operation in the editor.
const params = new URLSearchParams(location.search);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    createElement(GraphiQL, {
      fetcher,
      defaultQuery,
      initialQuery: params.get('query') ?? undefined,
      initialVariables: params.get('variables') ?? undefined,
    }),
  );
}
