/**
 * Every GraphQL operation the CLI sends. `npm run codegen` reads these (the `/* GraphQL *\/`
 * marker) with schema.graphql and writes their result and variable types to
 * `generated/graphql.ts` (`JobsQuery`, `JobsQueryVariables`, …), so an operation that no longer
 * fits the schema fails the build.
 */

/** Fields of a job in lists and after an upload. */
const JOB_FIELDS = /* GraphQL */ `
  fragment CliJobFields on Job {
    id
    filename
    status
    progress
    sizeBytes
    durationSeconds
    channels
    engine
    createdAt
    completedAt
    expiresAt
    errorCode
    errorMessage
    estimatedCompletionAt
    reusedFromJobId
  }
`;

export const UPLOAD_AUDIO = /* GraphQL */ `
  mutation CliUploadAudio($file: Upload!, $options: TranscriptionOptionsInput) {
    uploadAudio(file: $file, options: $options) {
      ...CliJobFields
    }
  }
  ${JOB_FIELDS}
`;

export const JOB_PROGRESS = /* GraphQL */ `
  subscription CliJobProgress($id: ID!) {
    jobProgress(id: $id) {
      jobId
      status
      progress
      message
      estimatedCompletionAt
      job {
        id
        status
        errorCode
        errorMessage
      }
    }
  }
`;

export const JOBS = /* GraphQL */ `
  query CliJobs($first: Int, $after: String, $status: JobStatus) {
    jobs(first: $first, after: $after, status: $status) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...CliJobFields
        }
      }
    }
  }
  ${JOB_FIELDS}
`;

export const SHOW_JOB = /* GraphQL */ `
  query CliShowJob($id: ID!) {
    job(id: $id) {
      ...CliJobFields
      format
      sampleRate
      diarizationApplied
      startedAt
      transcript {
        id
        version
        languages
        segmentCount
        speakers {
          id
          label
          tag
          segmentCount
          speakingSeconds
        }
      }
    }
  }
  ${JOB_FIELDS}
`;

export const EXPORT_URL = /* GraphQL */ `
  query CliExportUrl($id: ID!, $format: ExportFormat!, $options: ExportOptionsInput) {
    job(id: $id) {
      id
      status
      transcript {
        id
        exportUrl(format: $format, options: $options)
      }
    }
  }
`;

export const CANCEL_JOB = /* GraphQL */ `
  mutation CliCancelJob($id: ID!) {
    cancelJob(id: $id) {
      ...CliJobFields
    }
  }
  ${JOB_FIELDS}
`;

export const DELETE_JOB = /* GraphQL */ `
  mutation CliDeleteJob($id: ID!) {
    deleteJob(id: $id)
  }
`;

export const USAGE = /* GraphQL */ `
  query CliUsage($from: DateTime!, $to: DateTime!, $groupBy: UsageGroupBy!) {
    usage(from: $from, to: $to, groupBy: $groupBy) {
      period
      engine
      tenantId
      jobs {
        total
        completed
        failed
        cancelled
        expired
        reused
        unfinished
      }
      audioSecondsUploaded
      audioSecondsBilled
      engineRequests
      errors {
        code
        jobs
      }
      pricePerMinute
      currency
      estimatedCost
    }
  }
`;

/** Fields of a webhook endpoint. */
const ENDPOINT_FIELDS = /* GraphQL */ `
  fragment CliEndpointFields on WebhookEndpoint {
    id
    url
    description
    events
    enabled
    disabledReason
    createdAt
    updatedAt
    previousSecretExpiresAt
  }
`;

export const WEBHOOKS = /* GraphQL */ `
  query CliWebhooks {
    webhookEndpoints {
      ...CliEndpointFields
    }
  }
  ${ENDPOINT_FIELDS}
`;

export const CREATE_WEBHOOK = /* GraphQL */ `
  mutation CliCreateWebhook($url: String!, $events: [WebhookEventType!], $description: String) {
    createWebhookEndpoint(url: $url, events: $events, description: $description) {
      secret
      endpoint {
        ...CliEndpointFields
      }
    }
  }
  ${ENDPOINT_FIELDS}
`;

export const DELETE_WEBHOOK = /* GraphQL */ `
  mutation CliDeleteWebhook($id: ID!) {
    deleteWebhookEndpoint(id: $id)
  }
`;

export const ROTATE_WEBHOOK = /* GraphQL */ `
  mutation CliRotateWebhook($id: ID!) {
    rotateWebhookSecret(id: $id) {
      secret
      endpoint {
        ...CliEndpointFields
      }
    }
  }
  ${ENDPOINT_FIELDS}
`;
