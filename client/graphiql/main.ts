/**
 * GraphiQL, bundled from npm so it works with no internet access. Queries and mutations go to
 * `/graphql` over HTTP (JSON POSTs pass Apollo's CSRF prevention); subscriptions go over
 * graphql-ws on the same path. The schema and its docs come from introspection.
 * `?query=` and `?variables=` in the URL open the editor with that operation.
 */
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createClient } from 'graphql-ws';

const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;

const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  wsClient: createClient({ url: wsUrl, lazy: true, retryAttempts: Infinity }),
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
